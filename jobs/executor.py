"""Where the per-chunk work runs: the interface, and `local` (this process); `ray_executor` has the `ray` one.

An executor maps chunks of source records to their output records, in input order, so that the
run around it (lock, atomic writes, manifest, report, pages) is the same whichever runs them.
The run takes the one its options name (`pipeline.make_executor`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

from .cache import TranslationStats
from .chunk import process_chunk
from .context import RunContext
from .messages import take_deferred_warnings
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

    def __init__(self, context: RunContext) -> None:
        self.context = context

    def map_chunks(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        for chunk in chunks:
            yield run_chunk(chunk, self.context)


def run_chunk(chunk: Chunk, context: RunContext) -> ChunkResult:
    """`process_chunk` on one chunk, with the warnings it gave and the translations it counted."""
    records, record_ids = chunk
    warnings: list[str] = []
    before = dataclasses.replace(context.translators.stats)
    results = process_chunk(records, record_ids, dataclasses.replace(context, warn=warnings.append))
    warnings += take_deferred_warnings()  # e.g. about a cache the engines prepared on this chunk
    after = context.translators.stats
    stats = TranslationStats(
        after.cache_hits - before.cache_hits, after.engine_translations - before.engine_translations
    )
    return ChunkResult(results, warnings, stats)
