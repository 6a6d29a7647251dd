"""Text exports, the fallback: any file no other format is told by, read as abstracts one after another.

Chinese academic databases separate the abstracts of a "similar literature" export by the marker
`相似文献` at the end of a line; a plain list of abstracts separates them by blank lines. A file
with the marker is split at the marker, any other at blank lines.
"""

from __future__ import annotations

import re

from ..markup import clean_abstract
from ..source import CONTROL, CONTROL_RE, BatchSource, Records, SourceRecord
from .base import InputFormat

SIMILAR_LITERATURE_MARKER = "相似文献"
# The marker as exports write it, at the end of its line (stray spaces and NBSPs may follow):
# not the same words inside an abstract (相似文献推荐 is a research topic). The whitespace around
# it is stripped with each record's text, not matched here: a leading `\s*` would be retried
# from every position of a long run of spaces, quadratic in its length.
_MARKER_RE = re.compile(rf"{SIMILAR_LITERATURE_MARKER}(?=[ \t\u00a0\u3000]*(?:\n|\Z))")
_BLANK_LINES_RE = re.compile(r"\n[ \t\u00a0\u3000\r]*\n\s*")
# What comes before a record's first character: whitespace, control characters, and the BOMs that
# files concatenated onto another bring along.
_LEADING_SPACE_RE = re.compile(f"[\\s\ufeff{CONTROL}]*")


def read_text(source: BatchSource, text: str) -> Records:
    """The abstracts of a text export, each with the line it starts on."""
    separator = _MARKER_RE if _MARKER_RE.search(text) else _BLANK_LINES_RE
    bounds = [0]
    for match in separator.finditer(text):
        bounds += [match.start(), match.end()]
    bounds.append(len(text))
    number, line, counted = 0, 1, 0
    for start, end in zip(bounds[::2], bounds[1::2]):
        leading = _LEADING_SPACE_RE.match(text, start, end)
        first_char = leading.end() if leading else start
        chunk = clean_abstract(CONTROL_RE.sub("", text[first_char:end])).strip()
        if not chunk:
            continue
        number += 1
        # Lines counted on from the previous record: counting from the start each time is quadratic.
        line += text.count("\n", counted, first_char)
        counted = first_char
        yield SourceRecord(batch=source.name, file=str(source.path), line=line, number=number, text=chunk)


FORMAT = InputFormat(
    "text",
    "text export",
    f"any other file: abstracts separated by {SIMILAR_LITERATURE_MARKER}, else by blank lines",
    read=read_text,
)
