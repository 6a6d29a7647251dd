"""Each topic's files across every batch: `topics/<name>.html`, `.md`, `.atom`, and its citation exports.

A topic's page shows its newest `TOPIC_PAGE_LIMIT` abstracts, newest batch first, each with a link
to its batch's page; its feed the newest `FEED_LIMIT`; its exports (`.ris`, `.bib`, `.csl.json`)
all of them. The page, the Markdown and the feed carry the topic's key (`topic_key`: every batch's
content, the topic's keywords, digest's version) near their start, and the HTML page is written
last: a topic whose files all carry the key as it is now, with its exports there, is left alone,
and nothing is read to find that out but the batch files' hashes.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urljoin

from .. import __version__, messages
from ..errors import OutputError, RenderError
from ..layout import HTML_SUFFIX, INDEX_NAME, MARKDOWN_SUFFIX, TOPICS_FOLDER
from ..messages import Warn
from ..record import Record
from ..topics import Topic, TopicMatcher
from ..writing import atomic_text_file
from .atom import FEED_LIMIT, FeedItem, feed_xml, topic_head
from .batch import Entry, batch_date, batch_files, batch_name, iter_records, make_entry, page_of, page_path
from .citation_exports import EXPORT_FORMATS, export_paths, write_exports
from .html_page import _AUTO, _e, _head, _href, _time, entry_html
from .markdown_page import MARKDOWN_END, _link, entry_markdown, escape
from .sources import carries, is_readers_file

#: Abstracts on a topic's page, the newest (its feed holds `FEED_LIMIT`, its exports all).
TOPIC_PAGE_LIMIT = 200
_KINDS = (".md", ".atom", ".html")  # the HTML page last: a topic is stale while it is


@dataclass(frozen=True)
class Match:
    """A record of a topic, with its batch (for the link to it) and as the batch's page shows it."""

    batch: Path
    date: datetime
    entry: Entry


def topic_key(topic: Topic, folder: str) -> str:
    """What a topic's files are made from: the folder's batches (`sources_fingerprint`), its keywords, digest's version."""
    return hashlib.sha256(f"{__version__}\0{folder}\0{topic.fingerprint}".encode()).hexdigest()[:24]


def is_current(output_dir: Path, topic: Topic, key: str) -> bool:
    """Whether every file of the topic is there and made from the batches and keywords as they are."""
    base = output_dir / TOPICS_FOLDER / topic.name
    return all(carries(base.with_name(base.name + kind), key) for kind in _KINDS) and all(
        path.is_file() for path in export_paths(base)
    )


def render_topics(
    output_dir: Path,
    topics: Sequence[Topic],
    folder: str,
    warn: Warn = messages.warning,
    error: Warn = messages.error,
    failed: dict[Path, str] | None = None,
    base_url: str | None = None,
) -> list[Path]:
    """Write the files of every topic that is not current (`folder`: the folder's `sources_fingerprint`;
    `base_url`: where the pages are published, under which the feeds' links are absolute).

    An unreadable batch is warned about and left out. A topic that fails for a bug is reported
    (with its traceback, to `error`) and put in `failed` under its page's path; the other topics
    are still written. OutputError (the folder cannot be written) is raised.
    """
    remove_old_topics(output_dir, topics)
    if base_url:  # a feed of other links is rebuilt
        folder += "\0" + base_url
    stale = [topic for topic in topics if not is_current(output_dir, topic, topic_key(topic, folder))]
    if not stale:
        return []
    dated = sorted(((path, batch_date(path)) for path in batch_files(output_dir)), key=lambda item: item[0].name)
    dated.sort(key=lambda item: item[1], reverse=True)
    matcher = TopicMatcher(stale)
    shown: dict[str, list[Match]] = {topic.name: [] for topic in stale}
    counts = dict.fromkeys(shown, 0)
    papers: dict[str, set[str]] = {name: set() for name in shown}  # each paper once (`citation.paper_keys`)
    for path, date, record, entry in _records(dated, warn):
        for name in matcher.matches(record):
            if not is_new_paper(papers[name], entry.paper_keys):
                continue
            counts[name] += 1
            if len(shown[name]) < FEED_LIMIT:
                shown[name].append(Match(path, date, entry))
    written: list[Path] = []
    for topic in stale:
        try:
            key = topic_key(topic, folder)
            matches = shown[topic.name]
            written += _write_topic(output_dir, topic, key, matches, counts[topic.name], dated, base_url)
        except OutputError:
            raise
        except Exception as failure:  # a bug: show it, keep the other topics going
            page = output_dir / TOPICS_FOLDER / f"{topic.name}.html"
            if failed is not None:
                failed[page] = f"internal error: {failure!r}"
            error(f"topic {topic.name}: internal error, its files not written:\n{traceback.format_exc()}")
    return written


def remove_old_topics(output_dir: Path, topics: Sequence[Topic]) -> list[Path]:
    """Remove the files in `topics/` of every topic not in `topics` (one taken out of the config file):
    only those digest wrote, told by their `digest-sources` line (`is_readers_file`), never another file."""
    names = {topic.name for topic in topics}
    suffixes = sorted({*_KINDS, *(export.suffix for export in EXPORT_FORMATS)}, key=len, reverse=True)
    try:
        paths = sorted((output_dir / TOPICS_FOLDER).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as failure:
        raise OutputError.from_os_error(output_dir / TOPICS_FOLDER, failure) from None
    removed = []
    for path in paths:
        suffix = next((suffix for suffix in suffixes if path.name.endswith(suffix)), None)
        if suffix is None or path.name.removesuffix(suffix) in names or path.is_symlink():
            continue
        if not path.is_file() or not is_readers_file(path):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as failure:
            raise OutputError.from_os_error(path, failure) from None
        removed.append(path)
    return removed


def _records(dated: list[tuple[Path, datetime]], warn: Warn) -> Iterator[tuple[Path, datetime, Record, Entry]]:
    """Every record of every batch, newest batch first, as the batch's page shows it (an unreadable batch warned about)."""
    for path, date in dated:
        anchors: set[str] = set()
        try:
            for number, record in enumerate(iter_records(path), start=1):
                yield path, date, record, make_entry(record, number, anchors)
        except RenderError as error:
            warn(f"{error}; left out of the topics")


def _write_topic(
    output_dir: Path,
    topic: Topic,
    key: str,
    matches: list[Match],
    total: int,
    dated: list[tuple[Path, datetime]],
    base_url: str | None = None,
) -> list[Path]:
    base = output_dir / TOPICS_FOLDER / topic.name
    matcher = TopicMatcher([topic])

    def records() -> Iterator[Record]:
        papers: set[str] = set()
        for _path, _date, record, entry in _records(dated, _already_warned):
            if matcher.matches(record) and is_new_paper(papers, entry.paper_keys):
                yield record

    written = write_exports(base, records, key)
    updated = matches[0].date if matches else datetime.now(timezone.utc).replace(microsecond=0)
    items = [
        FeedItem(
            batch_name(match.batch),
            match.date,
            "../" + page_path(match.batch, HTML_SUFFIX, page_of(match.entry.number)).name,
            match.entry,
            next(iter(match.entry.paper_keys), None),  # the id its paper has in every feed
        )
        for match in matches
    ]
    texts = {
        ".md": topic_markdown(topic, key, matches[:TOPIC_PAGE_LIMIT], total),
        ".atom": feed_xml(
            items,
            updated,
            key,
            urljoin(base_url, f"{TOPICS_FOLDER}/") if base_url else None,
            topic_head(topic.name, topic.keywords),
        ),
        ".html": topic_html(topic, key, matches[:TOPIC_PAGE_LIMIT], total),
    }
    for kind in _KINDS:
        path = base.with_name(base.name + kind)
        with atomic_text_file(path) as handle:
            handle.write(texts[kind])
        written.append(path)
    return written


def is_new_paper(seen: set[str], keys: tuple[str, ...]) -> bool:
    """Whether a record's paper (its `keys`: DOI, else title, journal and year) is not among those
    `seen` yet, which then holds it: a paper in several batches is one entry of a topic, its newest."""
    new = not any(key in seen for key in keys)
    seen.update(keys)
    return new


def _already_warned(message: str) -> None:
    """The exports read the batches again: what cannot be read was warned about on the first pass."""


def _numbered(matches: list[Match]) -> Iterator[tuple[Match, Entry]]:
    """Each match with its entry numbered on the topic's page, its anchor unique there, no badges."""
    used: set[str] = set()
    for number, match in enumerate(matches, start=1):
        anchor, suffix = match.entry.anchor, 1
        while anchor in used:
            suffix += 1
            anchor = f"{match.entry.anchor}-{suffix}"
        used.add(anchor)
        yield match, replace(match.entry, number=number, anchor=anchor, topics=())


def _shown(count: int, total: int) -> str:
    plural = "" if total == 1 else "s"
    return f"{total} abstract{plural}" + (f", the newest {count} shown" if count < total else "")


def topic_html(topic: Topic, key: str, matches: list[Match], total: int) -> str:
    """The topic's page: its keywords, then its newest abstracts, each as the batch pages show it."""
    name = topic.name
    out = [_head(f"Topic {name}: {_shown(len(matches), total)}", f"digest-sources: {key} ", quote(f"{name}.atom"))]
    links = " · ".join(
        f'<a href="{_href(f"{name}{suffix}")}">{label}</a>'
        for suffix, label in ((".md", "Markdown"), (".atom", "Atom feed"), (".ris", "RIS"), (".bib", "BibTeX"))
    )
    links += f' · <a href="{_href(f"{name}.csl.json")}">CSL-JSON</a>'
    out.append(f'<body>\n<header>\n<p class="crumbs"><a href="../{INDEX_NAME}">All batches</a> · {links}</p>\n')
    out.append(f'<h1{_AUTO}>Topic: {_e(name)}</h1>\n<dl class="facts">\n')
    out.append(f"<dt>Keywords</dt><dd{_AUTO}>{_e(', '.join(topic.keywords))}</dd>\n")
    out.append(f"<dt>Abstracts</dt><dd>{_e(_shown(len(matches), total))}, newest batch first</dd>\n</dl>\n")
    out.append("</header>\n<main>\n")
    if not matches:
        out.append("<p>No abstract mentions this topic yet.</p>\n")
    for match, entry in _numbered(matches):
        page = page_path(match.batch, HTML_SUFFIX, page_of(match.entry.number)).name
        out.append(
            f'<p class="eyebrow">From <a href="{_href("../" + page, match.entry.anchor)}"{_AUTO}>'
            f"{_e(batch_name(match.batch))}</a>, {_time(match.date)}</p>\n"
        )
        out.append(entry_html(entry, len(matches), []))
    out.append(
        "</main>\n<footer>Made by digest from the batch files of this output folder; "
        "rebuilt by <code>digest run</code> when they or the topic change.</footer>\n</body>\n</html>\n"
    )
    return "".join(out)


def topic_markdown(topic: Topic, key: str, matches: list[Match], total: int) -> str:
    """The topic's page in Markdown."""
    name = topic.name
    out = [f"<!-- digest-sources: {key} -->\n\n# Topic: {escape(name)}\n\n"]
    out.append(f"- **Keywords:** {escape(', '.join(topic.keywords))}\n")
    out.append(f"- **Abstracts:** {escape(_shown(len(matches), total))}, newest batch first\n\n")
    out.append(
        " · ".join(
            [_link("All batches", f"../{INDEX_NAME}"), _link("HTML version", f"{name}.html")]
            + [_link(label, f"{name}{suffix}") for suffix, label in ((".atom", "Atom feed"), (".ris", "RIS"))]
            + [_link(label, f"{name}{suffix}") for suffix, label in ((".bib", "BibTeX"), (".csl.json", "CSL-JSON"))]
        )
        + "\n"
    )
    if not matches:
        out.append("\nNo abstract mentions this topic yet.\n")
    for match, entry in _numbered(matches):
        page = page_path(match.batch, MARKDOWN_SUFFIX, page_of(match.entry.number)).name
        out.append(entry_markdown(entry, len(matches), []))
        out.append(f"\nFrom {_link(batch_name(match.batch), '../' + page)}, {match.date:%Y-%m-%d %H:%M} UTC\n")
    out.append(MARKDOWN_END)
    return "".join(out)
