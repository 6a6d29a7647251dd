"""The translation cache under damage, odd paths, failing SQLite and several processes at once.

Every test uses the real SQLite cache and, where translations are involved, a real-format Argos
package (`tests/argos_package.py`) run by CTranslate2: the `gloss` engine is not cached. The rule
under test: the cache may only save time. Whatever happens to it, a run completes with the same
output as `--no-cache`, with at most one warning, and no translation comes from a broken cache.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from jobs.cache import TranslationCache, TranslationStats, translate
from jobs.engines.argos import ArgosEngine
from jobs.engines.argos.models import install_package
from jobs.engines.base import EngineSettings, TranslationEngine
from jobs.segment import split_sentences

from .argos_package import build_argos_package
from .conftest import REPO, Alarm, read_jsonl, run_digest
from .test_argos import SAMPLE_TEXT

#: The first four abstracts of the sample export (three Chinese, one English): enough for a
#: cache of a few dozen pages, small enough to translate in seconds.
ABSTRACTS = "\n\n".join(SAMPLE_TEXT.split("\n\n")[:4]) + "\n"
OUTPUT = Path("output/abstracts.jsonl")


def _permissions_apply() -> bool:
    """Whether this process is refused writing into a read-only folder (root usually is not)."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o555)
        try:
            Path(folder, "probe").touch()
        except PermissionError:
            return True
        finally:
            os.chmod(folder, 0o755)
    return False


#: Root writes into read-only folders; as root (as in CI), these cases run digest in a child process
#: whose bounding set lacks the capabilities that let it (`setpriv`, from util-linux).
_DROP_OVERRIDES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
_PERMISSIONS_APPLY = _permissions_apply()
needs_permissions = pytest.mark.skipif(
    not _PERMISSIONS_APPLY and shutil.which("setpriv") is None,
    reason="this user may write into read-only folders, and setpriv is not installed to drop that right",
)


def digest_run_with_permissions(*args: str, engine: str = "argos") -> tuple[int, str, list[dict]]:
    """`digest_run` (with `engine`), in a child process that read-only permissions apply to even when run by root."""
    command = [sys.executable, "-m", "jobs", "run", "--engine", engine, "--force", *args]
    if not _PERMISSIONS_APPLY:
        command = [*_DROP_OVERRIDES, *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ})
    return result.returncode, result.stderr, read_jsonl(OUTPUT) if OUTPUT.exists() else []


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zh->en package file."""
    folder = tmp_path_factory.mktemp("cache-package")
    return build_argos_package(folder / "translate-zh_en-1_0.argosmodel", training_text=SAMPLE_TEXT)


@pytest.fixture(scope="module")
def engine(package: Path, tmp_path_factory: pytest.TempPathFactory) -> TranslationEngine:
    """The package installed and loaded, for tests of `translate()` itself."""
    models = tmp_path_factory.mktemp("cache-models")
    install_package(package, models)
    return ArgosEngine.load("zh", "en", EngineSettings(models_dir=models))


@pytest.fixture
def sentences() -> list[str]:
    """The sentences of the first two Chinese abstracts, one of them twice."""
    first, second = SAMPLE_TEXT.split("\n\n")[:2]
    found = split_sentences(first, "zh") + split_sentences(second, "zh")
    return found + found[:1]


@pytest.fixture
def project(workdir: Path, package: Path) -> Path:
    """A project folder with the package installed and four abstracts in `input/`."""
    result = run_digest("models", "install", str(package))
    assert result.exit_code == 0, result.stderr
    (workdir / "input" / "abstracts.txt").write_text(ABSTRACTS, encoding="utf-8")
    return workdir


def digest_run(*args: str) -> tuple[int, str, list[dict]]:
    """`digest run --engine argos --force ARGS`: exit code, stderr and the records written."""
    result = run_digest("run", "--engine", "argos", "--force", *args)
    return result.exit_code, result.stderr, read_jsonl(OUTPUT) if OUTPUT.exists() else []


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("digest: warning:")]


def last_run() -> dict:
    return read_jsonl(Path("output/runs.jsonl"))[-1]


def damage_pages(path: Path) -> None:
    """Overwrite the middle third of the file's pages with garbage, as a failing disk or copy would."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    assert pages >= 9, "too small a cache to have a middle"
    garbage = random.Random(9).randbytes(page_size)
    for number in range(pages // 3, 2 * pages // 3):
        data[number * page_size : (number + 1) * page_size] = garbage
    path.write_bytes(bytes(data))


@pytest.mark.slow
def test_damaged_pages_inside_the_cache_are_found_and_the_cache_rebuilt(project: Path, tmp_path: Path) -> None:
    # The damage passes a look at the header and the first pages (the check before this fix) and
    # fails lookups of some keys; `PRAGMA quick_check` at open finds it.
    cache = tmp_path / "cache.sqlite3"
    code, stderr, _ = digest_run("--cache", str(cache))
    assert code == 0 and not warnings_in(stderr), stderr
    code, _, expected = digest_run("--no-cache")
    assert code == 0 and expected
    assert not Path(f"{cache}-wal").exists()  # everything is in the file that gets damaged
    damage_pages(cache)

    code, stderr, records = digest_run("--cache", str(cache))
    assert code == 0, stderr
    assert records == expected
    [warning] = warnings_in(stderr)
    assert str(cache) in warning and "malformed" in warning and "starting a new one" in warning
    assert Path(f"{cache}.broken").exists()
    assert last_run()["cache_hits"] == 0

    # The new cache serves the next run, without a warning.
    code, stderr, records = digest_run("--cache", str(cache))
    assert code == 0 and not warnings_in(stderr) and records == expected, stderr
    assert last_run()["engine_translations"] == 0


#: Which byte of a cached translation to change, and what the cache then finds.
GARBLED_BYTES = {
    "an ASCII letter": (lambda byte: chr(byte).isalpha() and byte < 0x80, "does not match its checksum"),
    # A continuation byte replaced by a letter: the text is no longer UTF-8 at all.
    "a byte inside a multi-byte character": (lambda byte: 0x80 <= byte < 0xC0, "is not valid UTF-8"),
}


def garble_a_translation(path: Path, which: str) -> bytes:
    """Change one byte of one cached translation inside the file, as a flipped bit would; return the text it had.

    The row is the first by key whose text holds such a byte and appears once in the file.
    """
    wanted, _ = GARBLED_BYTES[which]
    with sqlite3.connect(path) as connection:
        connection.text_factory = bytes
        rows = connection.execute("SELECT translation FROM translations ORDER BY key").fetchall()
    connection.close()
    data = path.read_bytes()
    for (text,) in rows:
        positions = [index for index, byte in enumerate(text) if wanted(byte)]
        if positions and data.count(text) == 1:
            break
    else:
        pytest.fail(f"no cached translation has {which} and appears once in the file")
    at = positions[len(positions) // 2]
    changed = text[:at] + (b"Q" if text[at] != ord("Q") else b"X") + text[at + 1 :]
    path.write_bytes(data.replace(text, changed))
    return text


@pytest.mark.parametrize("which", GARBLED_BYTES)
def test_a_garbled_translation_is_never_served(project: Path, tmp_path: Path, which: str) -> None:
    # Damage inside a row's text passes every structural check: only reading the row finds it,
    # whether it is still UTF-8 (its checksum fails) or not (sqlite3 would raise, quoting the text).
    cache = tmp_path / "cache.sqlite3"
    code, stderr, expected = digest_run("--cache", str(cache))
    assert code == 0 and not warnings_in(stderr), stderr
    original = garble_a_translation(cache, which)
    with sqlite3.connect(cache) as connection:
        assert connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    connection.close()

    code, stderr, records = digest_run("--cache", str(cache))
    assert code == 0, stderr
    assert records == expected
    [warning] = warnings_in(stderr)
    assert str(cache) in warning and "is damaged" in warning and GARBLED_BYTES[which][1] in warning
    # One short line that names the row, never its text.
    assert len(warning) < len(str(cache)) * 2 + 300 and "\ufffd" not in warning
    assert original.decode("utf-8")[:8] not in warning
    assert Path(f"{cache}.broken").exists()  # so the next run does not meet it again

    code, stderr, records = digest_run("--cache", str(cache))
    assert code == 0 and not warnings_in(stderr) and records == expected, stderr


def make_foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE translations (id INTEGER PRIMARY KEY, source TEXT, target TEXT, lang TEXT)")
        connection.execute("INSERT INTO translations VALUES (1, '你好', 'hello', 'zh')")
    connection.close()


@pytest.mark.parametrize(
    ("case", "warned"),
    [
        ("directory", "not a regular file"),
        ("foreign database", "another program's SQLite database"),
        # Never followed: a link can lead anywhere (/etc), and whoever made it decides where.
        ("symbolic link", "is a symbolic link"),
        ("dangling symbolic link", "is a symbolic link"),
        ("zero bytes", None),
        pytest.param("read-only folder", "Permission denied", marks=[needs_permissions, pytest.mark.slow]),
        pytest.param("read-only file", "readonly database", marks=[needs_permissions, pytest.mark.slow]),
    ],
)
def test_odd_cache_paths_cost_at_most_one_warning(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, warned: str | None
) -> None:
    # The baseline runs in the same kind of process as the runs under test: jieba's tokenizer is
    # process-wide, and glossary terms of earlier tests in this process change its segmentation.
    run = digest_run_with_permissions if case.startswith("read-only") else digest_run
    code, _, expected = run("--no-cache")
    assert code == 0 and expected
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)  # not the umask's choice: a umask of 002 would make it writable by the group
    cache = folder / "translations.sqlite3"
    target = tmp_path / "elsewhere" / "real.sqlite3"
    target.parent.mkdir()
    option = ["--cache", str(cache)]
    if case == "directory":
        # `--cache DIR` is refused as a usage error; the default path in the cache folder is not checked.
        monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
        option = []
        cache.mkdir()
    elif case == "foreign database":
        make_foreign_database(cache)
    elif case in ("symbolic link", "dangling symbolic link"):
        if case == "symbolic link":
            target.touch()
        cache.symlink_to(target)
    elif case == "zero bytes":
        cache.touch()
    elif case == "read-only folder":
        folder.chmod(0o555)
    elif case == "read-only file":
        cache.touch()
        cache.chmod(0o444)
    before = cache.read_bytes() if cache.is_file() else None
    try:
        code, stderr, records = run(*option)
        second_code, second_stderr, second_records = run(*option)
    finally:
        folder.chmod(0o755)
    assert code == second_code == 0, stderr + second_stderr
    assert records == second_records == expected
    if warned is None:  # a cache that works: the second run is served from it
        assert not warnings_in(stderr + second_stderr), stderr + second_stderr
        assert last_run()["engine_translations"] == 0
    else:
        [warning] = warnings_in(stderr)
        assert str(cache) in warning and warned in warning
        assert len(warnings_in(second_stderr)) == 1
        assert not list(folder.glob("*.broken*"))
    if case == "directory":
        assert list(cache.iterdir()) == [] and not Path(f"{cache}.lock").exists()
    if warned is not None and before is not None:  # a cache refused is left exactly as it was
        assert cache.read_bytes() == before
    if case.endswith("symbolic link"):  # nothing was written through the link, nor beside its target
        assert list(target.parent.iterdir()) == ([target] if target.exists() else [])
        assert not target.exists() or target.stat().st_size == 0
        assert not Path(f"{cache}.lock").exists()


@pytest.mark.parametrize(
    ("case", "warned"),
    [
        ("symbolic link for the -wal file", "-wal is a symbolic link"),
        ("symbolic link for the -journal file", "-journal is a symbolic link"),
        ("another user's file", "belongs to user id 65534"),
        ("another user's -shm file", "-shm belongs to user id 65534"),
        ("another user's lock file", ".lock belongs to user id 65534"),
        ("another user's folder", "belongs to user id 65534"),
        ("file writable by the group", "can be written by other users (mode 664); chmod go-w"),
        ("folder writable by everyone", "can be written by other users (mode 777); chmod go-w"),
    ],
)
def test_a_cache_digest_must_not_trust_is_never_served(tmp_path: Path, case: str, warned: str) -> None:
    # A checksum cannot tell a row that someone else rewrote, checksum and all, from one digest
    # wrote: a cache that others can change is refused, as OpenSSH's StrictModes refuses keys.
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    path = folder / "translations.sqlite3"
    rows = {TranslationCache.key("argos|test 1.0", "核武器"): "see https://example.com"}
    cache = TranslationCache(path, pytest.fail)
    cache.put_many(rows)
    assert cache.get_many(list(rows)) == rows
    cache.close()
    elsewhere = tmp_path / "elsewhere"
    if case.startswith("symbolic link for the"):
        elsewhere.touch()
        Path(f"{path}{case.split()[-2]}").symlink_to(elsewhere)
    elif case.startswith("another user's"):
        owned = {"file": path, "-shm file": Path(f"{path}-shm"), "lock file": Path(f"{path}.lock"), "folder": folder}
        changed = owned[case.split(" ", 2)[2]]
        changed.touch()
        os.chown(changed, 65534, 65534)  # nobody's
    elif case == "file writable by the group":
        path.chmod(0o664)
    else:
        folder.chmod(0o777)
    files = {file: file.read_bytes() for file in folder.iterdir() if file.is_file() and not file.is_symlink()}
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    assert cache.get_many(list(rows)) == {}
    cache.put_many({TranslationCache.key("argos|test 1.0", "一"): "one"})
    cache.close()
    [warning] = warnings
    assert (
        f"translation cache {path} cannot be used" in warning and warned in warning and "going on without it" in warning
    )
    # Left exactly as it was: nothing moved aside, created or written through a link.
    assert {file: file.read_bytes() for file in folder.iterdir() if file.is_file() and not file.is_symlink()} == files
    assert not list(folder.glob("*.broken*"))
    assert not elsewhere.exists() or elsewhere.stat().st_size == 0


@pytest.mark.parametrize(
    ("case", "warned"),
    [
        ("symbolic link", "is a symbolic link, which digest does not follow"),
        ("another user's", f"belongs to user id 65534, not to user id {os.geteuid()} that runs digest; chown"),
        ("writable by the group", "can be written by other users (mode 770); chmod go-w"),
    ],
)
def test_a_cache_folder_digest_must_not_trust_costs_one_warning(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, warned: str
) -> None:
    code, _, expected = digest_run("--no-cache")
    assert code == 0 and expected
    real = tmp_path / "real"  # a folder of the test's own: pointed at /etc, digest wrote its caches there
    real.mkdir(mode=0o700)
    folder = tmp_path / "cache"
    if case == "symbolic link":
        folder.symlink_to(real, target_is_directory=True)
    else:
        folder.mkdir(mode=0o700)
        if case == "another user's":
            os.chown(folder, 65534, 65534)
        else:
            folder.chmod(0o770)
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    code, stderr, records = digest_run()
    assert code == 0 and records == expected, stderr
    [warning] = warnings_in(stderr)
    assert warning.startswith(f"digest: warning: cache folder: {folder} ") and warned in warning, warning
    assert "going on without the caches kept there" in warning.lower()
    assert list(real.iterdir()) == [] and list(folder.iterdir()) == []  # nothing kept there, nor through the link


@needs_permissions
@pytest.mark.slow
@pytest.mark.parametrize("engine", ["gloss", "argos"])
def test_a_read_only_cache_folder_costs_one_warning(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    # Before: argostranslate's import created folders in it and failed every argos batch, jieba
    # printed its own traceback, and the gloss could not keep its dictionary and failed.
    code, stderr, expected = digest_run_with_permissions("--no-cache", engine=engine)
    assert code == 0 and expected and not warnings_in(stderr), stderr
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o500)
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    try:
        code, stderr, records = digest_run_with_permissions(engine=engine)
    finally:
        folder.chmod(0o700)
    assert code == 0, stderr
    assert records == expected
    [warning] = warnings_in(stderr)
    assert warning.startswith(f"digest: warning: cache folder: {folder} cannot be written"), stderr
    assert len(stderr.strip().splitlines()) == 2, stderr  # the warning and the summary: no traceback
    assert list(folder.iterdir()) == []


def test_the_cache_folder_digest_makes_is_its_users_alone(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "home" / ".cache" / "digest"
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(folder))
    for _ in range(2):  # made by the first run, trusted by the second
        code, stderr, records = digest_run()
        assert code == 0 and records and not warnings_in(stderr), stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == {0o600}
    assert last_run()["engine_translations"] == 0


def translate_with(engine: TranslationEngine, cache: TranslationCache, sentences: list[str]) -> list[str]:
    return translate(engine, sentences, cache, TranslationStats())


def test_a_lock_held_past_the_busy_timeout_costs_one_warning(
    engine: TranslationEngine, sentences: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append, timeout=0.2)
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    expected = translate(engine, sentences, None, TranslationStats())
    try:
        assert translate_with(engine, cache, sentences) == expected
        assert translate_with(engine, cache, sentences) == expected
    finally:
        other.rollback()
        other.close()
        cache.close()
    [warning] = warnings
    assert str(path) in warning and "database is locked" in warning


def test_the_cache_folder_deleted_mid_run(engine: TranslationEngine, sentences: list[str], tmp_path: Path) -> None:
    # The same texts in the same calls as without a cache: the engine's output depends on the batch.
    distinct = list(dict.fromkeys(sentences))
    first, second = distinct[:5], distinct[5:]
    first_expected, second_expected = (translate(engine, texts, None, TranslationStats()) for texts in (first, second))
    folder = tmp_path / "cache"
    warnings: list[str] = []
    cache = TranslationCache(folder / "translations.sqlite3", warnings.append)
    assert translate_with(engine, cache, first) == first_expected
    shutil.rmtree(folder)
    assert translate_with(engine, cache, second) == second_expected
    assert translate_with(engine, cache, first) == first_expected
    assert translate_with(engine, cache, second) == second_expected
    cache.close()
    assert len(warnings) <= 1


DISK_FULL = """
import json, resource, signal, sys
from pathlib import Path
from jobs.cache import TranslationCache

path, limit = Path(sys.argv[1]), int(sys.argv[2])
warnings = []
cache = TranslationCache(path, warnings.append)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
stored = []
for round in range(40):
    batch = {TranslationCache.key("argos|test 1.0", f"{round}-{i}"): "x" * 1000 for i in range(50)}
    cache.put_many(batch)
    stored.append(len(cache.get_many(list(batch))))
cache.close()
print(json.dumps({"warnings": warnings, "stored": stored}))
"""


def test_a_full_disk_costs_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    TranslationCache(path, pytest.fail).close()
    completed = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(path), "400000"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    [warning] = result["warnings"]
    assert str(path) in warning and ("database or disk is full" in warning or "disk I/O error" in warning)
    # Stored and read back until the disk filled up; after that, nothing, and nothing raised.
    failed_at = result["stored"].index(0)
    assert 0 < failed_at and set(result["stored"][:failed_at]) == {50} and set(result["stored"][failed_at:]) == {0}


HOLDER = """
import sys, time
from pathlib import Path
from jobs.cache import TranslationCache

cache = TranslationCache(Path(sys.argv[1]), warn=print)
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.01)
cache.close()
"""


def test_a_damaged_cache_another_process_has_open_is_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "translations.sqlite3"
    cache = TranslationCache(path, pytest.fail)
    cache.put_many({TranslationCache.key("argos|test 1.0", str(i)): "text " * 50 for i in range(2000)})
    cache.close()
    opened, done = tmp_path / "opened", tmp_path / "done"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(opened), str(done)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        while not opened.exists():
            assert holder.poll() is None, holder.communicate()
            time.sleep(0.01)
        inode = path.stat().st_ino
        damage_pages(path)  # in place, while the other process has it open
        warnings: list[str] = []
        with Alarm(60, "it should wait for the other process at most its timeout"):
            damaged = TranslationCache(path, warnings.append, timeout=1)
            assert damaged.get_many([TranslationCache.key("argos|test 1.0", "1")]) == {}
            damaged.close()
        [warning] = warnings
        assert "another process has it open" in warning
        assert path.stat().st_ino == inode and not Path(f"{path}.broken").exists()
    finally:
        done.touch()
        stdout, _ = holder.communicate(timeout=60)
    assert holder.returncode == 0 and stdout == ""
    # Once no one has it open, the next process moves it aside and starts a new cache.
    warnings = []
    TranslationCache(path, warnings.append).close()
    [warning] = warnings
    assert "starting a new one" in warning and Path(f"{path}.broken").exists()


@pytest.mark.parametrize("origin", ["an earlier digest", "another program"])
def test_a_cache_without_checksums_is_moved_aside_not_served(
    engine: TranslationEngine, sentences: list[str], tmp_path: Path, origin: str
) -> None:
    # A table of digest's layout before rows had checksums, as an earlier digest or another
    # program wrote it: nothing can tell its rows from rewritten ones, so none is served.
    path = tmp_path / "cache.sqlite3"
    sentences = list(dict.fromkeys(sentences))
    expected = engine.translate_batch(sentences)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE translations (key TEXT PRIMARY KEY, translation TEXT NOT NULL)")
        texts = expected if origin == "an earlier digest" else ["see https://example.com"] * len(sentences)
        connection.executemany(
            "INSERT INTO translations VALUES (?, ?)",
            [(TranslationCache.key(engine.cache_identity, s), t) for s, t in zip(sentences, texts)],
        )
    connection.close()
    kept = path.read_bytes()
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    stats = TranslationStats()
    assert translate(engine, sentences, cache, stats) == expected
    cache.close()
    assert stats.cache_hits == 0 and stats.engine_translations == len(sentences)
    [warning] = warnings
    assert "no checksums" in warning and "moved it to cache.sqlite3.broken, starting a new one" in warning
    assert Path(f"{path}.broken").read_bytes() == kept  # set aside as it was, never changed

    # The new cache serves the next process, without a warning.
    cache = TranslationCache(path, pytest.fail)
    stats = TranslationStats()
    assert translate(engine, sentences, cache, stats) == expected
    cache.close()
    assert stats.cache_hits == len(sentences)


@pytest.mark.parametrize(
    "addition",
    [
        # Run with every write: it deleted every other row, and nothing said so.
        pytest.param(
            "CREATE TRIGGER keep_one AFTER INSERT ON translations BEGIN DELETE FROM translations WHERE key <> NEW.key; END",
            id="a trigger",
        ),
        pytest.param("CREATE VIEW recent AS SELECT key FROM translations", id="a view"),
        pytest.param("CREATE INDEX by_text ON translations (translation)", id="an index"),
        # INSERT OR REPLACE then keeps two rows of one key, and which one is served is chance.
        pytest.param(
            "ALTER TABLE translations RENAME TO old;"
            " CREATE TABLE translations (key TEXT, translation TEXT NOT NULL, checksum INTEGER NOT NULL);"
            " INSERT INTO translations SELECT * FROM old; DROP TABLE old",
            id="keys that need not be unique",
        ),
    ],
)
def test_a_cache_holding_more_than_its_table_is_moved_aside_unchanged(tmp_path: Path, addition: str) -> None:
    path = tmp_path / "translations.sqlite3"
    rows = {
        TranslationCache.key("argos|test 1.0", word): english for word, english in [("核", "nucleus"), ("一", "one")]
    }
    cache = TranslationCache(path, pytest.fail)
    cache.put_many(rows)
    cache.close()
    connection = sqlite3.connect(path)
    connection.executescript(addition)
    connection.close()
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    assert cache.get_many(list(rows)) == {}
    cache.put_many({TranslationCache.key("argos|test 1.0", "二"): "two"})
    cache.close()
    [warning] = warnings
    assert (
        "its schema is not that of a translation cache" in warning
        and "moved it to translations.sqlite3.broken" in warning
    )
    connection = sqlite3.connect(f"{path}.broken")
    assert dict(connection.execute("SELECT key, translation FROM translations")) == rows  # nothing of it ran
    connection.close()
    cache = TranslationCache(path, pytest.fail)  # a new cache, that serves
    assert cache.get_many([TranslationCache.key("argos|test 1.0", "二")]) != {}
    cache.close()


@pytest.mark.parametrize("earlier", ["a dangling symbolic link", "a symbolic link to a file"])
def test_an_earlier_broken_name_that_is_a_link_is_not_replaced(tmp_path: Path, earlier: str) -> None:
    path = tmp_path / "translations.sqlite3"
    aside = Path(f"{path}.broken")
    target = tmp_path / "kept-elsewhere.sqlite3"
    if earlier == "a symbolic link to a file":
        target.write_bytes(b"the user's")
    aside.symlink_to(target)
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # a database whose header survived
    warnings: list[str] = []
    TranslationCache(path, warnings.append).close()
    [warning] = warnings
    assert "moved it to translations.sqlite3.broken-1" in warning
    assert aside.is_symlink() and os.readlink(aside) == str(target)
    assert not target.exists() or target.read_bytes() == b"the user's"


RACER = """
import os, sys
from pathlib import Path
from jobs.cache import TranslationCache

path, name, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
Path(f"{go}.{name}").touch()
while not os.path.exists(go):  # spin: every process opens the cache within microseconds of the others
    pass
warnings = []
cache = TranslationCache(path, warnings.append)
for round in range(5):
    batch = {TranslationCache.key("argos|test 1.0", f"{name}-{round}-{i}"): f"{name} {round} {i}" for i in range(50)}
    cache.put_many(batch)
    assert cache.get_many(list(batch)) == batch, "an entry written was not read back"
cache.close()
assert not warnings, warnings
"""


@pytest.mark.slow
def test_processes_creating_the_cache_at_the_same_moment(tmp_path: Path) -> None:
    # Before the exclusive lock, 3 processes failed this in about 30% of attempts (2 processes: 3%).
    names = ("first", "second", "third")
    for attempt in range(60):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        path, go = folder / "translations.sqlite3", folder / "go"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(path), name, str(go)], cwd=REPO, stderr=subprocess.PIPE, text=True
            )
            for name in names
        ]
        while not all(Path(f"{go}.{name}").exists() for name in names):
            assert all(racer.poll() is None for racer in racers), [racer.communicate() for racer in racers]
            time.sleep(0.005)
        go.touch()
        for racer in racers:
            _, stderr = racer.communicate(timeout=120)
            assert racer.returncode == 0, f"attempt {attempt}: {stderr}"
        cache = TranslationCache(path, pytest.fail)
        keys = [
            TranslationCache.key("argos|test 1.0", f"{n}-{r}-{i}") for n in names for r in range(5) for i in range(50)
        ]
        assert len(cache.get_many(keys)) == len(keys)
        cache.close()
        assert not list(folder.glob("*.broken*"))


@pytest.mark.parametrize("case", ["fifo lock", "not sqlite", "hard link", "earlier broken copy"])
def test_cache_paths_digest_must_not_touch(tmp_path: Path, case: str) -> None:
    path = tmp_path / "translations.sqlite3"
    kept: dict[Path, bytes] = {}
    if case == "fifo lock":
        os.mkfifo(f"{path}.lock")  # opening it for reading would wait for a writer forever
    elif case == "not sqlite":  # `--cache input/seed-cnki-export.txt`, a slip of the finger
        path = tmp_path / "seed-cnki-export.txt"
        path.write_text("以《不扩散核武器条约》为基础的国际防扩散制度已经走过了半个世纪。", encoding="utf-8")
        kept[path] = path.read_bytes()
    elif case == "hard link":
        TranslationCache(path, pytest.fail).close()
        os.link(path, tmp_path / "second-name.sqlite3")
        kept[path] = path.read_bytes()
    else:
        earlier = Path(f"{path}.broken")
        earlier.write_bytes(b"an earlier damaged cache, or a file of the user's")
        kept[earlier] = earlier.read_bytes()
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # a database whose header survived
    warnings: list[str] = []
    with Alarm(30, "the cache must never wait on a FIFO"):
        cache = TranslationCache(path, warnings.append, timeout=1)
        cache.put_many({TranslationCache.key("argos|test 1.0", "一"): "one"})
        cache.close()
    assert len(warnings) == 1, warnings
    assert all(file.read_bytes() == data for file, data in kept.items())
    if case == "earlier broken copy":
        assert "moved it to translations.sqlite3.broken-1" in warnings[0]
    else:
        assert "going on without it" in warnings[0]


OPENER = """
import json, sys
from pathlib import Path
from jobs.cache import TranslationCache

warnings = []
cache = TranslationCache(Path(sys.argv[1]), warnings.append, timeout=1)
served = cache.get_many([TranslationCache.key("argos|test 1.0", "核武器")])
cache.put_many({TranslationCache.key("argos|test 1.0", "一"): "one"})
cache.close()
print(json.dumps({"warnings": warnings, "served": served}))
"""


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("kept", ["with rows", "not made yet"])
def test_a_fifo_where_sqlite_keeps_a_journal_is_refused_not_waited_on(tmp_path: Path, suffix: str, kept: str) -> None:
    # SQLite opens these by name; a rollback journal is looked for on opening even in WAL mode, and
    # opening a FIFO for reading waits for a writer forever (SQLite retries when a signal
    # interrupts it, so in a process of its own): before, a -journal FIFO hung the run.
    path = tmp_path / "translations.sqlite3"
    if kept == "with rows":
        cache = TranslationCache(path, pytest.fail)
        cache.put_many({TranslationCache.key("argos|test 1.0", "核武器"): "nuclear weapons"})
        cache.close()
    fifo = Path(f"{path}{suffix}")
    os.mkfifo(fifo, 0o600)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", OPENER, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the cache waited on a FIFO")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    [warning] = result["warnings"]
    assert f"{fifo} is not a regular file; remove it" in warning and "going on without it" in warning
    assert result["served"] == {}
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # left as it is: it is not digest's to remove


def test_another_package_of_the_same_name_and_version_is_never_served_the_old_ones_translations(
    project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"
    code, stderr, first = digest_run("--cache", str(cache))
    assert code == 0, stderr
    # Rebuilt with other weights, same name and version: a corrected package, or a rebuilt one.
    other = build_argos_package(tmp_path / "translate-zh_en-1_0.argosmodel", training_text=SAMPLE_TEXT, seed=7)
    assert run_digest("models", "install", str(other)).exit_code == 0
    code, stderr, expected = digest_run("--no-cache")
    assert code == 0 and expected != first
    code, stderr, records = digest_run("--cache", str(cache))
    assert code == 0 and records == expected
    assert last_run()["cache_hits"] == 0
