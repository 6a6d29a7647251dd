"""Where the per-chunk work runs: in this process (`local`), or in Ray workers (`ray`).

An executor maps chunks of source records to their output records, in input order, so that the
run around it (lock, atomic writes, manifest, report, pages) is the same whichever runs them.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

from .cache import TranslationStats
from .chunk import Translators, process_chunk
from .errors import ConfigError
from .messages import Warn, take_deferred_warnings
from .options import RunOptions
from .reading import RecordError, SourceRecord
from .record import Record

#: One chunk: its source records, and the id each record gets (by its number in the batch).
Chunk = tuple[list[SourceRecord], dict[int, str]]


@dataclass
class ChunkResult:
    """A chunk's records (or record errors) in input order, the warnings given on them, and the translation counts."""

    results: list[Record | RecordError]
    warnings: list[str] = field(default_factory=list)
    stats: TranslationStats = field(default_factory=TranslationStats)


class Executor(ABC):
    """Runs `process_chunk` over a batch's chunks and gives the results back in input order."""

    name: str

    @abstractmethod
    def map_chunks(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        """Each chunk's result, in the order of `chunks`; raises BatchError when the batch cannot be done."""

    def close(self) -> None:  # noqa: B027 (most executors hold nothing)
        """Let go of what the executor holds (workers, a cluster it started)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class LocalExecutor(Executor):
    """The chunks one after another in this process, with the run's own engines and cache."""

    name = "local"

    def __init__(self, options: RunOptions, translators: Translators, warn: Warn) -> None:
        self.options = options
        self.translators = translators

    def map_chunks(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        for chunk in chunks:
            yield run_chunk(chunk, self.options, self.translators)


def run_chunk(chunk: Chunk, options: RunOptions, translators: Translators) -> ChunkResult:
    """`process_chunk` on one chunk, with the warnings it gave and the translations it counted."""
    records, record_ids = chunk
    warnings: list[str] = []
    before = dataclasses.replace(translators.stats)
    results = process_chunk(records, record_ids, options, translators, warnings.append)
    warnings += take_deferred_warnings()  # e.g. about a cache the engines prepared on this chunk
    after = translators.stats
    stats = TranslationStats(
        after.cache_hits - before.cache_hits, after.engine_translations - before.engine_translations
    )
    return ChunkResult(results, warnings, stats)


EXECUTORS = ("local", "ray")


def make_executor(options: RunOptions, translators: Translators, warn: Warn) -> Executor:
    """The executor `options.executor` names, ready to map chunks (a Ray one has its workers started)."""
    if options.executor == "local":
        return LocalExecutor(options, translators, warn)
    if options.executor == "ray":
        try:
            from .ray_executor import RayExecutor
        except ImportError as missing:
            raise ConfigError(
                f"--executor ray needs Ray ({missing}); install it with: pip install 'zh-abstract-digest[ray]'"
            ) from None
        return RayExecutor(options, translators, warn)
    raise ConfigError(f"unknown executor {options.executor!r}; choose one of: {', '.join(EXECUTORS)}")
