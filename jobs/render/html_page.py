"""The HTML digest: one self-contained page per batch (the index is `index_page`).

No external resources (fonts, images, styles, scripts): the pages work offline, from `file://`
and in mail clients. The one script, the search form's (`search`), is in the page, and a page
without it (a mail client) shows everything as before. Every piece of input text goes through `_e`
(html.escape), so an abstract containing `<script>` or `</details>` shows as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from .. import __version__
from ..layout import FEED_NAME, HTML_SUFFIX, INDEX_NAME, MARKDOWN_SUFFIX, topic_file
from ..record import FLAGS
from .batch import (
    PAGE_SIZE,
    Batch,
    Entry,
    Occurrence,
    Page,
    has_han,
    iso_date,
    sentence_table,
)
from .citation import CITATION_AUTHORS, Name
from .search import CSS as SEARCH_CSS
from .search import Facets, finder, finder_script, item_attributes
from .words import clean

# Inline on purpose (one file, nothing fetched); system fonts only.
_CSS = (
    """
:root{color-scheme:light dark;--fg:#1f2328;--muted:#5d646d;--bg:#fdfdfc;--panel:#f4f3ef;--rule:#dedbd2;
--accent:#1d5a96;--mark:#c98a1b;--warn-bg:#fff3dc;--warn-rule:#e0a43a;--warn-fg:#5c3b00;--chip:#ecebe6}
@media (prefers-color-scheme:dark){:root{--fg:#e6e4df;--muted:#a5a9ae;--bg:#18191b;--panel:#222326;
--rule:#3a3b3f;--accent:#8cbcf0;--mark:#e0a43a;--warn-bg:#33270f;--warn-rule:#a8761f;--warn-fg:#f5deb0;--chip:#2c2d31}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:46rem;padding:2rem 1.1rem 4rem;background:var(--bg);color:var(--fg);
font:1.0625rem/1.62 Charter,"Bitstream Charter","Sitka Text",Cambria,"Noto Serif",Georgia,serif;
overflow-wrap:break-word}
:lang(zh){font-family:"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC",
"Microsoft YaHei","Noto Serif CJK SC",sans-serif;line-height:1.75}
h2:lang(zh){line-height:1.4}
h1,h2,.eyebrow,.crumbs,.facts,.flags,.keywords,.provenance,summary,.pairs-head,.batches .figures,
.note,footer,.batches a.name{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent)}
.crumbs{margin:0 0 .4rem;font-size:.85rem;color:var(--muted)}
.pages{margin:.6rem 0;font-size:.85rem;color:var(--muted);font-family:system-ui,sans-serif}
h1{font-size:1.9rem;line-height:1.2;margin:.1rem 0 .6rem;letter-spacing:-.01em}
.facts{margin:0 0 1rem;padding:0;font-size:.9rem;color:var(--muted);display:grid;
grid-template-columns:max-content 1fr;gap:.15rem .9rem}
.facts dt{font-weight:600;color:var(--fg)}
.facts dd{margin:0}
.warning{margin:1rem 0 1.6rem;padding:.8rem 1rem;background:var(--warn-bg);color:var(--warn-fg);
border-left:4px solid var(--warn-rule);border-radius:3px;font-size:.95rem}
.record{border-top:1px solid var(--rule);padding:1.6rem 0 1.2rem}
.eyebrow{margin:0;font-size:.78rem;letter-spacing:.04em;text-transform:uppercase;color:var(--muted)}
.eyebrow a{color:inherit;text-decoration:none}
h2{font-size:1.3rem;line-height:1.3;margin:.25rem 0 .5rem}
h2.derived{font-weight:600}
.title-note{display:block;font-size:.78rem;font-weight:400;color:var(--muted);font-family:system-ui,sans-serif}
.original-title{margin:-.2rem 0 .5rem;font-size:.92rem;color:var(--muted)}
.pinyin{font-style:italic}
.also{margin:.4rem 0;font-size:.85rem;color:var(--muted)}
.flags{list-style:none;margin:0 0 .7rem;padding:0;display:flex;flex-wrap:wrap;gap:.35rem}
.flag{font-size:.78rem;padding:.1rem .55rem;border-radius:999px;background:var(--chip);color:var(--fg);
border:1px solid var(--rule)}
WARNING_FLAGS_CSS{background:var(--warn-bg);
color:var(--warn-fg);border-color:var(--warn-rule)}
.summary{margin:.4rem 0 .7rem}
.citation{margin:.1rem 0 .5rem;font-size:.9rem;color:var(--muted)}
.keywords{margin:.2rem 0;font-size:.88rem;color:var(--muted)}
.label{font-weight:600;color:var(--fg);margin-right:.35rem}
.kw+.kw::before{content:" · ";color:var(--muted)}
details{margin:.9rem 0 .4rem;border:1px solid var(--rule);border-radius:4px;background:var(--panel)}
summary{cursor:pointer;padding:.5rem .8rem;font-size:.88rem;font-weight:600}
summary .count{font-weight:400;color:var(--muted)}
.fold{padding:.2rem .8rem .8rem}
.titles{margin:.3rem 0 .8rem;font-size:.95rem}
.titles dt{font-size:.78rem;color:var(--muted);font-family:system-ui,sans-serif}
.titles dd{margin:0 0 .4rem}
.pairs-head,.pairs li{display:grid;grid-template-columns:1fr 1fr;gap:.4rem 1.2rem}
.pairs-head{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);
padding:0 0 .3rem .7rem;border-bottom:1px solid var(--rule)}
.single .pairs-head,.single .pairs li{grid-template-columns:1fr}
.pairs{list-style:none;margin:0;padding:0;font-size:.95rem}
.pairs li{padding:.45rem 0 .45rem .7rem;border-bottom:1px solid var(--rule);border-left:3px solid transparent}
.pairs li:last-child{border-bottom:0}
.pairs li.in-summary{border-left-color:var(--mark)}
.pairs p{margin:0}
.note{font-size:.78rem;color:var(--muted);margin:.5rem 0 0}
.provenance{margin:.5rem 0 0;font-size:.75rem;color:var(--muted)}
.batches,.papers{list-style:none;margin:1.2rem 0;padding:0}
.papers li.paper{border-top:1px solid var(--rule);padding:.9rem 0 .5rem}
.papers h3{font-size:1.1rem;line-height:1.3;margin:.1rem 0 .35rem}.papers h3 a{text-decoration:none}
.batches li{border-top:1px solid var(--rule);padding:.9rem 0}
.batches a.name{font-size:1.15rem;font-weight:600}
.batches .figures{margin:.15rem 0 0;font-size:.88rem;color:var(--muted)}
footer{margin-top:2.5rem;padding-top:.8rem;border-top:1px solid var(--rule);font-size:.78rem;color:var(--muted)}
@media (max-width:40rem){body{padding:1.2rem .9rem 3rem;font-size:1rem}h1{font-size:1.5rem}
.pairs-head{display:none}.pairs li{grid-template-columns:1fr}.pairs li p[lang=zh]{color:var(--muted)}
h2{font-size:1.15rem}.facts{gap:.3rem .7rem}}
@media print{@page{margin:16mm 14mm}
:root{--fg:#000;--muted:#444;--bg:#fff;--panel:#fff;--rule:#bbb;--accent:#000;--chip:#fff;--warn-bg:#fff;
--warn-fg:#000;--warn-rule:#000;--mark:#000}
body{max-width:none;padding:0;font-size:10.5pt}a{text-decoration:none}
.crumbs,.note,.pages{display:none}
.record{padding:.8rem 0 .6rem}.lead{break-inside:avoid}
details{border:0;background:none}summary{padding:.2rem 0}.fold{padding:0}
.pairs li{break-inside:avoid}}
"""
    + SEARCH_CSS
).replace(
    # The flags that warn a reader are highlighted; which they are is defined with the flags.
    "WARNING_FLAGS_CSS",
    ",".join(f".flag-{flag}" for flag, (_, warns) in FLAGS.items() if warns),
)


_CLASS_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# Text from the input is isolated from digest's English around it (`dir="auto"` on its element, or
# `<bdi>` where it has none): an Arabic or Hebrew name takes its own direction and cannot reorder
# the words, numbers and separators beside it. (Bidirectional controls are dropped: `clean`.)
_AUTO = ' dir="auto"'


def _href(file_name: str, anchor: str = "") -> str:
    """A relative link to a file beside this one (names URL-quoted, then HTML-escaped)."""
    # surrogateescape: a file name that is not UTF-8 links to its own bytes
    return _e(quote(file_name, errors="surrogateescape") + (f"#{quote(anchor)}" if anchor else ""))


def _lang(text: str) -> str:
    return ' lang="zh"' if has_han(text) else ""


def _time(moment: datetime) -> str:
    return f'<time datetime="{iso_date(moment)}">{moment:%Y-%m-%d %H:%M} UTC</time>'


def _head(title: str, comment: str = "", feed: str = FEED_NAME) -> str:
    return (
        "<!DOCTYPE html>\n"
        + (f"<!-- {comment}-->\n" if comment else "")
        + '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="digest {_e(__version__)}">\n'
        f"<title>{_e(title)}</title>\n"
        f'<link rel="alternate" type="application/atom+xml" title="digest feed" href="{_e(feed)}">\n'
        f"<style>{_CSS}</style>\n</head>\n"
    )


def batch_page(batch: Batch, page: Page) -> str:
    """One page of the batch's digest as a self-contained HTML page (the figures on every page)."""
    figures = batch.figures
    of_pages = f", page {page.number} of {page.count}" if page.count > 1 else ""
    carried = f"digest-sources: {batch.sources} " if batch.sources else ""
    out = [_head(f"{batch.name}: digest of {figures.abstracts} abstracts{of_pages}", carried)]
    out.append("<body>\n<header>\n")
    out.append(
        f'<p class="crumbs"><a href="{INDEX_NAME}">All batches</a> · '
        f'<a href="{_href(page.file_name(batch, MARKDOWN_SUFFIX))}">Markdown</a> · '
        f'<a href="{FEED_NAME}">Atom feed</a></p>\n'
    )
    out.append(f'<h1{_AUTO}>{_e(batch.name)}</h1>\n<dl class="facts">\n')
    out.append(f"<dt>Date</dt><dd>{_time(batch.date)}</dd>\n")
    abstracts = f"{figures.abstracts}"
    if figures.abstracts:
        abstracts += f" ({_e(figures.language_counts())})"
    out.append(f"<dt>Abstracts</dt><dd>{abstracts}</dd>\n")
    engines = figures.engine_lines()
    if engines:
        out.append("<dt>Translation</dt><dd>" + "<br>".join(_e(line) for line in engines) + "</dd>\n")
    out.append(f"<dt>Summaries</dt><dd>{_e(figures.summarizer_line())}</dd>\n")
    if batch.errors:
        out.append(f"<dt>Not shown</dt><dd>{batch.errors} unreadable input records (see the errors file)</dd>\n")
    out.append("</dl>\n")
    warning = figures.gloss_warning()
    if warning:
        out.append(f'<p class="warning" role="note"><strong>Warning:</strong> {_e(warning)}</p>\n')
    out.append(_page_links(batch, page))
    if page.entries:
        scope = f"Searches this page only: page {page.number} of {page.count}." if page.count > 1 else ""
        out.append(finder(Facets.of(page.entries), "abstracts", "these abstracts", scope))
    out.append('</header>\n<main id="abstracts">\n')
    if not page.entries:
        out.append("<p>This batch has no abstracts.</p>\n")
    for entry in page.entries:
        out.append(entry_html(entry, figures.abstracts, page.elsewhere.get(entry.anchor, [])))
    out.append("</main>\n")
    out.append(_page_links(batch, page))
    out.append(
        "<footer>Made by digest from "
        f"<code{_AUTO}>{_e(clean(batch.path.name))}</code>, the single source of this page; "
        "rebuild it with <code>digest render</code>.</footer>\n"
    )
    if page.entries:
        out.append(finder_script())
    out.append("</body>\n</html>\n")
    return "".join(out)


def _page_links(batch: Batch, page: Page) -> str:
    """Links to the previous, next and every page of a batch's digest ('' for a one-page digest)."""
    if page.count == 1:
        return ""

    def link(number: int, text: str, rel: str = "") -> str:
        relation = f' rel="{rel}"' if rel else ""
        return f'<a href="{_href(page.file_name(batch, HTML_SUFFIX, number))}"{relation}>{text}</a>'

    first = (page.number - 1) * PAGE_SIZE + 1
    last = first + len(page.entries) - 1
    parts = [f"Page {page.number} of {page.count} (abstracts {first}–{last})"]
    if page.number > 1:
        parts.append(link(page.number - 1, "← previous", "prev"))
    if page.number < page.count:
        parts.append(link(page.number + 1, "next →", "next"))
    numbers = " ".join(
        f'<strong aria-current="page">{number}</strong>' if number == page.number else link(number, str(number))
        for number in range(1, page.count + 1)
    )
    return f'<nav class="pages" aria-label="pages">{" · ".join(parts)}<br>Pages: {numbers}</nav>\n'


def entry_html(entry: Entry, total: int, elsewhere: list[Occurrence]) -> str:
    """One record as the HTML pages show it (its number of `total`), topic badges linking to the topics' pages, where else it is."""
    anchor = _e(entry.anchor)
    # The title, flags, summary and keywords stay together on a printed page.
    out = [f'<article class="record" id="{anchor}"{item_attributes(entry)}>\n<div class="lead">\n<header>\n']
    eyebrow = f"{entry.number} of {total} · {entry.language} original"
    out.append(f'<p class="eyebrow"><a href="#{_e(quote(entry.anchor))}">{_e(eyebrow)}</a></p>\n')
    out.append(heading_html(entry, "h2"))
    out.append(original_title_html(entry))
    if entry.flags:
        out.append('<ul class="flags">')
        for flag, words in zip(entry.flags, entry.flag_words, strict=True):
            out.append(f'<li class="flag flag-{_CLASS_UNSAFE.sub("-", flag)}">{_e(words)}</li>')
        out.append("</ul>\n")
    if entry.topics:
        out.append('<ul class="flags topics">')
        for name in entry.topics:
            out.append(f'<li class="flag topic"><a href="{_href(topic_file(name, ".html"))}">{_e(name)}</a></li>')
        out.append("</ul>\n")
    out.append("</header>\n")
    out.append(summary_html(entry))
    out.append(also_html(elsewhere))
    out.append("</div>\n")
    out.append(_fold(entry))
    provenance = " · ".join(
        _e(label) + (f"<bdi>{_e(text)}</bdi>" if text else "") for label, text in entry.provenance_parts
    )
    out.append(f'<p class="provenance">{provenance}</p>\n</article>\n')
    return "".join(out)


def heading_html(entry: Entry, tag: str, href: str = "") -> str:
    """The record's heading: its title, or a sentence said to be one where the export has no title."""
    text = f"<span{_lang(entry.title)}{_AUTO}>{_e(entry.title)}</span>"
    if href:
        text = f'<a href="{href}">{text}</a>'
    if entry.title_label:
        return f'<{tag} class="derived"><span class="title-note">{_e(entry.title_label)}</span> {text}</{tag}>\n'
    return f"<{tag}>{text}</{tag}>\n"


def original_title_html(entry: Entry) -> str:
    """The original title and its pinyin, under an English heading ("" where the heading is the original)."""
    original = entry.original_title
    if not original or original == entry.title:
        return ""
    pinyin = f' · <span class="pinyin"{_AUTO}>{_e(entry.title_pinyin)}</span>' if entry.title_pinyin else ""
    return f'<p class="original-title"><span{_lang(original)}{_AUTO}>{_e(original)}</span>{pinyin}</p>\n'


def name_html(name: Name) -> str:
    """A name in pinyin with the Chinese beside it, each part isolated: "Zhang Huijia (张会佳)"."""
    english = f" [<bdi>{_e(name.english)}</bdi>]" if name.english else ""
    if not name.original:
        return f"<bdi{_lang(name.shown)}>{_e(name.shown)}</bdi>{english}"
    return f'<bdi>{_e(name.shown)}</bdi>{english} (<bdi lang="zh">{_e(name.original)}</bdi>)'


def also_html(elsewhere: list[Occurrence]) -> str:
    """Where else the paper is: a link to each other batch's page (or to its earlier place in this batch)."""
    if not elsewhere:
        return ""
    links = ", ".join(
        f'<a href="{_href(place.page_name, place.anchor)}"><bdi>{_e(place.batch)}</bdi></a> (no. {place.number})'
        for place in elsewhere
    )
    return f'<p class="also"><span class="label">Also in</span>{links}</p>\n'


def summary_html(entry: Entry) -> str:
    """The part of a record a reader sees first: the summary and keywords (also the feed's content)."""
    out = [citation_html(entry)]
    if entry.summary:
        text = " ".join(entry.summary) if entry.summary_lang == "en" else "".join(entry.summary)
        lang = ' lang="zh"' if entry.summary_lang == "zh" else ""
        note = " <em>(not translated)</em>" if entry.summary_lang != "en" else ""
        out.append(f'<p class="summary"{lang}><span{_AUTO}>{_e(text)}</span>{note}</p>\n')
    out.append(_keywords("Keywords", entry.keywords))
    out.append(_keywords("Author’s keywords", entry.author_keywords))
    out.append(_keywords("Glossary terms missing from the translation", entry.glossary_misses))
    return "".join(out)


def citation_html(entry: Entry) -> str:
    """Who wrote it (in pinyin, the Chinese beside), where and when it appeared, the authors' places,
    and a link to the original or a search for it; "" when the input said nothing."""
    cited = entry.cited
    parts = []
    if cited.authors:
        names = ", ".join(name_html(name) for name in cited.authors[:CITATION_AUTHORS])
        parts.append(f"<span>{names}{' et al.' if len(cited.authors) > CITATION_AUTHORS else ''}</span>")
    if cited.standard:
        parts.append(f"<span>standard <bdi>{_e(cited.standard)}</bdi></span>")
    if cited.journal is not None or cited.numbers:
        journal = name_html(cited.journal) if cited.journal is not None else ""
        numbers = f"<bdi>{_e(cited.numbers)}</bdi>" if cited.numbers else ""
        space = " " if journal and numbers and not cited.numbers.startswith(":") else ""
        parts.append(f"<span>{journal}{space}{numbers}</span>")
    if cited.publisher is not None:
        parts.append(f"<span>{name_html(cited.publisher)}</span>")
    if cited.supervisors:
        parts.append(f"<span>supervised by {', '.join(name_html(name) for name in cited.supervisors)}</span>")
    if cited.year:
        parts.append(f"<bdi>{_e(cited.year)}</bdi>")
    if entry.link is not None:
        parts.append(f'<a href="{_e(entry.link.href)}" rel="noopener noreferrer"><bdi>{_e(entry.link.text)}</bdi></a>')
    elif entry.unsafe_link:  # not http(s): shown, never linked
        parts.append(f"<span>link (not followed): <code{_AUTO}>{_e(entry.unsafe_link)}</code></span>")
    if cited.search is not None:  # no link in the export: a search for the title, said to be one
        parts.append(
            f'<a class="search" href="{_e(cited.search.href)}" rel="noopener noreferrer">{_e(cited.search.text)}</a>'
        )
    if not parts:
        return ""
    out = f'<p class="citation">{" · ".join(parts)}</p>\n'
    if cited.affiliations:
        shown, more = cited.places
        places = "; ".join(name_html(name) for name in shown) + (f" {more}" if more else "")
        out += f'<p class="citation affiliations"><span class="label">Affiliations</span>{places}</p>\n'
    return out


def _keywords(label: str, words: list[str]) -> str:
    if not words:
        return ""
    spans = "".join(f'<span class="kw"{_lang(word)}{_AUTO}>{_e(word)}</span>' for word in words)
    return f'<p class="keywords"><span class="label">{_e(label)}</span>{spans}</p>\n'


def _fold(entry: Entry) -> str:
    """The originals and the full translation, sentence by sentence, folded away."""
    if not entry.pairs:
        return ""
    table = sentence_table(entry)
    both, label, en_head, zh_head = table.both, table.heading, table.english_column, table.chinese_column
    out = [f'<details>\n<summary>{_e(label)} <span class="count">· {table.count}</span></summary>\n']
    out.append(f'<div class="fold{"" if both else " single"}">\n')
    titles = [
        ("Original title", entry.original_title),
        ("Title, translated" if not entry.glossed else "Title, glossed", entry.translated_title),
    ]
    if any(text for _, text in titles):
        out.append('<dl class="titles">')
        for name, text in titles:
            if text:
                out.append(f"<dt>{_e(name)}</dt><dd{_lang(text)}{_AUTO}>{_e(text)}</dd>")
        out.append("</dl>\n")
    if entry.keywords_zh:
        out.append(_keywords("关键词 (extracted)", entry.keywords_zh))
    if entry.author_keywords_original:
        out.append(_keywords("关键词 (authors’)", entry.author_keywords_original))
    if both:
        out.append(f'<div class="pairs-head" aria-hidden="true"><span>{en_head}</span><span>{zh_head}</span></div>\n')
    out.append('<ol class="pairs">\n')
    for pair in entry.pairs:
        marked = ' class="in-summary"' if pair.in_summary else ""
        cells = []
        if pair.en or both:
            cells.append(f'<p lang="en"{_AUTO}>{_e(pair.en)}</p>')
        if pair.zh or both:
            cells.append(f'<p lang="zh"{_AUTO}>{_e(pair.zh)}</p>')
        out.append(f"<li{marked}>{''.join(cells)}</li>\n")
    out.append("</ol>\n")
    if any(pair.in_summary for pair in entry.pairs):
        out.append('<p class="note">A bar on the left marks the sentences in the summary.</p>\n')
    out.append("</div>\n</details>\n")
    return "".join(out)


def message_html(title: str, sections: Iterable[tuple[str, int, list[Entry]]]) -> str:
    """An e-mail's HTML part: each batch's entries as its page shows them (`sections`: name, abstracts, entries).

    Self-contained as the pages are (the style in the message, no scripts, nothing fetched), and
    without the links to the files beside a page, which a mail reader does not have.
    """
    out = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_mail_css()}</style>\n</head>\n<body>\n<header>\n"
        f"<h1>{_e(title)}</h1>\n</header>\n<main>\n"
    ]
    for name, total, entries in sections:
        out.append(f"<section>\n<h2{_AUTO}>{_e(name)}</h2>\n")
        out.extend(entry_html(entry, total, []) for entry in entries)
        out.append("</section>\n")
    out.append(f"</main>\n<footer>Made by digest {_e(__version__)}.</footer>\n</body>\n</html>\n")
    return "".join(out)


def _mail_css() -> str:
    """The pages' style for a mail reader: its colours written out in place of CSS variables, which Gmail and
    Outlook drop (and with them every rule that uses one), and the dark scheme's variables left out."""
    root = re.search(r":root\{([^}]*)\}", _CSS)
    assert root is not None
    colours = dict(re.findall(r"(--[\w-]+):([^;}]+)", root.group(1)))
    css = _CSS.replace(root.group(0), "", 1)
    css = re.sub(r"@media \(prefers-color-scheme:dark\)\{:root\{[^}]*\}\}\n?", "", css)
    css = re.sub(r"@media print\{.*", "", css, flags=re.S)  # a message is printed as the reader's client prints
    return re.sub(r"var\((--[\w-]+)\)", lambda used: colours[used.group(1)], css)
