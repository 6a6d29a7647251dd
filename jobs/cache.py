"""The translation cache: SQLite, keyed by engine identity and source sentence.

A rerun with `--force`, or a sentence seen before, costs no model call. The cache may only save
time, never cost a run or a translation: any SQLite error, at any point, gives one warning and
the run goes on without the cache, and a row that fails its checksum is never served.

Processes share the cache through `<cache>.lock` beside it: each holds a shared flock on it while
it has the database open, and creating or rebuilding the file takes the exclusive
lock, which is only granted while no other process has the database open. So a database is never
set up by two processes at once, nor moved from under a process using it. A damaged file, or one
of an earlier digest whose rows had no checksums, is moved aside to `<cache>.broken` and a new one
started.

A checksum finds accidents, not someone who rewrites a row and its checksum: a cache whose folder
or files are symbolic links, belong to another user or can be written by others is refused
(`settings.distrust`), and the run goes on without it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import sqlite3
import stat
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .engines.base import DocumentTranslation, TranslationEngine
from .messages import Warn
from .settings import cache_dir, distrust, distrust_all, distrust_parents, make_private_folder
from .writing import regular_file_descriptor

CACHE_FILE_NAME = "translations.sqlite3"
#: A file with this suffix that is not a usable database is a damaged cache, rebuilt with a warning.
CACHE_SUFFIX = ".sqlite3"
#: `PRAGMA application_id` of a digest translation cache ("dgst"): another program's database is left alone.
APPLICATION_ID = 0x64677374
#: `PRAGMA user_version` of the current layout.
SCHEMA_VERSION = 1
_SCHEMA = "CREATE TABLE translations (key TEXT PRIMARY KEY, translation TEXT NOT NULL, checksum INTEGER NOT NULL)"
#: What a cache's `sqlite_master` holds: the table and the index of its key, nothing else.
_OBJECTS = [("index", "sqlite_autoindex_translations_1", None), ("table", "translations", _SCHEMA)]
#: The layout before checksums (no application_id): its rows cannot be checked, so such a cache is moved aside.
_LEGACY_COLUMNS = ["key", "translation"]
#: SQLite's files beside a database, which it opens by name (a rollback journal is looked for even in WAL mode).
_JOURNALS = ("-wal", "-shm", "-journal")
#: The files of one cache: the database, SQLite's journal files and the lock.
_COMPANIONS = ("", *_JOURNALS, ".lock")
#: How long to keep asking for the exclusive lock to repair a cache that another process has open.
_REPAIR_WAIT_S = 5.0


def default_cache_path() -> Path:
    """The cache in the user's cache folder."""
    return cache_dir() / CACHE_FILE_NAME


class _Unusable(Exception):
    """The cache cannot be used in this run; the message says why."""


@dataclass
class _Problem:
    """What must change before the file can be used: `empty`, `journal` or `damaged`."""

    kind: str
    reason: str


class TranslationCache:
    """Translations already made, looked up by (engine identity, sentence).

    Never raises: when the database fails, it warns once and acts as an empty cache that keeps
    nothing for the rest of the run.
    """

    def __init__(self, path: Path, warn: Warn, timeout: float = 60.0) -> None:
        self.path = path
        #: Seconds to wait for another process's write transaction (SQLite's busy timeout) or setup.
        self.timeout = timeout
        self._warn = warn
        self._warned = False
        self._connection: sqlite3.Connection | None = None
        self._lock: int | None = None
        self._file = Path(os.path.abspath(path))
        self._lock_path = self._file.with_name(self._file.name + ".lock")
        try:
            _check_trust(self._file)
            make_private_folder(self._file.parent)
            _check_trust(self._file)  # again: someone else may have made the folder since, for mkdir to find it
            _check_file(self._file)
            # Created if missing, for this user alone; a FIFO or device there is refused rather than waited on.
            self._lock = regular_file_descriptor(self._lock_path, os.O_CREAT | os.O_NOFOLLOW, 0o600)
            _create_private(self._file)  # SQLite gives its -wal and -shm files the database's mode
            self._connection = self._open(self._lock)
        except (sqlite3.Error, OSError, _Unusable) as error:
            self._release()
            self._warn_once(f"translation cache {path} cannot be used ({_describe(error)}); going on without it")

    @staticmethod
    def key(identity: str, sentence: str) -> str:
        return hashlib.sha256(f"{identity}\x00{sentence}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The cached translations among `keys`; none once the cache has failed."""
        if self._connection is None:
            return {}
        found: dict[str, str] = {}
        try:
            for start in range(0, len(keys), 500):  # SQLite limits the number of parameters
                chunk = keys[start : start + 500]
                placeholders = ",".join("?" * len(chunk))
                # As bytes: sqlite3 would raise on text that is not UTF-8, with the text in its message.
                rows = self._connection.execute(
                    "SELECT CAST(key AS BLOB), CAST(translation AS BLOB), typeof(translation), checksum"
                    f" FROM translations WHERE key IN ({placeholders})",
                    chunk,
                )
                for raw_key, raw_translation, kind, checksum in rows:
                    # A damaged page can hold a well-formed row with the wrong text: never serve it.
                    row = _decode_row(raw_key, raw_translation, kind, checksum)
                    if isinstance(row, str):
                        self._fail(row, damaged=True)
                        return {}
                    found[row[0]] = row[1]
        except sqlite3.Error as error:
            self._fail(_describe(error), damaged=_is_damage(error))
            return {}
        return found

    def put_many(self, items: dict[str, str]) -> None:
        """Store translations (one transaction); nothing once the cache has failed."""
        if self._connection is None:
            return
        try:
            with self._connection:
                self._connection.executemany(
                    "INSERT OR REPLACE INTO translations (key, translation, checksum) VALUES (?, ?, ?)",
                    [(key, text, _checksum(key, text)) for key, text in items.items()],
                )
        except sqlite3.Error as error:
            self._fail(_describe(error), damaged=_is_damage(error))

    def close(self) -> None:
        """Close the database and give up the lock."""
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                connection.close()
        except sqlite3.Error as error:
            self._warn_once(f"translation cache {self.path} failed on closing ({_describe(error)})")
        finally:
            self._release()

    def _open(self, lock: int) -> sqlite3.Connection:
        """A connection under the shared lock, after creating or rebuilding the file if it needs it."""
        deadline = time.monotonic() + self.timeout
        repair_deadline = time.monotonic() + min(self.timeout, _REPAIR_WAIT_S)
        repaired = False
        while True:
            if not _flock(lock, fcntl.LOCK_SH, deadline):
                raise _Unusable(f"{self._lock_path} stayed locked by another process for {self.timeout:g} s")
            connection, problem = self._inspect()
            if problem is None:
                return connection
            connection.close()
            fcntl.flock(lock, fcntl.LOCK_UN)
            if repaired:  # e.g. a file system on which SQLite cannot use WAL mode
                raise _Unusable(f"{problem.reason}, even after repairing it")
            # The file may only be changed or moved while no other process has it open.
            if _flock(lock, fcntl.LOCK_EX, 0):
                try:
                    repaired = self._repair()
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
            elif time.monotonic() > repair_deadline:
                raise _Unusable(f"{problem.reason}, and another process has it open")
            else:
                time.sleep(random.uniform(0.01, 0.05))  # at random: two waiting processes must not keep colliding

    def _inspect(self) -> tuple[sqlite3.Connection, _Problem | None]:
        """A connection to the file and what keeps it from being used as it is (None: nothing)."""
        # `timeout` sets SQLite's busy timeout before any statement runs.
        connection = sqlite3.connect(self._file, timeout=self.timeout)
        try:
            return connection, _diagnose(connection)
        except sqlite3.Error as error:
            if _is_damage(error):
                return connection, _Problem("damaged", _describe(error))
            connection.close()
            raise
        except BaseException:
            connection.close()
            raise

    def _repair(self) -> bool:
        """Under the exclusive lock: create or rebuild the file so that it can be used; False if it needed nothing."""
        connection, problem = self._inspect()  # again: another process may have done it meanwhile
        try:
            if problem is None:
                return False
            if problem.kind == "damaged":
                connection.close()
                aside = self._move_aside()
                self._warn_once(
                    f"translation cache {self.path} is unusable ({problem.reason}); "
                    f"moved it to {aside.name}, starting a new one"
                )
                _create_private(self._file)
                connection = sqlite3.connect(self._file, timeout=self.timeout)
            # Setting WAL mode needs the file to itself, which the exclusive lock gives.
            connection.execute("PRAGMA journal_mode=WAL")
            stamp = f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            if problem.kind in ("empty", "damaged"):
                connection.executescript(f"BEGIN; {_SCHEMA}; {stamp} COMMIT;")
        finally:
            connection.close()
        return True

    def _move_aside(self) -> Path:
        """Rename the damaged file, with SQLite's files beside it, to `<name>.broken`; return that path."""
        aside = self._file.with_name(self._file.name + ".broken")
        number = 1
        # lexists: a link there, even one that leads nowhere, is someone's too.
        while any(os.path.lexists(f"{aside}{suffix}") for suffix in ("", *_JOURNALS)):
            aside = self._file.with_name(f"{self._file.name}.broken-{number}")  # never delete an earlier one
            number += 1
        # The database last: if a rename fails, it stays where it is, still found damaged next time,
        # and no new database is started beside its old -wal file (SQLite would replay it into the new one).
        for suffix in (*_JOURNALS, ""):
            target = Path(f"{aside}{suffix}")
            try:
                os.replace(f"{self._file}{suffix}", target)
            except FileNotFoundError:
                pass
        return aside

    def _fail(self, problem: str, damaged: bool) -> None:
        """Stop using the cache for the rest of the run, with one warning; move a damaged file aside if no one else has it open."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except sqlite3.Error:
                pass  # the first error is the one worth reporting
        message = f"translation cache {self.path} failed ({problem}); going on without it"
        if damaged:
            message = f"translation cache {self.path} is damaged ({problem}); "
            try:
                if self._lock is None or not _flock(self._lock, fcntl.LOCK_EX, 0):
                    raise _Unusable("another process has it open")
                aside = self._move_aside()
                message += f"moved it to {aside.name}, the next run starts a new one; going on without it"
            except (OSError, _Unusable) as error:
                message += f"left in place ({_describe(error)}); going on without it"
        self._release()
        self._warn_once(message)

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            os.close(lock)  # releases the flock

    def _warn_once(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            self._warn(message)


def _diagnose(connection: sqlite3.Connection) -> _Problem | None:
    """What the file needs before it can be used (None: nothing); raise _Unusable for a file that is not ours."""
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    objects = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    tables = [name for kind, name, _ in objects if kind == "table"]
    columns = [row[1] for row in connection.execute("PRAGMA table_info(translations)")]
    if application_id == 0:
        if not objects:
            return _Problem("empty", "a new file")
        if tables == ["translations"] and columns == _LEGACY_COLUMNS:
            # An earlier digest's cache, or another program's database laid out alike: either way
            # its rows cannot be checked, and it is never changed; moved aside, it stays readable.
            return _Problem("damaged", "its rows have no checksums (a cache of an earlier digest, or not digest's)")
        raise _Unusable("it is another program's SQLite database; it was left as it is")
    elif application_id != APPLICATION_ID:
        raise _Unusable("it is another program's SQLite database; it was left as it is")
    elif version > SCHEMA_VERSION:
        raise _Unusable(f"it was made by a newer digest (layout {version}); it was left as it is")
    elif version != SCHEMA_VERSION or sorted(objects) != _OBJECTS:
        # Nothing else either: a trigger in the file would run with every write (rewriting or deleting rows).
        return _Problem("damaged", "its schema is not that of a translation cache")
    # Reads every page once (about 0.1 s for 500,000 translations): a damaged page is found now,
    # not halfway through a run.
    check = [row[0] for row in connection.execute("PRAGMA quick_check")]
    if check != ["ok"]:
        return _Problem("damaged", " ".join("; ".join(check[:3]).split()))  # its lines, on one line
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return _Problem("journal", "not in WAL mode")
    return None


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_trust(path: Path) -> None:
    """Refuse (_Unusable) a cache whose folder or files are links, another user's, or writable by others,
    or whose folder others could replace."""
    candidates = (path.parent, *(Path(f"{path}{suffix}") for suffix in _COMPANIONS))
    distrusted = distrust_all([*map(distrust, candidates), *distrust_parents(path.parent)])
    if distrusted is not None:
        raise _Unusable(str(distrusted))


def _create_private(path: Path) -> None:
    """Create the database file if missing, readable by this user alone (SQLite would make it 0644)."""
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        pass


def _decode_row(key: bytes, translation: bytes | None, kind: str, checksum: object) -> tuple[str, str] | str:
    """A row's key and translation, or what is wrong with it (never quoting its text, which may be anything)."""
    text_key = key.decode("ascii", "replace")
    named = f"the row of key {text_key}" if text_key.isalnum() and len(text_key) <= 64 else "a row with a damaged key"
    if kind != "text" or translation is None:
        return f"{named} holds no text"
    try:
        text = translation.decode("utf-8")
    except UnicodeDecodeError:
        return f"{named} is not valid UTF-8"
    if checksum != _checksum(text_key, text):
        return f"{named} does not match its checksum"
    return text_key, text


def _check_file(path: Path) -> None:
    """Refuse (_Unusable) a cache path that digest must not open, change or move aside."""
    for suffix in _JOURNALS:
        # SQLite would open a FIFO there and wait for a writer forever (a -journal, looked for on opening).
        journal = Path(f"{path}{suffix}")
        try:
            if not stat.S_ISREG(os.lstat(journal).st_mode):
                raise _Unusable(f"{journal} is not a regular file; remove it")
        except FileNotFoundError:
            pass
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(status.st_mode):
        raise _Unusable("it is not a regular file")
    if status.st_nlink > 1:
        # SQLite keeps its -wal file beside each name: two names of one file would corrupt it.
        raise _Unusable("it has other hard links; give the cache a file of its own")
    if status.st_size and path.suffix != CACHE_SUFFIX:
        # A cache's name says what it is; any other file that is not SQLite is someone's data
        # (`--cache notes.txt`, or an input given by mistake): never move it aside or replace it.
        with open(path, "rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise _Unusable(
                f"it is not an SQLite database and its name does not end in {CACHE_SUFFIX}; it was left as it is"
            )


def _flock(descriptor: int, operation: int, deadline: float) -> bool:
    """Take the flock, trying until the `time.monotonic()` deadline; False if it was not granted."""
    while True:
        try:
            fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(random.uniform(0.005, 0.02))


def _checksum(key: str, translation: str) -> int:
    return zlib.crc32(f"{key}\x00{translation}".encode("utf-8", "surrogatepass"))


def _is_damage(error: sqlite3.Error) -> bool:
    """Whether the file itself is bad (not a database, or malformed) rather than busy, full or read-only."""
    # SQLITE_CORRUPT and SQLITE_NOTADB raise the base class; busy, locked, full, read-only, I/O and
    # open errors raise OperationalError, which does not mean that the file is bad.
    return type(error) is sqlite3.DatabaseError


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error)


@dataclass
class TranslationStats:
    """How the sentences of a run were translated."""

    cache_hits: int = 0
    engine_translations: int = 0  # distinct texts the engines themselves translated


def translate(
    engine: TranslationEngine, sentences: Sequence[str], cache: TranslationCache | None, stats: TranslationStats
) -> list[str]:
    """Translate `sentences` with `engine`, each distinct sentence once, using the cache if any."""
    distinct = list(dict.fromkeys(sentences))
    known: dict[str, str] = {}
    keys: dict[str, str] = {}
    store = cache if engine.cacheable else None
    if store is not None:
        identity = engine.cache_identity
        keys = {sentence: TranslationCache.key(identity, sentence) for sentence in distinct}
        cached = store.get_many(list(keys.values()))
        known = {sentence: cached[key] for sentence, key in keys.items() if key in cached}
        stats.cache_hits += sum(1 for sentence in sentences if sentence in known)
    missing = [sentence for sentence in distinct if sentence not in known]
    if missing:
        fresh = dict(zip(missing, engine.translate_batch(missing)))
        stats.engine_translations += len(missing)
        if store is not None:
            store.put_many({keys[sentence]: text for sentence, text in fresh.items()})
        known.update(fresh)
    return [known[sentence] for sentence in sentences]


def translate_documents(
    engine: TranslationEngine,
    documents: Sequence[Sequence[str]],
    cache: TranslationCache | None,
    stats: TranslationStats,
) -> list[DocumentTranslation]:
    """Translate documents with `engine`, using the cache if any; one `DocumentTranslation` per document.

    A sentence engine's sentences are translated and cached one by one, as `translate` does (the
    documents only say where each sentence belongs). A `document_level` engine's translation of a
    sentence depends on the document around it, so a document is cached whole, under a key of
    every sentence of it in order (`engine.document_key`), with whether it was repaired: a
    sentence seen before in another abstract is translated again in this one's context, and a
    run gives the same output whether the cache is warm or cold.
    """
    if not engine.document_level:
        translations = iter(
            translate(engine, [sentence for document in documents for sentence in document], cache, stats)
        )
        return [DocumentTranslation([next(translations) for _ in document]) for document in documents]
    identity = engine.cache_identity
    keys = [TranslationCache.key(identity, "document\x00" + engine.document_key(document)) for document in documents]
    distinct = dict(zip(keys, documents))
    store = cache if engine.cacheable else None
    known = {} if store is None else _cached_documents(store, distinct)
    stats.cache_hits += sum(len(document) for key, document in zip(keys, documents) if key in known)
    missing = [key for key in distinct if key not in known]
    if missing:
        fresh = dict(zip(missing, engine.translate_documents([distinct[key] for key in missing])))
        stats.engine_translations += sum(len(distinct[key]) for key in missing)
        if store is not None:
            store.put_many({key: _document_json(done) for key, done in fresh.items()})
        known.update(fresh)
    return [known[key] for key in keys]


def _cached_documents(store: TranslationCache, documents: dict[str, Sequence[str]]) -> dict[str, DocumentTranslation]:
    """The documents the cache holds, by key; a row that does not fit its document is not served (it is translated again)."""
    found: dict[str, DocumentTranslation] = {}
    for key, text in store.get_many(list(documents)).items():
        try:
            row = json.loads(text)
            sentences, repaired = row["sentences"], row["repaired"]
        except (ValueError, TypeError, KeyError):
            continue
        if (
            isinstance(sentences, list)
            and len(sentences) == len(documents[key])
            and all(isinstance(sentence, str) for sentence in sentences)
            and isinstance(repaired, bool)
        ):
            found[key] = DocumentTranslation(sentences, repaired)
    return found


def _document_json(done: DocumentTranslation) -> str:
    return json.dumps({"sentences": done.sentences, "repaired": done.repaired}, ensure_ascii=False)
