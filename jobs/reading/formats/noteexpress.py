"""NoteExpress exports (`{Reference Type}: Journal Article`, `{Title}: ...`), as CNKI writes them: one field a line."""

from __future__ import annotations

import re

from ..exports.keyed import KeyedLayout, keyed_reader
from ..exports.reference import reference_reader
from .base import InputFormat

LAYOUT = KeyedLayout(
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
# The first line (after blank lines and BOMs).
_FIRST_LINE = re.compile(r"\{Reference Type\}[:：]")


FORMAT = InputFormat(
    LAYOUT.name,
    "NoteExpress",
    "first line {Reference Type}: Journal Article",
    read=reference_reader(keyed_reader(LAYOUT)),
    first_line=_FIRST_LINE,
    cites=True,
)
