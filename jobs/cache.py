"""The translation cache: SQLite, keyed by engine identity and source sentence.

A rerun with `--force`, or a sentence seen before, costs no model call. SQLite in WAL mode with a
busy timeout makes it safe for two processes at once; a cache file that is not a usable database
is rebuilt with a warning, never fatal.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .engines.base import TranslationEngine
from .settings import cache_dir

CACHE_FILE_NAME = "translations.sqlite3"
_SCHEMA = "CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, translation TEXT NOT NULL)"


def default_cache_path() -> Path:
    """The cache in the user's cache folder."""
    return cache_dir() / CACHE_FILE_NAME


class TranslationCache:
    """Translations already made, looked up by (engine identity, sentence)."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection = self._open()
        except sqlite3.DatabaseError as error:
            warn(f"translation cache {path} is unusable ({error}); starting a new one")
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            self._connection = self._open()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            connection.execute("SELECT count(*) FROM translations WHERE key = ''").fetchone()
            connection.commit()
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    @staticmethod
    def key(identity: str, sentence: str) -> str:
        return hashlib.sha256(f"{identity}\x00{sentence}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The cached translations among `keys`."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):  # SQLite limits the number of parameters
            chunk = keys[start : start + 500]
            placeholders = ",".join("?" * len(chunk))
            rows = self._connection.execute(
                f"SELECT key, translation FROM translations WHERE key IN ({placeholders})", chunk
            )
            found.update(rows)
        return found

    def put_many(self, items: dict[str, str]) -> None:
        """Store translations (one transaction)."""
        with self._connection:
            self._connection.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?)", items.items())

    def close(self) -> None:
        self._connection.close()


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
