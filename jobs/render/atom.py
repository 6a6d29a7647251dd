"""The Atom feed (RFC 4287) of an output folder: one entry per abstract, newest batch first.

Ids: with no web server there is no URL to build ids from, so the feed and every entry get a
`urn:uuid:` id (a name-based UUID, version 5): the feed's from a fixed name, an entry's from its
batch name and record anchor. Rerunning or rerendering a batch gives the same ids, so feed readers
never show an abstract twice. Links are relative to the feed's own location (`feed.xml` beside
`<batch>.digest.html`), which is where feed readers resolve them.
"""

from __future__ import annotations

import html
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from .. import __version__, messages
from ..errors import RenderError
from ..layout import FEED_NAME, HTML_SUFFIX, INDEX_NAME
from ..messages import Warn
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
from .html_page import summary_html
from .sources import sources_fingerprint

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


def write_feed(output_dir: Path, warn: Warn = messages.warning, limit: int = FEED_LIMIT) -> Path:
    """Write `feed.xml`: the newest `limit` abstracts, newest batch first, each batch in input order."""
    sources = sources_fingerprint(output_dir)  # before the batches are read: a change meanwhile is redone
    dated = [(path, batch_date(path)) for path in batch_files(output_dir)]  # by name
    dated.sort(key=lambda item: item[1], reverse=True)
    updated = dated[0][1] if dated else datetime.now(timezone.utc).replace(microsecond=0)
    feed_path = output_dir / FEED_NAME
    with atomic_text_file(feed_path) as handle:
        handle.write(feed_xml(_feed_items(dated, limit, warn), updated, feed_fingerprint(sources, limit)))
    return feed_path


def feed_fingerprint(sources: str, limit: int = FEED_LIMIT) -> str:
    """The folder's sources fingerprint and the feed's size: a feed of another size is rebuilt."""
    return f"{sources}-{limit}"


def _feed_items(dated: list[tuple[Path, datetime]], limit: int, warn: Warn) -> Iterator[FeedItem]:
    left = limit
    for path, date in dated:
        if left <= 0:
            return
        items: list[FeedItem] = []
        try:
            for entry in iter_entries(path):
                if len(items) == left:
                    break
                page_name = page_path(path, HTML_SUFFIX, page_of(entry.number)).name  # the HTML page showing it
                items.append(FeedItem(batch_name(path), date, page_name, entry))
        except RenderError as error:
            warn(f"{error}; left out of the feed")
            continue
        left -= len(items)
        yield from items


def entry_id(batch_name: str, anchor: str) -> str:
    """The stable id of a record's feed entry: the same batch and record always give the same id."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'entry:{batch_name}#{anchor}')}"


def feed_xml(items: Iterable[FeedItem], updated: datetime, fingerprint: str = "") -> str:
    """The feed document for `items` (already in order and capped), last updated at `updated`."""
    # The namespace is written as a plain attribute so that elements need no prefix and the
    # module-wide ElementTree namespace registry is left alone.
    feed = ET.Element("feed", {"xmlns": ATOM_NAMESPACE, "xml:lang": "en"})
    _text(feed, "id", FEED_ID)
    _text(feed, "title", "digest: Chinese academic abstracts in English")
    _text(feed, "subtitle", "Each new batch of abstracts, with English titles, summaries and keywords.")
    _text(feed, "updated", iso_date(updated))
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": FEED_NAME})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": INDEX_NAME})
    author = ET.SubElement(feed, "author")
    _text(author, "name", "digest")
    _text(feed, "generator", "digest").set("version", __version__)
    for item in items:
        feed.append(_entry(item))
    ET.indent(feed)
    comment = f"<!-- digest-sources: {fingerprint} -->\n" if fingerprint else ""
    return '<?xml version="1.0" encoding="utf-8"?>\n' + comment + ET.tostring(feed, encoding="unicode") + "\n"


def _entry(item: FeedItem) -> ET.Element:
    entry = item.entry
    element = ET.Element("entry")
    _text(element, "id", entry_id(item.batch_name, entry.anchor))
    _text(element, "title", entry.title)
    date = iso_date(item.batch_date)
    _text(element, "published", date)
    _text(element, "updated", date)
    href = quote(item.page_name, errors="surrogateescape") + "#" + quote(entry.anchor)
    ET.SubElement(element, "link", {"rel": "alternate", "type": "text/html", "href": href})
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
