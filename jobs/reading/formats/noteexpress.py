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
        "supervisors": ("Tertiary Author",),  # a thesis's
        "journal": ("Journal", "Secondary Title"),
        "journal_en": ("Translated Journal",),  # Wanfang's: the journal's English name
        "publisher": ("Publisher",),  # a thesis's university, a standard's issuer
        "year": ("Year", "Date"),
        "volume": ("Volume",),
        "issue": ("Issue",),
        "pages": ("Pages",),
        # CNKI writes a standard's number in {ISBN}, VIP in {Notes}; one that is no standard number is not.
        "standard_number": ("ISBN", "Notes"),
        "doi": ("DOI",),
        "url": ("URL",),
        "keywords": ("Keywords",),
        "database": ("Database Provider",),
    },
    # The keys CNKI's and VIP's NoteExpress exports write ({Subsidiary Author,} with its comma too).
    frozenset(
        [
            *("Reference Type", "Title", "Translated Title", "Author", "Translated Author", "Author Address"),
            *("Tertiary Author", "Subsidiary Author", "Journal", "Translated Journal", "Secondary Title"),
            *("Tertiary Title", "Place Published", "Publisher", "Year", "Date", "TryDate", "Volume", "Issue"),
            *("Pages", "Keywords", "Abstract", "Subject", "ISBN/ISSN", "ISBN", "图书印刷版ISBN", "Notes"),
            *("Type of Work", "Section", "Language", "SrcDatabase", "Database Provider", "URL", "DOI"),
        ]
    ),
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
