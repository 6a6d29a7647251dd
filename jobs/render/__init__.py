"""The readers' digest: Markdown and HTML pages per batch, an index of batches and an Atom feed.

Everything is rebuilt from the batch JSONL files alone, which stay the single source of truth:

- `output/<batch>.digest.md` and `output/<batch>.digest.html` beside `output/<batch>.jsonl`;
- `output/index.html`: every batch with its date, counts and links, newest first;
- `output/feed.xml`: an Atom feed of the most recent abstracts (at most 500), newest batch first;
- `output/<batch>.ris`, `.bib`, `.csl.json`: the batch's citations (`citations`);
- `output/topics/<name>.html`, `.md`, `.atom` and the topic's citations, for each topic (`topic_pages`).

A batch's date is its JSONL file's modification time, in UTC. Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

from .. import messages
from ..errors import ConfigError, OutputError
from ..layout import BATCH_SUFFIX, RUNS_LOG_NAME
from ..layout import ERRORS_SUFFIX as _ERRORS_NAME_SUFFIX
from ..limits import name_max
from ..messages import Warn
from ..topics import Topic, TopicMatcher, topics_fingerprint
from ..writing import atomic_text_file
from .atom import FEED_LIMIT, write_feed
from .batch import (
    PAGE_SIZE,
    Batch,
    Page,
    RenderError,
    batch_files,
    batch_name,
    iter_entries,
    iter_records,
    later_pages,
    read_batch,
)
from .citation_exports import export_paths, write_exports
from .formats import FOLDER_FILES, PAGE_FORMATS, batch_name_limit, longest_name
from .index_page import write_index
from .papers import NO_LINKS, Folder, Papers
from .sources import carries, pages_carry, sources_fingerprint, sources_key, sources_key_or_none
from .topic_pages import render_topics

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


@dataclass
class RenderResult:
    """What `render_all` wrote, and the batches it could not render (JSONL path to reason)."""

    written: list[Path] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)


def render_batch(
    jsonl_path: Path, sources: str | None = None, papers: Papers | None = None, topics: Sequence[Topic] = ()
) -> list[Path]:
    """Write the batch's citations and pages in every format (`<batch>.digest.md`, `.digest.html`, then `-2`, `-3`...) beside its JSONL.

    Reads the JSONL twice (its figures, which every page shows, then its entries page by page),
    holding one page at a time (the pages are listed first, the first page first). Every page carries the batch's `sources_key` (`sources`, where
    the caller has it already) and how many pages it has (`Batch.sources`), taken before the
    JSONL is read: a batch that changes meanwhile leaves pages with the old key, redone next
    time. Each record shows a badge for each of `topics` it is in (their fingerprint is in the
    key). The citations (`<batch>.ris`, `.bib`, `.csl.json`) come first, the first page last: a batch is stale while any of its pages is
    (`stale_batches`), so an interrupted render is redone.
    Each record whose paper is in other batches too (`papers`, else those of the batch's folder)
    says where; the pages carry a hash of those links beside the key (`Papers.links_key`).
    Pages left from a longer version of the batch are removed. Returns the paths written;
    raises RenderError when the JSONL cannot be read back, or its name is too long for its pages.
    """
    if sources is None:
        try:
            sources = with_topics(sources_key(jsonl_path), topics_fingerprint(topics))
        except OSError as error:
            raise RenderError(f"{jsonl_path}: cannot be read: {error.strerror}") from None
    if papers is None:
        papers = Papers.of_folder(jsonl_path.parent)
    name = batch_name(jsonl_path)
    batch = read_batch(jsonl_path, f"{sources}-{papers.links_key(name)}")
    _check_page_names(jsonl_path, batch.pages)
    exports = write_exports(_base(jsonl_path), partial(iter_records, jsonl_path), sources)
    entries = iter_entries(jsonl_path, TopicMatcher(topics))

    def page(number: int) -> Page:
        shown = list(islice(entries, PAGE_SIZE))
        elsewhere = {entry.anchor: places for entry in shown if (places := papers.elsewhere(name, entry.anchor))}
        return Page(number, batch.pages, shown, elsewhere)

    first = page(1)
    written = []
    for number in range(2, batch.pages + 1):
        written += _write_page(batch, page(number))
    written = _write_page(batch, first) + written
    for page_format in PAGE_FORMATS.values():
        for number, path in later_pages(jsonl_path, page_format.suffix).items():
            if number > batch.pages:
                try:
                    path.unlink(missing_ok=True)
                except OSError as failure:
                    raise OutputError.from_os_error(path, failure) from None
    return written + exports


def _check_page_names(jsonl_path: Path, pages: int) -> None:
    """Raise RenderError when a page of the batch could not be named in its folder.

    Runs refuse such names as inputs, but a batch file left by a digest that did not (it wrote the
    records, then failed on the pages), or copied in, would stop every run at its first page.
    """
    folder = jsonl_path.parent
    if longest_name(jsonl_path.name.removesuffix(BATCH_SUFFIX), pages) > name_max(folder):
        raise RenderError(
            f"{jsonl_path}: the batch name is too long for the names of its pages (the file system allows "
            f"{name_max(folder)} bytes); remove its files from the output folder, and rename its input to at "
            f"most {batch_name_limit(folder)} bytes before the suffix to process it"
        )


def _write_page(batch: Batch, page: Page) -> list[Path]:
    written = []
    for page_format in PAGE_FORMATS.values():
        path = page_format.path(batch.path, page.number)
        with atomic_text_file(path) as handle:
            handle.write(page_format.render(batch, page))
        written.append(path)
    return written


def with_topics(key: str, badges: str) -> str:
    """A batch's `sources_key` made its pages': with `badges`, the fingerprint of the topics they show (none: the key as it is)."""
    if not badges:
        return key
    return hashlib.sha256(f"{key}\0topics {badges}".encode()).hexdigest()[:32]


def _base(jsonl_path: Path) -> Path:
    """Where a batch's citation exports go, less their suffixes: `output/<batch>`."""
    return jsonl_path.with_name(jsonl_path.name.removesuffix(BATCH_SUFFIX))


def stale_batches(
    output_dir: Path, keys: dict[Path, str | None] | None = None, links: dict[Path, str] | None = None
) -> list[Path]:
    """The batch JSONL files with a page in some format that is missing, cut short or made from other sources, or a citation export missing.

    `keys`: each batch's `sources_key` where known already (None: the batch cannot be read, and
    is stale, so that its render says why); `links`: each batch's `Papers.links_key` (None: the
    links its pages carry are not checked).
    """
    if keys is None:
        keys = {path: sources_key_or_none(path) for path in batch_files(output_dir)}
    return [
        path
        for path, key in keys.items()
        if key is None
        or not all(
            pages_carry(
                key,
                partial(page_format.path, path),
                page_format.end,
                None if links is None else links.get(path, NO_LINKS),
            )
            for page_format in PAGE_FORMATS.values()
        )
        or not all(export.is_file() for export in export_paths(_base(path)))
    ]


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
    base_url: str | None = None,
    topics: Sequence[Topic] | None = None,
) -> RenderResult:
    """Render the given batches (default: those whose digests are stale), then the index and feed, then the topics' files.

    `topics`: the config's, each with its files in `topics/` (those of a topic no longer there
    removed), a badge on the pages of a record it matches and a link on the index; None where they
    are not known (the topics' files are left as they are, the pages show no badges).

    With no `jsonl_paths` and nothing stale, the index and feed are left alone when they were
    written from the same batches (the same names, contents and dates) by this version of digest,
    for the same `base_url` (where the pages are published, for the feed's links).
    Each batch file is hashed once here (`sources_key`); nothing is rendered to find that out.
    Otherwise every batch is read for its papers (`Papers`), and a batch whose pages link to
    other batches' copies of its papers otherwise than they now would is rendered too.

    A batch that cannot be rendered is reported as an error and recorded in the result; the others,
    the index and the feed are still written.
    """
    result = RenderResult()
    keys = {path: sources_key_or_none(path) for path in batch_files(output_dir)}
    names = tuple(topic.name for topic in topics or ())
    folder = Folder(output_dir, warn, sources_fingerprint(output_dir, keys), Papers(), base_url, names)
    badges = topics_fingerprint(topics or ())
    keys = {path: None if key is None else with_topics(key, badges) for path, key in keys.items()}
    if jsonl_paths is None and not stale_batches(output_dir, keys):
        if all(carries(output_dir / file.file_name, file.fingerprint(folder)) for file in FOLDER_FILES.values()):
            result.written += _topics(output_dir, topics, folder, error, result.failed)
            return result  # nothing new since the index and the feed were written
    # Batches that cannot be read are left out here; their render, the index and the feed say why.
    folder.papers = Papers.of_folder(output_dir, paths=[path for path, key in keys.items() if key is not None])
    links = {path: folder.papers.links_key(batch_name(path)) for path in keys}
    targets = stale_batches(output_dir, keys, links) if jsonl_paths is None else list(jsonl_paths)
    for path in targets:
        try:
            result.written += render_batch(path, keys.get(path), folder.papers, topics or ())
        except RenderError as failure:
            result.failed[path] = str(failure)
            error(str(failure))
        except OutputError:
            raise  # the folder cannot be written (disk full, read-only): nothing more can be
        except Exception as failure:  # a bug: show it, keep the other batches going
            result.failed[path] = f"internal error: {failure!r}"
            error(f"{path}: internal error, digest not written:\n{traceback.format_exc()}")
    for folder_file in FOLDER_FILES.values():
        if jsonl_paths is None and carries(output_dir / folder_file.file_name, folder_file.fingerprint(folder)):
            continue  # only pages were stale (their topics changed, one was removed): the batches are as they were
        result.written.append(folder_file.write(folder))
    # The topics are made from the batches' JSONL as it was, whichever pages were rendered.
    result.written += _topics(output_dir, topics, folder, error, result.failed)
    return result


def _topics(
    output_dir: Path, topics: Sequence[Topic] | None, folder: Folder, error: Warn, failed: dict[Path, str]
) -> list[Path]:
    """The topics' files written where stale (`render_topics`), none where the topics are not known."""
    if topics is None:
        return []
    return render_topics(output_dir, topics, folder.fingerprint, folder.warn, error, failed, folder.base_url)


def render_index(output_dir: Path, warn: Warn = messages.warning) -> Path:
    """Write `index.html`: the newest papers across batches and every batch, newest first; unreadable ones are warned about."""
    return write_index(Folder.read(output_dir, warn))


def render_feed(
    output_dir: Path, limit: int = FEED_LIMIT, warn: Warn = messages.warning, base_url: str | None = None
) -> Path:
    """Write `feed.xml`: the newest `limit` papers, newest batch first, each batch in input order, each paper once."""
    return write_feed(Folder.read(output_dir, warn, base_url), limit)
