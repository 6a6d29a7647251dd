"""The run report: what happened to each batch, the exit code, and the summary line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import EXIT_FAILURES, EXIT_MAIL, EXIT_OK, EXIT_OUTPUT
from .layout import RUNS_LOG_NAME
from .record import Record
from .writing import append_jsonl

#: The summary line names the pages of up to this many batches; more are counted.
PAGES_NAMED = 3


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


@dataclass
class RunReport:
    """Counts for one run; it decides the exit code (0 all done, 1 something failed)."""

    started: str = field(default_factory=_now)
    finished: str | None = None
    batches_done: list[str] = field(default_factory=list)
    batches_skipped: list[str] = field(default_factory=list)
    batches_failed: dict[str, str] = field(default_factory=dict)
    records: int = 0
    records_by_language: dict[str, int] = field(default_factory=lambda: {"zh": 0, "en": 0})
    record_errors: int = 0
    sentences_translated: int = 0
    cache_hits: int = 0  # texts (sentences, titles, keywords) served by the translation cache
    engine_translations: int = 0  # distinct texts the engines themselves translated
    engines: set[str] = field(default_factory=set)
    pages_failed: dict[str, str] = field(default_factory=dict)  # batch JSONL to why its pages were not written
    #: The first output that could not be written (disk full, read-only folder); the run stopped there.
    output_error: str | None = None
    #: The index page, once the run has written it or found it up to date (None: the run stopped before).
    index_page: Path | None = None
    #: The first HTML page of each batch whose pages the run wrote.
    pages_written: list[Path] = field(default_factory=list)
    #: Messages the mail server took in this run; why the rest could not be sent (they are sent by the next run).
    messages_sent: int = 0
    mail_error: str | None = None
    _clock: float = field(default_factory=time.monotonic, repr=False)
    seconds: float = 0.0

    def finish(self) -> None:
        """Stamp the end time and duration."""
        self.finished = _now()
        self.seconds = round(time.monotonic() - self._clock, 3)

    def add_record(self, record: Record) -> None:
        """Count one record that was written."""
        self.records += 1
        self.records_by_language[record.source_lang] = self.records_by_language.get(record.source_lang, 0) + 1
        if record.translated:
            self.sentences_translated += len(record.sentences)
            self.engines.add(str(record.engine.translation))

    def add_records(self, batch: RunReport) -> None:
        """Count a batch's records once its output is complete (never records that were not written)."""
        self.records += batch.records
        for lang, count in batch.records_by_language.items():
            self.records_by_language[lang] = self.records_by_language.get(lang, 0) + count
        self.record_errors += batch.record_errors
        self.sentences_translated += batch.sentences_translated
        self.engines |= batch.engines

    @property
    def exit_code(self) -> int:
        if self.output_error:
            return EXIT_OUTPUT
        if self.batches_failed or self.record_errors or self.pages_failed:
            return EXIT_FAILURES
        return EXIT_MAIL if self.mail_error else EXIT_OK

    def summary_line(self) -> str:
        """One line for stderr with the run's figures."""
        by_language = ", ".join(f"{count} {lang}" for lang, count in self.records_by_language.items() if count)
        engines = ", ".join(sorted(self.engines)) or "none"
        return (
            f"digest: {_count(len(self.batches_done), 'batch', 'batches')} done, "
            f"{len(self.batches_skipped)} skipped (unchanged), {len(self.batches_failed)} failed"
            f"{f', {len(self.pages_failed)} without pages' if self.pages_failed else ''}"
            f"{'; stopped: output could not be written' if self.output_error else ''}; "
            f"{_count(self.records, 'record')}{f' ({by_language})' if by_language else ''}, "
            f"{_count(self.record_errors, 'record error')}; "
            f"{_count(self.sentences_translated, 'sentence')} translated (engine: {engines}; "
            f"{self.cache_hits} from cache); {self.seconds:.1f}s{self._mailed()}{self._where()}"
        )

    def _mailed(self) -> str:
        if self.mail_error:
            return f"; mail not sent ({_count(self.messages_sent, 'message')} sent), sent by the next run"
        return f"; mailed {_count(self.messages_sent, 'message')}" if self.messages_sent else ""

    def _where(self) -> str:
        """Where to read the results: the batch pages the run wrote (a count when many), and the index."""
        if self.index_page is None:
            return ""
        if len(self.pages_written) > PAGES_NAMED:
            pages = f"; pages written for {len(self.pages_written)} batches"
        elif self.pages_written:
            pages = f"; pages written: {', '.join(str(path) for path in self.pages_written)}"
        else:
            pages = ""
        return f"{pages}; index: {self.index_page}"

    def as_json(self) -> dict[str, Any]:
        """The figures as one JSON object, as appended to `output/runs.jsonl`."""
        return {
            "started": self.started,
            "finished": self.finished,
            "batches": {
                "done": len(self.batches_done),
                "skipped": len(self.batches_skipped),
                "failed": len(self.batches_failed),
            },
            "failed": self.batches_failed,
            "pages_failed": self.pages_failed,
            "output_error": self.output_error,
            "messages_sent": self.messages_sent,
            "mail_error": self.mail_error,
            "records": self.records,
            "records_by_language": self.records_by_language,
            "record_errors": self.record_errors,
            "sentences_translated": self.sentences_translated,
            "cache_hits": self.cache_hits,
            "engine_translations": self.engine_translations,
            "engine": sorted(self.engines),
            "seconds": self.seconds,
            "exit_code": self.exit_code,
        }

    def append_to_log(self, output_dir: Path) -> None:
        """Append the figures to `output/runs.jsonl`."""
        append_jsonl(output_dir / RUNS_LOG_NAME, self.as_json())
