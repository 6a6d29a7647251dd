"""The caches digest derives from data files (jieba's prefix dictionary, the gloss data) and argostranslate's folders.

A derived cache is loaded only when it was built from exactly what it would be built from now and
is intact; anything else is rebuilt and replaced, never written through. Tests that need a whole
process (these caches are loaded once per process) start `python -c` or `python -m jobs`.
"""

from __future__ import annotations

import marshal
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs import derived_cache, messages

from .conftest import REPO, Alarm

SOURCE = derived_cache.source_hash(b"a dictionary", b"\xe6\xa0\xb8\xe6\xad\xa6\xe5\x99\xa8 3 n\n")
VALUE = ({"核": 10, "核武": 0, "核武器": 3}, 13)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private cache folder."""
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture(autouse=True)
def no_deferred_warnings() -> None:
    """Start each test with no warning left over from another."""
    messages.take_deferred_warnings()


def kept(folder: Path) -> Path:
    path = folder / derived_cache.file_name("words", SOURCE)
    derived_cache.store(path, SOURCE, VALUE, "word cache")
    return path


def test_a_kept_value_loads_as_it_was_stored(folder: Path) -> None:
    path = kept(folder)
    assert derived_cache.load(path, SOURCE, "word cache") == VALUE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # whatever the umask
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left
    assert messages.take_deferred_warnings() == []


def flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "zero bytes",
        "header only",
        "cut short",
        "a byte of the payload changed",
        "built from another source",
        "a plain marshal file, as digest wrote before",
        "a folder",
        "a FIFO",
    ],
)
def test_a_cache_that_is_not_exactly_what_was_kept_is_never_loaded(folder: Path, damage: str) -> None:
    path = kept(folder)
    data = path.read_bytes()
    path.unlink()
    if damage == "zero bytes":
        path.write_bytes(b"")
    elif damage == "header only":
        path.write_bytes(data[: len(data) - len(marshal.dumps(VALUE))])
    elif damage == "cut short":
        path.write_bytes(data[:-1])
    elif damage == "a byte of the payload changed":
        path.write_bytes(flip_last_byte(data))
    elif damage == "built from another source":
        derived_cache.store(path, derived_cache.source_hash(b"another dictionary"), VALUE, "word cache")
    elif damage == "a plain marshal file, as digest wrote before":
        path.write_bytes(marshal.dumps(VALUE))
    elif damage == "a folder":
        path.mkdir()
    elif damage == "a FIFO":
        os.mkfifo(path)  # opened for reading, it would wait for a writer forever
    with Alarm(30, "a cache must never wait on a FIFO"):
        assert derived_cache.load(path, SOURCE, "word cache") is None
    assert messages.take_deferred_warnings() == []  # a rebuild, not a problem to report


HUGE = """
import resource, sys
from pathlib import Path
from jobs import derived_cache

resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # reading the file whole raises MemoryError
print(derived_cache.load(Path(sys.argv[1]), bytes.fromhex(sys.argv[2]), "word cache"))
"""


@pytest.mark.parametrize("case", ["sparse, no header", "the header of the one kept"])
def test_a_huge_file_at_a_caches_name_is_not_read(folder: Path, case: str) -> None:
    # Before, the whole file was read before its header was looked at: a 16 GiB file there was a
    # MemoryError traceback (or the machine's memory), whatever its header said.
    path = kept(folder)
    header = path.read_bytes()[: len(path.read_bytes()) - len(marshal.dumps(VALUE))]
    with open(path, "wb") as handle:
        if case == "the header of the one kept":
            handle.write(header)
        handle.truncate(16 << 30)  # sparse: no disk used
    result = subprocess.run(
        [sys.executable, "-c", HUGE, str(path), SOURCE.hex()], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout == "None\n", result.stderr


def test_parts_of_a_source_cannot_run_into_each_other() -> None:
    assert derived_cache.source_hash(b"ab", b"c") != derived_cache.source_hash(b"a", b"bc")


@pytest.mark.parametrize("case", ["a symbolic link", "another user's", "writable by the group"])
def test_a_cache_file_digest_must_not_trust_is_not_read_and_is_replaced(
    folder: Path, tmp_path: Path, case: str
) -> None:
    path = kept(folder)
    elsewhere = tmp_path / "elsewhere.marshal"
    if case == "a symbolic link":
        path.rename(elsewhere)  # a valid cache: only where it is makes it untrusted
        path.symlink_to(elsewhere)
    elif case == "another user's":
        os.chown(path, 65534, 65534)
    else:
        path.chmod(0o620)
    for _ in range(2):  # one warning, however often the cache is loaded in this process
        assert derived_cache.load(path, SOURCE, "word cache") is None
    [warning] = messages.take_deferred_warnings()
    assert warning.startswith(f"word cache: {path} ") and "digest did not read it" in warning
    derived_cache.store(path, SOURCE, VALUE, "word cache")
    assert derived_cache.load(path, SOURCE, "word cache") == VALUE
    assert stat.S_ISREG(path.lstat().st_mode) and path.stat().st_uid == os.geteuid()
    if case == "a symbolic link":
        assert derived_cache.load(elsewhere, SOURCE, "word cache") == VALUE  # never written through


def test_a_cache_that_cannot_be_kept_costs_one_warning(folder: Path) -> None:
    path = folder / derived_cache.file_name("words", SOURCE)
    path.mkdir()  # in the way of the rename
    for _ in range(2):
        derived_cache.store(path, SOURCE, VALUE, "word cache")
    [warning] = messages.take_deferred_warnings()
    assert warning.startswith("word cache could not be kept") and str(path) in warning
    assert [p.name for p in folder.iterdir()] == [path.name]


def test_files_of_other_versions_go_after_a_month_unused(folder: Path) -> None:
    path = kept(folder)
    old, recent, other = (
        folder / "words-0123456789abcdef.marshal",
        folder / "words-1111.marshal",
        folder / "jieba.cache",
    )
    for file in (old, recent, other):
        file.write_bytes(b"x")
    month_ago = time.time() - 31 * 24 * 3600
    for file in (old, other):
        os.utime(file, (month_ago, month_ago))
    assert derived_cache.remove_stale(folder, "words", [path]) == [old]
    assert sorted(folder.iterdir()) == sorted([path, recent, other])


def run_python(code: str, cache: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """`python -c CODE` with `cache` as digest's cache folder: a new process, as each run is."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "DIGEST_CACHE_DIR": str(cache), **environment},
        capture_output=True,
        text=True,
        timeout=300,
    )


SEGMENT = "from jobs.wordseg import words; print(' '.join(words('研究核武器的扩散。', 'zh')))"
NUCLEAR_WEAPON = "核武器".encode()


def segmented(cache: Path) -> str:
    result = run_python(SEGMENT, cache)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.strip()


@pytest.mark.slow
def test_a_damaged_jieba_cache_is_rebuilt(folder: Path) -> None:
    # Three processes that each load jieba's dictionary (seconds). Before, jieba's own cache of its
    # dictionary was loaded as it was, without even a date check.
    expected = segmented(folder)
    assert "核武器" in expected.split()
    caches = [path for path in folder.iterdir() if NUCLEAR_WEAPON in path.read_bytes()]
    assert caches
    for path in caches:  # a same-length change inside the file, as a failing disk could make
        path.write_bytes(path.read_bytes().replace(NUCLEAR_WEAPON, "核武噐".encode()))
    assert segmented(folder) == expected
    assert all(NUCLEAR_WEAPON in path.read_bytes() for path in folder.iterdir())  # rebuilt and kept
    assert segmented(folder) == expected


def test_caches_are_never_kept_in_a_cache_folder_that_is_a_link(folder: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(folder, target_is_directory=True)
    assert "核武器" in segmented(link).split()
    assert list(folder.iterdir()) == []
