"""The Markdown digest of a batch: one `##` section per record, input text escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from ..layout import FEED_NAME, HTML_SUFFIX, INDEX_NAME, MARKDOWN_SUFFIX, topic_file
from .batch import Batch, Entry, Occurrence, Page, sentence_table

# Characters that would start emphasis, code, links, HTML, table cells, strikethrough or math.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#$])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")


def escape(text: str) -> str:
    """`text` (one line) as literal Markdown: nothing in it can make markup or break a table."""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return _BLOCK_START.sub(lambda match: match.group(1)[:-1] + "\\" + match.group(1)[-1], text)


def _link(text: str, file_name: str) -> str:
    return f"[{escape(text)}]({quote(file_name, errors='surrogateescape')})"


#: The last line of every Markdown digest (a comment, invisible when rendered): a page that does
#: not end with it was cut short and is rebuilt.
MARKDOWN_END = "\n<!-- end of digest page -->\n"


def batch_markdown(batch: Batch, page: Page) -> str:
    """One page of the batch's digest as Markdown (the figures on every page)."""
    figures = batch.figures
    of_pages = f" (page {page.number} of {page.count})" if page.count > 1 else ""
    # What the page was made from, invisible when rendered (see `sources`).
    out = [f"<!-- digest-sources: {batch.sources} -->\n\n" if batch.sources else ""]
    out.append(f"# {escape(batch.name)}{escape(of_pages)}\n\n")
    abstracts = str(figures.abstracts)
    if figures.abstracts:
        abstracts += f" ({figures.language_counts()})"
    out.append(f"- **Date:** {batch.date:%Y-%m-%d %H:%M} UTC\n")
    out.append(f"- **Abstracts:** {escape(abstracts)}\n")
    engines = figures.engine_lines()
    if engines:
        out.append(f"- **Translation:** {escape('; '.join(engines))}\n")
    out.append(f"- **Summaries:** {escape(figures.summarizer_line())}\n")
    if batch.errors:
        out.append(f"- **Not shown:** {batch.errors} unreadable input records (see the errors file)\n")
    warning = figures.gloss_warning()
    if warning:
        out.append(f"\n> **Warning:** {escape(warning)}\n")
    out.append(
        f"\n{_link('All batches', INDEX_NAME)} · {_link('HTML version', page.file_name(batch, HTML_SUFFIX))} · "
        f"{_link('Atom feed', FEED_NAME)}\n"
    )
    out.append(_page_links(batch, page))
    if not page.entries:
        out.append("\nThis batch has no abstracts.\n")
    for entry in page.entries:
        out.append(entry_markdown(entry, figures.abstracts, page.elsewhere.get(entry.anchor, [])))
    if page.count > 1:
        out.append("\n---\n" + _page_links(batch, page))
    out.append(MARKDOWN_END)
    return "".join(out)


def _page_links(batch: Batch, page: Page) -> str:
    """Links to the previous, next and every page ('' for a one-page digest)."""
    if page.count == 1:
        return ""
    parts = [f"**Page {page.number} of {page.count}**"]
    if page.number > 1:
        parts.append(_link("← previous", page.file_name(batch, MARKDOWN_SUFFIX, page.number - 1)))
    if page.number < page.count:
        parts.append(_link("next →", page.file_name(batch, MARKDOWN_SUFFIX, page.number + 1)))
    numbers = " ".join(
        f"**{number}**" if number == page.number else _link(str(number), page.file_name(batch, MARKDOWN_SUFFIX, number))
        for number in range(1, page.count + 1)
    )
    return f"\n{' · '.join(parts)} · pages: {numbers}\n"


def entry_markdown(entry: Entry, total: int, elsewhere: list[Occurrence]) -> str:
    """One record as the Markdown pages show it (its number of `total`), with its topics' links and where else it is."""
    # A heading that is no title says so, in the heading itself.
    label = f"*{escape(entry.title_label)}* " if entry.title_label else ""
    out = [f'\n---\n\n<a id="{entry.anchor}"></a>\n\n## {entry.number}. {label}{escape(entry.title)}\n\n']
    if entry.original_title and entry.original_title != entry.title:
        pinyin = f" · *{escape(entry.title_pinyin)}*" if entry.title_pinyin else ""
        out.append(f"{escape(entry.original_title)}{pinyin}\n\n")
    line = f"*{entry.number} of {total} · {escape(entry.language)} original*"
    if entry.flags:
        line += " · **Flags:** " + "; ".join(escape(words) for words in entry.flag_words)
    if entry.topics:
        line += " · **Topics:** " + ", ".join(_link(name, topic_file(name, ".md")) for name in entry.topics)
    out.append(line + "\n\n")
    citation = _citation(entry)
    if citation:
        out.append(citation + "\n\n")
    if entry.cited.affiliations:
        shown, more = entry.cited.places
        places = "; ".join(escape(name.text) for name in shown) + (f" {more}" if more else "")
        out.append(f"**Affiliations:** {places}\n\n")
    if elsewhere:
        places = ", ".join(
            f"[{escape(place.batch)}]({quote(place.page_name.rsplit('.', 1)[0] + '.md', errors='surrogateescape')}"
            f"#{quote(place.anchor)}) (no. {place.number})"
            for place in elsewhere
        )
        out.append(f"**Also in:** {places}\n\n")
    if entry.summary:
        text = " ".join(entry.summary) if entry.summary_lang == "en" else "".join(entry.summary)
        note = " *(not translated)*" if entry.summary_lang != "en" else ""
        out.append(f"{escape(text)}{note}\n\n")
    keywords = []
    if entry.keywords:
        keywords.append("**Keywords:** " + " · ".join(escape(word) for word in entry.keywords))
    if entry.author_keywords:
        keywords.append("**Author’s keywords:** " + " · ".join(escape(word) for word in entry.author_keywords))
    if entry.glossary_misses:
        keywords.append(
            "**Glossary terms missing from the translation:** "
            + " · ".join(escape(term) for term in entry.glossary_misses)
        )
    if keywords:
        out.append("  \n".join(keywords) + "\n\n")
    out.append(_sentences(entry))
    out.append(f"*{escape(entry.provenance)}*\n")
    return "".join(out)


def _citation(entry: Entry) -> str:
    """The citation line and the link to the original (a URL that is not http(s) as text only)."""
    parts = [f"*{escape(entry.citation)}*"] if entry.citation else []
    if entry.link is not None:
        # The href is percent-encoded (no spaces, parentheses or angle brackets): one token. An
        # entity in it ("&#x40;") would be decoded by Markdown into another URL than the one
        # checked and shown ("kns.cnki.net&#x40;evil.example" going to evil.example): escaped.
        href = _ENTITY.sub(r"\\&", entry.link.href)
        parts.append(f"[{escape(entry.link.text)}]({href})")
    elif entry.unsafe_link:
        parts.append(f"link (not followed): {escape(entry.unsafe_link)}")
    if entry.cited.search is not None:  # no link in the export: a search for the title, said to be one
        href = _ENTITY.sub(r"\\&", entry.cited.search.href)
        parts.append(f"[{escape(entry.cited.search.text)}]({href})")
    return " · ".join(parts)


def _sentences(entry: Entry) -> str:
    """The originals and the full translation, sentence by sentence, as a table."""
    if not entry.pairs:
        return ""
    table = sentence_table(entry)
    both, columns = table.both, (table.english_column, table.chinese_column)
    out = [f"### {table.heading} ({table.count})\n\n"]
    if entry.original_title:
        out.append(f"**Original title:** {escape(entry.original_title)}  \n")
    if entry.translated_title:
        out.append(f"**Title, {'glossed' if entry.glossed else 'translated'}:** {escape(entry.translated_title)}  \n")
    if entry.keywords_zh:
        out.append("**关键词 (extracted):** " + " · ".join(escape(word) for word in entry.keywords_zh) + "  \n")
    if entry.author_keywords_original:
        out.append(
            "**关键词 (authors’):** " + " · ".join(escape(word) for word in entry.author_keywords_original) + "  \n"
        )
    if out[-1].endswith("  \n"):
        out[-1] = out[-1][:-3] + "\n\n"
    if both:
        out.append(f"| # | {columns[0]} | {columns[1]} |\n|---:|---|---|\n")
    else:
        out.append("| # | Sentence |\n|---:|---|\n")
    for number, pair in enumerate(entry.pairs, start=1):
        marker = f"**{number}**" if pair.in_summary else str(number)
        if both:
            out.append(f"| {marker} | {escape(pair.en)} | {escape(pair.zh)} |\n")
        else:
            out.append(f"| {marker} | {escape(pair.en or pair.zh)} |\n")
    if any(pair.in_summary for pair in entry.pairs):
        out.append("\nSentences in the summary have their number in bold.\n")
    return "".join(out) + "\n"


def message_text(title: str, sections: Iterable[tuple[str, int, list[Entry]]]) -> str:
    """An e-mail's plain-text part: each batch's entries as its Markdown page shows them, without the anchors."""
    out = [f"{title}\n{'=' * len(title)}\n"]
    for name, total, entries in sections:
        out.append(f"\n\n# {escape(name)}\n")
        out.extend(_ANCHOR.sub("", entry_markdown(entry, total, [])) for entry in entries)
    return "".join(out)


_ANCHOR = re.compile(r'<a id="[^"]*"></a>\n\n')
