"""The index, `output/index.html`: the entry point to every batch's pages.

It lists the newest papers across batches (at most `INDEX_PAPERS`), newest batch first and each
batch in input order, each paper once (at its first batch, `papers.Papers`), with its title in
English and as written, its authors in pinyin, journal, year and keywords, and a link to it on
its batch's page; a search form finds among them. Below, every batch with its date and counts.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from ..layout import FEED_NAME, HTML_SUFFIX, INDEX_NAME, topic_file
from ..writing import atomic_text_file
from .batch import Batch, Entry, batch_files, iter_entries, page_of, page_path, read_batch
from .citation import CITATION_AUTHORS
from .html_page import _AUTO, _head, _href, _lang, _time, heading_html, name_html, original_title_html
from .papers import Folder
from .search import Facets, finder, finder_script, item_attributes

#: The index lists at most this many papers, the newest; the others are on their batches' pages.
INDEX_PAPERS = 2000


@dataclass(frozen=True)
class Listed:
    """A paper as the index lists it: the entry, its batch, and where its page is."""

    entry: Entry
    batch: Batch
    page_name: str
    elsewhere: int  # how many other batches (or places) have it too


def write_index(folder: Folder, limit: int = INDEX_PAPERS) -> Path:
    """Write `index.html`: the newest papers across batches and every batch, newest first; unreadable ones are warned about."""
    batches: list[Batch] = []
    for path in batch_files(folder.path):
        try:
            batches.append(read_batch(path))
        except RenderError as error:
            folder.warn(f"{error}; left out of the index")
    batches.sort(key=lambda batch: batch.name)
    batches.sort(key=lambda batch: batch.date, reverse=True)
    index_path = folder.path / INDEX_NAME
    with atomic_text_file(index_path) as handle:
        papers = list(_listed(batches, folder, limit))
        handle.write(index_page(batches, index_fingerprint(folder), papers, limit, folder.topics))
    return index_path


def index_fingerprint(folder: Folder) -> str:
    """The folder's fingerprint, and the topics' names where there are any: an index of other topics is rebuilt."""
    if not folder.topics:
        return folder.fingerprint
    return folder.fingerprint + "-" + hashlib.sha256("\n".join(folder.topics).encode()).hexdigest()[:12]


def _listed(batches: list[Batch], folder: Folder, limit: int) -> Iterator[Listed]:
    """The newest `limit` papers of `batches` (newest first), each once, at its first batch."""
    left = limit
    for batch in batches:
        if left <= 0:
            return
        try:
            for entry in iter_entries(batch.path):
                if left <= 0:
                    return
                if not folder.papers.is_shown(batch.name, entry.anchor):
                    continue
                page_name = page_path(batch.path, HTML_SUFFIX, page_of(entry.number)).name
                yield Listed(entry, batch, page_name, len(folder.papers.elsewhere(batch.name, entry.anchor)))
                left -= 1
        except RenderError as error:  # changed since it was read above
            folder.warn(f"{error}; its papers are left out of the index")


def index_page(
    batches: Iterable[Batch],
    fingerprint: str = "",
    papers: list[Listed] | None = None,
    limit: int = INDEX_PAPERS,
    topics: Iterable[str] = (),
) -> str:
    """The index: the newest papers with a search form, then every batch with its date, counts and links
    (and a link to each of `topics`' page and feed)."""
    batches = list(batches)
    papers = papers or []
    total = sum(batch.figures.abstracts for batch in batches)
    out = [_head("digest: all batches", f"digest-sources: {fingerprint} " if fingerprint else "")]
    out.append("<body>\n<header>\n<h1>digest</h1>\n")
    out.append(
        f'<p class="crumbs">{len(batches)} batch{"" if len(batches) == 1 else "es"}, {total} abstracts · '
        f'<a href="#batches">All batches</a> · '
        f'<a href="{FEED_NAME}">Atom feed</a> (subscribe to get each new batch)</p>\n'
    )
    out.append(_topics(topics))
    out.append("</header>\n<main>\n")
    if papers:
        shown = f"the newest {len(papers)}" if len(papers) == limit else f"all {len(papers)}"
        out.append(f'<h2>Papers</h2>\n<p class="note">Newest batch first; {shown} papers, each once')
        out.append(" (a paper in several batches is listed at its first).</p>\n")
        scope = (
            f"Searches the {limit} newest papers; older ones are on their batches' pages."
            if len(papers) == limit
            else ""
        )
        out.append(finder(Facets.of(item.entry for item in papers), "papers", "papers", scope))
        out.append('<ol class="papers" id="papers">\n')
        out.extend(_paper(item) for item in papers)
        out.append("</ol>\n")
    out.append('<h2 id="batches">Batches</h2>\n')
    if not batches:
        out.append("<p>No batches yet.</p>\n")
    else:
        out.append('<ol class="batches">\n')
        out.extend(_batch(batch) for batch in batches)
        out.append("</ol>\n")
    out.append("</main>\n<footer>Made by digest from the batch files beside this page.</footer>\n")
    if papers:
        out.append(finder_script())
    out.append("</body>\n</html>\n")
    return "".join(out)


def _paper(item: Listed) -> str:
    entry = item.entry
    out = [f'<li class="paper"{item_attributes(entry)}>\n']
    out.append(heading_html(entry, "h3", _href(item.page_name, entry.anchor)))
    out.append(original_title_html(entry))
    facts = []
    cited = entry.cited
    if cited.authors:
        names = ", ".join(name_html(name) for name in cited.authors[:CITATION_AUTHORS])
        facts.append(names + (" et al." if len(cited.authors) > CITATION_AUTHORS else ""))
    if cited.journal is not None:
        facts.append(name_html(cited.journal))
    if cited.year:
        facts.append(f"<bdi>{_e(cited.year)}</bdi>")
    if facts:
        out.append(f'<p class="citation">{" · ".join(facts)}</p>\n')
    keywords = entry.keywords or entry.author_keywords
    if keywords:
        spans = "".join(f'<span class="kw"{_lang(word)}{_AUTO}>{_e(word)}</span>' for word in keywords)
        out.append(f'<p class="keywords"><span class="label">Keywords</span>{spans}</p>\n')
    also = f" · also in {item.elsewhere} other place{'' if item.elsewhere == 1 else 's'}" if item.elsewhere else ""
    out.append(
        f'<p class="provenance">in <a href="{_href(item.page_name, entry.anchor)}"><bdi>{_e(item.batch.name)}</bdi></a>, '
        f"{_time(item.batch.date)}{also}</p>\n</li>\n"
    )
    return "".join(out)


def _batch(batch: Batch) -> str:
    figures = batch.figures
    parts = [f"{figures.abstracts} abstract{'' if figures.abstracts == 1 else 's'}"]
    if figures.abstracts:
        parts[0] += f" ({figures.language_counts()})"
    if figures.glossed:
        parts.append(f"{figures.glossed} glossed, not translated")
    if batch.errors:
        parts.append(f"{batch.errors} unreadable")
    return (
        f'<li><a class="name" href="{_href(batch.html_name)}"{_AUTO}>{_e(batch.name)}</a> '
        f'<p class="figures">{_time(batch.date)} · {_e(" · ".join(parts))} · '
        f'<a href="{_href(batch.markdown_name)}">Markdown</a></p></li>\n'
    )


def _topics(names: Iterable[str]) -> str:
    """The topics' pages and feeds, in a line ("" where there is none)."""
    links = [
        f'<a href="{_href(topic_file(name, ".html"))}"{_AUTO}>{html.escape(name)}</a> '
        f'(<a href="{_href(topic_file(name, ".atom"))}">feed</a>)'
        for name in names
    ]
    return f'<p class="crumbs topics">Topics: {", ".join(links)}</p>\n' if links else ""


def _e(text: str) -> str:
    return html.escape(text, quote=True)
