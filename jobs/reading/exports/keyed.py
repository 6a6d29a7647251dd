"""What the formats of one "key value" field a line share: RefWorks, NoteExpress and CNKI's self-defined export.

A `KeyedLayout` says how one format writes a field line (`A1 ...`, `{Author}: ...`,
`Author-作者: ...`), which key starts a reference, which keys are fields (a line with another
key continues the field before) and which keys give each citation part; `keyed_reader` makes the
reader of a format from its layout.
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
class KeyedLayout:
    """A format of one field a line: how a field line looks, which key starts a reference, what maps where."""

    name: str
    field: re.Pattern[str]  # group 1 the key, group 2 the value
    start: str
    #: citation part -> the format's keys for it, best first ("end_page": where a start page's end is)
    keys: dict[str, tuple[str, ...]]
    #: Keys that are fields; a line with another key continues the field before (None: every key).
    known: frozenset[str] | None = None


def keyed_reader(layout: KeyedLayout) -> Callable[[str], Iterator[Reference]]:
    """The reader of an export in `layout`: its references, one by one."""

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


def _keyed_reference(layout: KeyedLayout, lines: list[str], line: int, key: Callable[[str], str | None]) -> Reference:
    gathered: dict[str, list[list[str]]] = {}
    last: list[str] | None = None
    for raw in lines:
        text = raw.replace("\t", " ").strip()
        name = key(text)
        if name is not None:
            match = layout.field.match(text)
            last = [(match.group(2) or "").strip() if match else ""]
            gathered.setdefault(name, []).append(last)
        elif last is not None:  # a blank line among them is a paragraph break
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
