"""The Atom feed (RFC 4287) of an output folder: one entry per abstract, newest batch first.

Ids: the feed and every entry get a `urn:uuid:` id (a name-based UUID, version 5), whether or not
the pages have a URL: the feed's from a fixed name, an entry's from its paper's DOI, else its title,
journal and year (`citation.paper_keys`), else its batch name and record anchor. Rerunning or
rerendering a batch, or exporting the same paper again in another batch, gives the same id, so
feed readers never show an abstract twice; a paper in several batches is one entry, at its first.
Links are relative to the feed's own location (`feed.xml` beside `<batch>.digest.html`), which is
where feed readers resolve them; with the pages' base URL (`--base-url`) they are absolute, and
so is the feed's `rel="self"` link, as feed readers and validators expect.
"""

from __future__ import annotations

import hashlib
import html
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urljoin

from .. import __version__
from ..errors import RenderError
from ..layout import FEED_NAME, HTML_SUFFIX, INDEX_NAME
from ..writing import atomic_text_file
from .batch import (
    Entry,
    batch_date,
    batch_files,
    batch_name,
    iso_date,
    iter_entries,
    page_of,
    page_path,
)
from .citation import CITATION_AUTHORS
from .html_page import summary_html
from .papers import Folder

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:digest")
FEED_ID = f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'feed')}"

#: The feed holds the most recent abstracts, at most this many.
FEED_LIMIT = 500


@dataclass(frozen=True)
class FeedItem:
    """One abstract for the feed, with what it needs to know of its batch."""

    batch_name: str
    batch_date: datetime
    page_name: str  # the batch's HTML digest, beside the feed
    entry: Entry
    #: What names its paper wherever it is (`Papers.paper_key`), or None.
    paper: str | None = None


def write_feed(folder: Folder, limit: int = FEED_LIMIT) -> Path:
    """Write `feed.xml`: the newest `limit` papers, newest batch first, each batch in input order, each paper once."""
    dated = [(path, batch_date(path)) for path in batch_files(folder.path)]  # by name
    dated.sort(key=lambda item: item[1], reverse=True)
    updated = dated[0][1] if dated else datetime.now(timezone.utc).replace(microsecond=0)
    feed_path = folder.path / FEED_NAME
    with atomic_text_file(feed_path) as handle:
        items = _feed_items(dated, limit, folder)
        handle.write(feed_xml(items, updated, feed_fingerprint(folder, limit), folder.base_url))
    return feed_path


def feed_fingerprint(folder: Folder, limit: int = FEED_LIMIT) -> str:
    """The folder's fingerprint, the feed's size and its base URL: a feed of another size or URL is rebuilt."""
    fingerprint = f"{folder.fingerprint}-{limit}"
    if folder.base_url:
        fingerprint += "-" + hashlib.sha256(folder.base_url.encode()).hexdigest()[:12]
    return fingerprint


def _feed_items(dated: list[tuple[Path, datetime]], limit: int, folder: Folder) -> Iterator[FeedItem]:
    left = limit
    for path, date in dated:
        if left <= 0:
            return
        items: list[FeedItem] = []
        name = batch_name(path)
        try:
            for entry in iter_entries(path):
                if len(items) == left:
                    break
                if not folder.papers.is_shown(name, entry.anchor):
                    continue  # a paper an earlier batch has too: its entry is that one
                page_name = page_path(path, HTML_SUFFIX, page_of(entry.number)).name  # the HTML page showing it
                paper = folder.papers.paper_key(name, entry.anchor) or next(iter(entry.paper_keys), None)
                items.append(FeedItem(name, date, page_name, entry, paper))
        except RenderError as error:
            folder.warn(f"{error}; left out of the feed")
            continue
        left -= len(items)
        yield from items


def entry_id(batch_name: str, anchor: str, paper: str | None = None) -> str:
    """The stable id of a record's feed entry: its paper's (`paper`: its DOI, else its title, journal
    and year) wherever it is, else its batch's and record's."""
    name = f"paper:{paper}" if paper else f"entry:{batch_name}#{anchor}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"


@dataclass(frozen=True)
class FeedHead:
    """What a feed says about itself: the folder's feed, or a topic's (`topic_head`)."""

    id: str = FEED_ID
    title: str = "digest: Chinese academic abstracts in English"
    subtitle: str = "Each new batch of abstracts, with English titles, summaries and keywords."
    self_href: str = FEED_NAME
    alternate: str = INDEX_NAME


def topic_head(name: str, keywords: Iterable[str]) -> FeedHead:
    """The head of topic `name`'s feed, beside its page in the topics folder."""
    return FeedHead(
        f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'topic:{name}')}",
        f"digest topic: {name}",
        "Abstracts that mention: " + ", ".join(keywords),
        quote(f"{name}.atom"),
        quote(f"{name}.html"),
    )


def feed_xml(
    items: Iterable[FeedItem],
    updated: datetime,
    fingerprint: str = "",
    base_url: str | None = None,
    head: FeedHead | None = None,
) -> str:
    """The feed document for `items` (already in order and capped), last updated at `updated`; its
    links absolute under `base_url` where the pages' URL is known; `head`: the folder's feed's by default."""
    head = head or FeedHead()
    # The namespace is written as a plain attribute so that elements need no prefix and the
    # module-wide ElementTree namespace registry is left alone.
    feed = ET.Element("feed", {"xmlns": ATOM_NAMESPACE, "xml:lang": "en"})
    _text(feed, "id", head.id)
    _text(feed, "title", head.title)
    _text(feed, "subtitle", head.subtitle)
    _text(feed, "updated", iso_date(updated))
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": _url(head.self_href, base_url)})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": _url(head.alternate, base_url)})
    author = ET.SubElement(feed, "author")
    _text(author, "name", "digest")
    _text(feed, "generator", "digest").set("version", __version__)
    for item in items:
        feed.append(_entry(item, base_url))
    ET.indent(feed)
    comment = f"<!-- digest-sources: {fingerprint} -->\n" if fingerprint else ""
    return '<?xml version="1.0" encoding="utf-8"?>\n' + comment + ET.tostring(feed, encoding="unicode") + "\n"


def _url(href: str, base_url: str | None) -> str:
    """A link relative to the feed, or absolute under the pages' base URL."""
    return urljoin(base_url, href) if base_url else href


def _entry(item: FeedItem, base_url: str | None) -> ET.Element:
    entry = item.entry
    element = ET.Element("entry")
    _text(element, "id", entry_id(item.batch_name, entry.anchor, item.paper))
    # A heading that is no title says so, as on the pages.
    _text(element, "title", f"{entry.title_label} {entry.title}" if entry.title_label else entry.title)
    date = iso_date(item.batch_date)
    _text(element, "published", date)
    _text(element, "updated", date)
    # In pinyin, the Chinese beside ("Zhang Huijia (张会佳)"): the first, as the citation line in
    # its content names them before "et al." (a collaboration's thousands made megabytes an entry).
    for name in entry.cited.authors[:CITATION_AUTHORS]:
        _text(ET.SubElement(element, "author"), "name", name.text)
    href = quote(item.page_name, errors="surrogateescape") + "#" + quote(entry.anchor)
    ET.SubElement(element, "link", {"rel": "alternate", "type": "text/html", "href": _url(href, base_url)})
    if entry.link is not None:  # the original publication: only ever an http(s) URL
        ET.SubElement(element, "link", {"rel": "related", "type": "text/html", "href": entry.link.href})
    for keyword in entry.keywords:
        ET.SubElement(element, "category", {"term": keyword})
    content = summary_html(entry)
    if entry.flags:
        content = f"<p><strong>Flags:</strong> {html.escape('; '.join(entry.flag_words))}</p>\n" + content
    content += f"<p>{html.escape(entry.language)} original, from batch {html.escape(item.batch_name)}.</p>\n"
    _text(element, "content", content).set("type", "html")
    return element


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child
