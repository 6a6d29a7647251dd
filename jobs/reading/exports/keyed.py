"""The formats of one "key value" field a line: RefWorks, NoteExpress and CNKI's self-defined export.

A `_Layout` says how one format writes a field line (`A1 ...`, `{Author}: ...`,
`Author-作者: ...`), which key starts a reference, which keys are fields (a line with another
key continues the field before) and which keys give each citation part; one reader
(`_keyed`) reads all three by their layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ...record import Citation
from .fields import KEYWORD_SEPARATORS, NAME_SEPARATORS, doi, keywords, split, url, year
from .lines import joined, references
from .reference import Reference, make_reference


@dataclass(frozen=True)
class _Layout:
    """A format of one field a line: how a field line looks, which key starts a reference, what maps where."""

    name: str
    field: re.Pattern[str]  # group 1 the key, group 2 the value
    start: str
    #: citation part -> the format's keys for it, best first ("end_page": where a start page's end is)
    keys: dict[str, tuple[str, ...]]
    #: Keys that are fields; a line with another key continues the field before (None: every key).
    known: frozenset[str] | None = None


_REFWORKS = _Layout(
    "refworks",
    re.compile(r"([A-Z][A-Z0-9])(?: (.*)|$)"),
    "RT",
    {
        "type": ("RT",),
        "title": ("T1",),
        "abstract": ("AB",),
        "authors": ("A1",),
        "affiliations": ("AD",),
        "journal": ("JF", "JO", "T2"),
        "year": ("YR", "FD"),
        "volume": ("VO",),
        "issue": ("IS",),
        # CNKI writes the whole page range in OP ("OP 1-12"), others the start page in SP.
        "pages": ("SP",),
        "end_page": ("OP",),
        "doi": ("DO",),
        "url": ("LK", "UL"),
        "keywords": ("K1",),
    },
    # RefWorks' tags: an English abstract's line that starts "IL 6 ..." continues it.
    frozenset(
        "RT SR A1 A2 A3 A4 A5 T1 T2 T3 JF JO YR FD VO IS SP OP K1 AB NO PB PP ED SN AV AD AN LA CL SF OT "
        "LK DO CN DB DS IP RD ST UL U1 U2 U3 U4 U5 WP WT WV".split()
    ),
)
_NOTEEXPRESS = _Layout(
    "noteexpress",
    re.compile(r"\{([^{}]+)\}[:：] ?(.*)"),
    "Reference Type",
    {
        "type": ("Reference Type",),
        "title": ("Title",),
        "abstract": ("Abstract",),
        "authors": ("Author",),
        "affiliations": ("Author Address",),
        "journal": ("Journal", "Secondary Title"),
        "year": ("Year", "Date"),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "pages": ("Pages",),
        "doi": ("DOI",),
        "url": ("URL",),
        "keywords": ("Keywords",),
    },
)
# CNKI's 自定义 export names each field twice, "Title-题名:". Abstracts hold "COVID-19:" and
# the like, so only CNKI's own keys start a field.
_SELF_DEFINED = _Layout(
    "cnki-self-defined",
    re.compile(r"([A-Za-z]+)-[^:：\s]*[:：] ?(.*)"),
    "SrcDatabase",
    {
        "type": ("SrcDatabase",),
        "title": ("Title",),
        "abstract": ("Summary",),
        "authors": ("Author",),
        "affiliations": ("Organ",),
        "journal": ("Source",),
        "year": ("Year", "PubTime"),
        "volume": ("Volum", "Volume"),
        "issue": ("Period",),
        "pages": ("PageCount",),
        "doi": ("DOI",),
        "url": ("URL",),
        "keywords": ("Keyword",),
    },
    frozenset(
        "SrcDatabase Title Author Organ Source Keyword Summary PubTime FirstDuty Fund Year Volum Volume Period "
        "PageCount CLC DOI URL ISSN ISBN Publisher Pages".split()
    ),
)


def _keyed(layout: _Layout) -> Callable[[str], Iterator[Reference]]:
    def read(text: str) -> Iterator[Reference]:
        lines = text.split("\n")

        def key(line: str) -> str | None:
            match = layout.field.match(line.strip())
            if match and (layout.known is None or match.group(1) in layout.known):
                return match.group(1)
            return None

        for line, reference in references(lines, lambda line: key(line) == layout.start):
            yield _keyed_reference(layout, reference, line, key)

    return read


def _keyed_reference(layout: _Layout, lines: list[str], line: int, key: Callable[[str], str | None]) -> Reference:
    gathered: dict[str, list[list[str]]] = {}
    last: list[str] | None = None
    for raw in lines:
        text = raw.replace("\t", " ").strip()
        name = key(text)
        if name is not None:
            match = layout.field.match(text)
            last = [(match.group(2) or "").strip() if match else ""]
            gathered.setdefault(name, []).append(last)
        elif text and last is not None:
            last.append(text)
    fields = joined(gathered)

    def first(part: str) -> str | None:
        return next((value for name in layout.keys.get(part, ()) for value in fields.get(name, []) if value), None)

    def every(part: str, separators: re.Pattern[str]) -> list[str]:
        return split([value for name in layout.keys.get(part, ()) for value in fields.get(name, [])], separators)

    pages, end = first("pages"), first("end_page")

    return make_reference(
        line,
        first("title"),
        first("abstract"),
        Citation(
            format=layout.name,
            type=first("type"),
            authors=every("authors", NAME_SEPARATORS),
            affiliations=every("affiliations", NAME_SEPARATORS),
            journal=first("journal"),
            year=year(first("year")),
            volume=first("volume"),
            issue=first("issue"),
            pages=f"{pages}-{end}" if pages and end and "-" not in pages else pages or end,
            doi=doi(first("doi")),
            url=url([value for name in layout.keys.get("url", ()) for value in fields.get(name, [])]),
            keywords=keywords(every("keywords", KEYWORD_SEPARATORS)),
        ),
    )


read_refworks = _keyed(_REFWORKS)
read_noteexpress = _keyed(_NOTEEXPRESS)
read_self_defined = _keyed(_SELF_DEFINED)
