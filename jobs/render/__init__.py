"""The readers' digest: Markdown and HTML pages per batch, an index of batches and an Atom feed.

Everything is rebuilt from the batch JSONL files alone, which stay the single source of truth:

- `output/<batch>.digest.md` and `output/<batch>.digest.html` beside `output/<batch>.jsonl`;
- `output/index.html`: every batch with its date, counts and links, newest first;
- `output/feed.xml`: an Atom feed of the most recent abstracts (at most 500), newest batch first.

A batch's date is its JSONL file's modification time, in UTC. Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__, messages
from ..errors import ConfigError, OutputError
from ..layout import ERRORS_SUFFIX as _ERRORS_NAME_SUFFIX
from ..layout import FEED_NAME, INDEX_NAME, RUNS_LOG_NAME
from ..writing import atomic_text_file, open_regular
from .atom import FeedItem, feed_xml
from .batch import (
    Batch,
    RenderError,
    batch_date,
    batch_files,
    batch_name,
    errors_path,
    iter_entries,
    iter_records,
    read_batch,
)
from .formats import PAGE_FORMATS
from .html_page import index_page

__all__ = [
    "FEED_LIMIT",
    "RenderError",
    "RenderResult",
    "batch_files",
    "render_all",
    "render_batch",
    "render_feed",
    "render_index",
]

#: The feed holds the most recent abstracts, at most this many.
FEED_LIMIT = 500

Warn = Callable[[str], None]


@dataclass
class RenderResult:
    """What `render_all` wrote, and the batches it could not render (JSONL path to reason)."""

    written: list[Path] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)


def render_batch(jsonl_path: Path) -> list[Path]:
    """Write the batch's page in every format (`<batch>.digest.md`, `.digest.html`) beside its JSONL; their paths.

    Raises RenderError when the JSONL cannot be read back.
    """
    batch = read_batch(jsonl_path)
    written = []
    for page_format in PAGE_FORMATS.values():
        path = page_format.path(jsonl_path)
        with atomic_text_file(path) as handle:
            handle.write(page_format.render(batch))
        written.append(path)
    return written


def render_index(output_dir: Path, warn: Warn = messages.warning) -> Path:
    """Write `index.html`: every batch in `output_dir`, newest first; unreadable ones are warned about."""
    batches: list[Batch] = []
    for path in batch_files(output_dir):
        try:
            batches.append(read_batch(path, entries=False))
        except RenderError as error:
            warn(f"{error}; left out of the index")
    batches.sort(key=lambda batch: batch.name)
    batches.sort(key=lambda batch: batch.date, reverse=True)
    index_path = output_dir / INDEX_NAME
    with atomic_text_file(index_path) as handle:
        handle.write(index_page(batches, sources_fingerprint(output_dir)))
    return index_path


def render_feed(output_dir: Path, limit: int = FEED_LIMIT, warn: Warn = messages.warning) -> Path:
    """Write `feed.xml`: the newest `limit` abstracts, newest batch first, each batch in input order."""
    dated = [(path, batch_date(path)) for path in batch_files(output_dir)]  # by name
    dated.sort(key=lambda item: item[1], reverse=True)
    updated = dated[0][1] if dated else datetime.now(timezone.utc).replace(microsecond=0)
    feed_path = output_dir / FEED_NAME
    with atomic_text_file(feed_path) as handle:
        handle.write(feed_xml(_feed_items(dated, limit, warn), updated, _feed_fingerprint(output_dir, limit)))
    return feed_path


def sources_fingerprint(output_dir: Path) -> str:
    """A hash of the name, size and time of every batch file and errors file, and of digest's version.

    The index and the feed carry it, so that a run with nothing new can leave them as they are.
    """
    digest = hashlib.sha256(__version__.encode())
    for path in batch_files(output_dir):
        errors = errors_path(path)
        for source in (path, errors) if errors.exists() else (path,):
            status = source.stat()
            digest.update(f"{source.name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()[:20]


def _feed_fingerprint(output_dir: Path, limit: int) -> str:
    return f"{sources_fingerprint(output_dir)}-{limit}"


def _carries(path: Path, fingerprint: str) -> bool:
    """Whether the file was written from sources with this fingerprint (it is near its start)."""
    try:
        with open_regular(path) as handle:
            return f"digest-sources: {fingerprint} ".encode() in handle.read(4096)
    except OSError:
        return False


def _feed_items(dated: list[tuple[Path, datetime]], limit: int, warn: Warn) -> Iterator[FeedItem]:
    left = limit
    for path, date in dated:
        if left <= 0:
            return
        page_name = PAGE_FORMATS["html"].path(path).name  # the feed links to the HTML page
        items: list[FeedItem] = []
        try:
            for entry in iter_entries(path):
                if len(items) == left:
                    break
                items.append(FeedItem(batch_name(path), date, page_name, entry))
        except RenderError as error:
            warn(f"{error}; left out of the feed")
            continue
        left -= len(items)
        yield from items


def stale_batches(output_dir: Path) -> list[Path]:
    """The batch JSONL files whose Markdown or HTML digest is missing or older than the JSONL."""
    stale = []
    for path in batch_files(output_dir):
        written = path.stat().st_mtime_ns
        pages = [(page_format.path(path), page_format.end) for page_format in PAGE_FORMATS.values()]
        if any(not _is_complete(page, end) or page.stat().st_mtime_ns < written for page, end in pages):
            stale.append(path)
    return stale


def _is_complete(page: Path, end: str) -> bool:
    try:
        with open_regular(page) as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - len(end.encode())))
            return handle.read() == end.encode()
    except OSError:
        return False


def check_batch_files(paths: Iterable[Path]) -> None:
    """Refuse (ConfigError) any file that is not a batch JSONL written by digest, reading only."""
    for path in paths:
        if path.name.endswith(_ERRORS_NAME_SUFFIX) or path.name == RUNS_LOG_NAME or path.suffix != ".jsonl":
            raise ConfigError(f"{path} is not a batch file (output/<batch>.jsonl); nothing was rendered")
        try:
            for _ in iter_records(path):
                pass
        except RenderError as error:
            raise ConfigError(f"{error}; nothing was rendered") from None


def render_all(
    output_dir: Path,
    jsonl_paths: Iterable[Path] | None = None,
    warn: Warn = messages.warning,
    error: Warn = messages.error,
) -> RenderResult:
    """Render the given batches (default: those whose digests are stale), then the index and feed.

    With no `jsonl_paths` and nothing stale, the index and feed are left alone when they were
    written from the same batch files (same names, sizes and times) by this version of digest.

    A batch that cannot be rendered is reported as an error and recorded in the result; the others,
    the index and the feed are still written.
    """
    result = RenderResult()
    targets = stale_batches(output_dir) if jsonl_paths is None else list(jsonl_paths)
    if (
        jsonl_paths is None
        and not targets
        and _carries(output_dir / INDEX_NAME, sources_fingerprint(output_dir))
        and _carries(output_dir / FEED_NAME, _feed_fingerprint(output_dir, FEED_LIMIT))
    ):
        return result  # nothing new since the index and the feed were written
    for path in targets:
        try:
            result.written += render_batch(path)
        except RenderError as failure:
            result.failed[path] = str(failure)
            error(str(failure))
        except OutputError:
            raise  # the folder cannot be written (disk full, read-only): nothing more can be
        except Exception as failure:  # a bug: show it, keep the other batches going
            result.failed[path] = f"internal error: {failure!r}"
            error(f"{path}: internal error, digest not written:\n{traceback.format_exc()}")
    result.written.append(render_index(output_dir, warn))
    result.written.append(render_feed(output_dir, warn=warn))
    return result
