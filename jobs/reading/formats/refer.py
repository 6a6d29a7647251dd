"""CNKI's EndNote/Refer export (`%0 Journal Article`, `%A ...`): its references, one by one.

Each reference starts at its `%0` line; a field is `%` and a one-character tag with its text
(CNKI sometimes glues the text to the tag, or a tag onto the text before it), and a line without
a tag continues the field before. Wanfang's and VIP's EndNote exports use the same tags. A tag
EndNote does not define (`%x`) is a field of its own, read and dropped, and named in the
reference's `unknown`; inside the abstract it is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...record import Citation
from ..exports.fields import (
    KEYWORD_SEPARATORS,
    NAME_SEPARATORS,
    doi,
    is_thesis,
    keywords,
    split,
    standard_number,
    url,
    year,
)
from ..exports.lines import joined, references
from ..exports.reference import Reference, make_reference, reference_reader
from .base import InputFormat

NAME = "cnki-refer"
# The first line (after blank lines and BOMs): `%` and a one-character tag (CNKI sometimes glues
# the text to the tag: `%K黄芪`). A tag could start an abstract ("%5的患者..."), so a title tag must
# also stand on a line of its own.
_FIRST_LINE = re.compile(r"%[0-9A-Z+@?~#$!&*^()|\]\[<>]")
_TITLE_LINE = re.compile(r"^[ \t]*%T ?\S", re.MULTILINE)
# `%` and a one-character tag: EndNote's tags are ASCII (`%的患者` starts no field).
_REFER_TAG = re.compile(r"%([!-~]) ?(.*)")
#: EndNote's tags (its `%0`...`%9`, `%A`...`%Z` and signs), those CNKI writes among them.
KNOWN_TAGS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+@?~#$!&*^()|][<>=")
# Fields whose wrapped lines may start with `%` and a sign ("%)"): a tag EndNote does not define is text there.
_PROSE = frozenset("X+TK")
# A tag CNKI wrote in the middle of a line, after the text: "...摘要。%K 黄芪". After a number
# it is a percentage before a word ("92%I 期患者", "8%A 型"), which split the abstract there and
# made its rest an author or the publisher.
_GLUED_TAG = re.compile(r"(?<![0-9０-９.．])%[KAYI+] ")


def read_refer(text: str) -> Iterator[Reference]:
    for line, lines in references(text.split("\n"), lambda line: line.lstrip().startswith("%0")):
        yield _refer_reference(lines, line)


def _refer_fields(lines: list[str]) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """Each tag's values (wrapped lines joined, a blank line kept as a paragraph break), and the unknown tags."""
    fields: dict[str, list[list[str]]] = {}
    unknown: dict[str, None] = {}
    last: list[str] | None = None
    current: str | None = None
    for raw in lines:
        for line in _unglued(raw.replace("\t", " ").strip()):
            match = _REFER_TAG.fullmatch(line)
            if match and (match.group(1) in KNOWN_TAGS or current not in _PROSE):
                current = match.group(1)
                if current not in KNOWN_TAGS:
                    unknown[current] = None
                last = [match.group(2).strip()]
                fields.setdefault(current, []).append(last)
            elif last is not None:  # a line without a tag continues the one before
                last.append(line)
    return joined(fields), tuple(unknown)


def _unglued(line: str) -> list[str]:
    """The line split before each tag that CNKI glued onto the text before it."""
    pieces, start = [], 0
    for match in _GLUED_TAG.finditer(line, 1):
        pieces.append(line[start : match.start()].rstrip())
        start = match.start()
    pieces.append(line[start:])
    return pieces


def _refer_reference(lines: list[str], line: int) -> Reference:
    fields, unknown = _refer_fields(lines)

    def first(*tags: str) -> str | None:
        return next((value for tag in tags for value in fields.get(tag, []) if value), None)

    def every(tag: str, separators: re.Pattern[str]) -> list[str]:
        return split(fields.get(tag, []), separators)

    kind, journal, publisher = first("0"), first("J", "B"), first("I")
    thesis = is_thesis(kind)
    if thesis and publisher is None:  # CNKI's older layout gives a thesis's university as its journal
        journal, publisher = None, journal
    # CNKI writes a standard's number as its volume (`%V GB/T 43109-2023`).
    standard = standard_number(fields.get("V", []))
    return make_reference(
        line,
        first("T"),
        first("X"),
        Citation(
            format=NAME,
            type=kind,
            authors=every("A", NAME_SEPARATORS),
            affiliations=every("+", NAME_SEPARATORS),
            supervisors=every("Y", NAME_SEPARATORS) if thesis else [],
            journal=journal,
            publisher=publisher,
            year=year(first("D", "8")),
            volume=None if standard else first("V"),
            issue=first("N"),
            pages=first("P"),
            standard_number=standard,
            doi=doi(first("R")),
            url=url(fields.get("U", [])),
            keywords=keywords(every("K", KEYWORD_SEPARATORS)),
            database=first("W"),
        ),
        unknown,
    )


FORMAT = InputFormat(
    NAME,
    "CNKI EndNote / Refer",
    "first line %0 Journal Article",
    read=reference_reader(read_refer),
    first_line=_FIRST_LINE,
    title_line=_TITLE_LINE,
    cites=True,
)
