"""What the formats of one "key value" field a line share: RefWorks, NoteExpress and CNKI's self-defined export.

A `KeyedLayout` says how one format writes a field line (`A1 ...`, `{Author}: ...`,
`Author-作者: ...`), which key starts a reference, every key its real exports write (`known`)
and which keys give each citation part; `keyed_reader` makes the reader of a format from its
layout.

Keys are read as real exports write them: in any case (CNKI's RefWorks writes `vo 49`), glued to
their text (`A1林行众`), with a stray comma (`{Subsidiary Author,}`), on CRLF lines. A line that
is no field line continues the field before; one with a key the format's table does not know is a
field of its own, read and dropped (never glued onto the field before), and the reference lists
it in `unknown`, which the tests check empty on every real sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from functools import cached_property

from ...record import Citation
from .fields import KEYWORD_SEPARATORS, NAME_SEPARATORS, doi, is_thesis, keywords, split, standard_number, url, year
from .lines import joined, references
from .reference import Reference, make_reference

# A space other than ASCII's (no-break, typographic, ideographic) after a line's first word: after a tag.
_WIDE_SPACE = re.compile(r"^(\S{1,24}?)[\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


@dataclass(frozen=True)
class KeyedLayout:
    """A format of one field a line: how a field line looks, which key starts a reference, what maps where."""

    name: str
    field: re.Pattern[str]  # group 1 the key, group 2 the value
    start: str
    #: citation part -> the format's keys for it, best first ("end_page": where a start page's end is)
    keys: dict[str, tuple[str, ...]]
    #: Every key the format's real exports write (those in no part of `keys` are read and dropped).
    known: frozenset[str]
    #: A field line written loosely (its key in another case, glued to its text): taken for a known
    #: key only, and never inside `prose`.
    loose: re.Pattern[str] | None = None
    #: Fields whose wrapped lines may look like field lines ("IL 6 rose..." in an English abstract):
    #: inside them only `field` with a known key starts a field.
    prose: frozenset[str] = frozenset()

    @cached_property
    def _folded(self) -> dict[str, str]:
        return {key.casefold(): key for key in self.known}

    def canonical(self, key: str) -> str:
        """The key as `known` writes it, whatever its case, spaces or a trailing comma; else as written."""
        written = " ".join(key.split()).rstrip(",，")
        return self._folded.get(written.casefold(), written)


def keyed_reader(layout: KeyedLayout) -> Callable[[str], Iterator[Reference]]:
    """The reader of an export in `layout`: its references, one by one."""

    def starts(line: str) -> bool:
        match = layout.field.match(_spaced(line.strip()))
        return match is not None and layout.canonical(match.group(1)) == layout.start

    def read(text: str) -> Iterator[Reference]:
        for line, reference in references(text.split("\n"), starts):
            yield _keyed_reference(layout, reference, line)

    return read


def _spaced(line: str) -> str:
    """The line with the wide or no-break space after its first word made a space: the one after a
    tag, where exports typed by hand or converted write `JF\u3000中国医科大学学报` (it was glued onto
    the title)."""
    return _WIDE_SPACE.sub(r"\1 ", line, count=1)


def field_line(layout: KeyedLayout, line: str, current: str | None) -> tuple[str, str] | None:
    """The key (canonical) and value where `line` starts a field, None where it continues `current`."""
    line = _spaced(line)
    match = layout.field.match(line)
    if match:
        key = layout.canonical(match.group(1))
        if key in layout.known or current not in layout.prose:
            return key, (match.group(2) or "").strip()
        return None
    if current in layout.prose or layout.loose is None:
        return None
    match = layout.loose.match(line)
    if match and layout.canonical(match.group(1)) in layout.known:
        return layout.canonical(match.group(1)), (match.group(2) or "").strip()
    return None


def _fields(layout: KeyedLayout, lines: list[str]) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """Each key's values (wrapped lines joined, a blank line kept as a paragraph break), and the unknown keys."""
    gathered: dict[str, list[list[str]]] = {}
    unknown: dict[str, None] = {}
    last: list[str] | None = None
    current: str | None = None
    texts = [raw.replace("\t", " ").strip() for raw in lines]
    for index, text in enumerate(texts):
        found = field_line(layout, text, current)
        if (
            found is not None
            and current in layout.prose
            and _prose_line(layout, texts, index, found[0], current, gathered)
        ):
            found = None
        if found is not None:
            current, value = found
            if current not in layout.known:
                unknown[current] = None
            last = [value]
            gathered.setdefault(current, []).append(last)
        elif last is not None:
            last.append(text)
    return joined(gathered), tuple(unknown)


def _prose_line(
    layout: KeyedLayout, texts: list[str], index: int, key: str, current: str | None, seen: Container[str]
) -> bool:
    """Whether a line inside a prose field that reads as a field line (`AD 患者`, `CR 组`) is the prose's text.

    It is when its key's field was written already (a reference writes each field once, but for a
    run of the field it continues: RefWorks' `K1` a keyword; CNKI writes `AD` before the abstract), or when its field is one that never wraps and the next line
    with text continues it: a wrapped abstract line starting with an abbreviation that is also a
    tag (`AD` Alzheimer's disease, `CR` complete response, `ID`, `C1`) cut the abstract there and
    dropped the rest of it with the tag's field.
    """
    if key in seen and key != current:
        return True
    if key in layout.prose:
        return False
    after = next((texts[at] for at in range(index + 1, len(texts)) if texts[at]), None)  # (no copy: linear)
    return after is not None and field_line(layout, after, key) is None


def _keyed_reference(layout: KeyedLayout, lines: list[str], line: int) -> Reference:
    fields, unknown = _fields(layout, lines)

    def values(part: str) -> list[str]:
        return [value for name in layout.keys.get(part, ()) for value in fields.get(name, [])]

    def first(part: str) -> str | None:
        return next((value for value in values(part) if value), None)

    kind = first("type")
    pages, end = first("pages"), first("end_page")
    return make_reference(
        line,
        first("title"),
        first("abstract"),
        Citation(
            format=layout.name,
            type=kind,
            authors=split(values("authors"), NAME_SEPARATORS),
            affiliations=split(values("affiliations"), NAME_SEPARATORS),
            supervisors=split(values("supervisors"), NAME_SEPARATORS) if is_thesis(kind) else [],
            journal=first("journal"),
            journal_en=first("journal_en"),
            publisher=first("publisher"),
            year=year(first("year")),
            volume=first("volume"),
            issue=None if is_thesis(kind) else first("issue"),  # CNKI's `IS 06` of a thesis is none of its own
            pages=f"{pages}-{end}" if pages and end and "-" not in pages else pages or end,
            standard_number=standard_number(values("standard_number")),
            doi=doi(first("doi")),
            url=url(values("url")),
            keywords=keywords(split(values("keywords"), KEYWORD_SEPARATORS)),
            database=first("database"),
        ),
        unknown,
    )
