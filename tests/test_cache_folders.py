"""Where digest may keep its caches: the folders above a cache folder, and how digest makes one.

A check of the cache folder itself (tests/test_cache.py) is worth nothing if another user can
rename the folder, or one above it, and put their own in its place once digest has checked it:
from then on SQLite and digest's own writes follow the path into a folder of their choosing.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from jobs.cache import TranslationCache
from jobs.settings import cache_dir_problem

from .conftest import read_jsonl, run_digest

NOBODY = 65534


def prepare_parent(tmp_path: Path, case: str) -> tuple[Path, str | None]:
    """A cache folder path below a folder set up as `case`, and what the warning must say (None: trusted)."""
    parent = tmp_path / "shared"
    parent.mkdir()
    if case == "writable by everyone":
        parent.chmod(0o777)
        return parent / "cache", f"{parent}, above {parent / 'cache'}, can be written by other users (mode 777)"
    if case == "writable by its group":
        parent.chmod(0o770)
        return parent / "cache", f"{parent}, above {parent / 'cache'}, can be written by other users (mode 770)"
    if case == "another user's":
        os.chown(parent, NOBODY, NOBODY)
        return parent / "cache", f"{parent}, above {parent / 'cache'}, belongs to user id {NOBODY}"
    if case == "two levels up, writable by everyone":
        parent.chmod(0o777)
        (parent / "team").mkdir(mode=0o755)
        folder = parent / "team" / "cache"
        return folder, f"{parent}, above {folder}, can be written by other users (mode 777)"
    if case == "reached through a link of the user's":
        parent.chmod(0o777)
        link = tmp_path / "mine"
        link.symlink_to(parent, target_is_directory=True)
        return link / "cache", f"{parent}, above {link / 'cache'}, can be written by other users (mode 777)"
    if case == "sticky and writable by everyone, as /tmp":
        parent.chmod(0o1777)  # there only an entry's owner may rename it
        return parent / "cache", None
    raise AssertionError(case)


PARENT_CASES = [
    "writable by everyone",
    "writable by its group",
    "another user's",
    "two levels up, writable by everyone",
    "reached through a link of the user's",
    "sticky and writable by everyone, as /tmp",
]


@pytest.mark.parametrize("case", PARENT_CASES)
def test_a_cache_folder_others_could_replace_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    # As OpenSSH's StrictModes checks the folders above authorized_keys. Before, only the cache
    # folder itself was checked: anyone could rename it and put a folder of theirs in its place.
    folder, warned = prepare_parent(tmp_path, case)
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    problem = cache_dir_problem()
    if warned is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(f"cache folder: {warned}, who could put another folder")
        assert "chmod go-w" in problem or "belongs to" in problem


@pytest.mark.parametrize("case", PARENT_CASES)
def test_a_cache_file_in_a_folder_others_could_replace_is_never_used(tmp_path: Path, case: str) -> None:
    folder, warned = prepare_parent(tmp_path, case)
    path = folder / "translations.sqlite3"
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    rows = {TranslationCache.key("argos|test 1.0", "核武器"): "nuclear weapons"}
    cache.put_many(rows)
    served = cache.get_many(list(rows))
    cache.close()
    if warned is None:
        assert warnings == [] and served == rows
    else:
        [warning] = warnings
        assert warning.startswith(f"translation cache {path} cannot be used ({warned}") and served == {}
        assert not path.exists() and not Path(f"{path}.lock").exists()


@pytest.mark.slow
def test_a_run_whose_cache_folder_others_could_replace_keeps_nothing_there(
    sample_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = run_digest("run", "--engine", "gloss")
    assert expected.exit_code == 0, expected.stderr
    records = read_jsonl(Path("output/seed-cnki-export.jsonl"))
    folder, warned = prepare_parent(tmp_path, "writable by everyone")
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    result = run_digest("run", "--engine", "gloss", "--force")
    assert result.exit_code == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("digest: warning:")]
    assert warning.startswith(f"digest: warning: cache folder: {warned}") and "going on without" in warning.lower()
    assert read_jsonl(Path("output/seed-cnki-export.jsonl")) == records
    assert not folder.exists() or list(folder.iterdir()) == []


def someone_makes_it_first(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Let another user make `folder` (writable by all) just before digest's own mkdir of it, as on /tmp."""
    real_mkdir: Callable[..., None] = os.mkdir

    def mkdir(path: os.PathLike[str] | str, *args: object, **kwargs: object) -> None:
        if os.path.abspath(path) == str(folder) and not os.path.lexists(folder):
            real_mkdir(folder)
            os.chown(folder, NOBODY, NOBODY)
            os.chmod(folder, 0o777)
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


def test_a_cache_folder_someone_else_makes_while_digest_makes_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Missing when digest checked it, made by another user in the sticky shared folder before
    # digest's mkdir, which finds it there: before, it was used as if digest had made it.
    folder = tmp_path / "cache"
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    someone_makes_it_first(monkeypatch, folder)
    problem = cache_dir_problem()
    assert problem is not None and f"{folder} belongs to user id {NOBODY}" in problem


def test_a_cache_files_folder_someone_else_makes_while_digest_makes_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    path = folder / "translations.sqlite3"
    someone_makes_it_first(monkeypatch, folder)
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    cache.put_many({TranslationCache.key("argos|test 1.0", "一"): "one"})
    cache.close()
    [warning] = warnings
    assert f"{folder} belongs to user id {NOBODY}" in warning and "going on without it" in warning
    assert list(folder.iterdir()) == []  # no lock, no database in a folder someone else owns


def test_folders_digest_makes_above_its_cache_folder_are_its_users_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Made with the umask's mode, as mkdir -p makes them, a umask of 002 made them writable by the
    # group: refused on every later run.
    folder = tmp_path / "home" / ".cache" / "digest"
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    previous = os.umask(0o002)
    try:
        assert cache_dir_problem() is None
        assert cache_dir_problem() is None
    finally:
        os.umask(previous)
    for made in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, made


#: A command a warning names, up to the end of its last path (`;`, `,`, `)`, or the `.` that ends a sentence).
COMMAND_RE = re.compile(r"chmod go-w /[^;,)]*?(?=[;,)]|\. |$)")


def test_the_commands_one_warning_names_make_an_earlier_digests_cache_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An earlier digest made its folders with the umask's modes: under a umask of 002 (Debian's and
    # Ubuntu's for users with a group of their own) the cache folder 0775 and its lock file 0664,
    # and pip had made ~/.cache 0775. Each run named one of them: three runs, three warnings, for
    # an operator to fix one at a time.
    home_cache = tmp_path / "home" / ".cache"
    folder = home_cache / "digest"
    folder.mkdir(mode=0o700, parents=True)
    path = folder / "translations.sqlite3"
    rows = {TranslationCache.key("argos|test 1.0", "核武器"): "nuclear weapons"}
    cache = TranslationCache(path, pytest.fail)
    cache.put_many(rows)
    cache.close()
    home_cache.chmod(0o775)
    folder.chmod(0o775)
    path.chmod(0o644)
    Path(f"{path}.lock").chmod(0o664)
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    problem = cache_dir_problem()
    assert problem is not None
    commands = COMMAND_RE.findall(problem)
    assert commands, problem
    for command in commands:  # as the operator would, word for word
        subprocess.run(command.split(), check=True)
    assert cache_dir_problem() is None
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    assert cache.get_many(list(rows)) == rows and warnings == []
    cache.close()


def test_every_cache_file_digest_refuses_is_named_in_its_one_warning(tmp_path: Path) -> None:
    # `--cache FILE` in a folder of the user's, its files made by an earlier digest under a umask
    # of 002 (the lock file 0664) and made writable by the group since (the database).
    folder = tmp_path / "project"
    folder.mkdir(mode=0o755)
    path = folder / "translations.sqlite3"
    TranslationCache(path, pytest.fail).close()
    path.chmod(0o664)
    Path(f"{path}.lock").chmod(0o664)
    warnings: list[str] = []
    TranslationCache(path, warnings.append).close()
    [warning] = warnings
    for command in COMMAND_RE.findall(warning):
        subprocess.run(command.split(), check=True)
    TranslationCache(path, pytest.fail).close()


@pytest.mark.parametrize("given", ["DIGEST_CACHE_DIR", "--cache"])
def test_a_shared_sticky_folder_given_for_the_cache_is_refused_without_a_chmod_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    # /tmp itself: anyone may make files there (a -wal of theirs for digest's database). Before, the
    # warning said to run `chmod -R go-w` on it, which breaks /tmp for every user (and, as root,
    # changes every user's files in it).
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    if given == "DIGEST_CACHE_DIR":
        monkeypatch.setenv("DIGEST_CACHE_DIR", str(shared))
        problem = cache_dir_problem()
        assert problem is not None
    else:
        warnings: list[str] = []
        TranslationCache(shared / "translations.sqlite3", warnings.append).close()
        [problem] = warnings
        assert list(shared.iterdir()) == []
    assert f"{shared} can be written by other users (mode 1777); give digest a folder of its own" in problem
    assert "chmod" not in problem
