"""RefWorks exports (`RT Journal Article`, `A1 ...`, `T1 ...`), as CNKI, Wanfang and VIP write them: one field a line."""

from __future__ import annotations

import re

from ..exports.keyed import KeyedLayout, keyed_reader
from ..exports.reference import reference_reader
from .base import InputFormat

LAYOUT = KeyedLayout(
    "refworks",
    re.compile(r"([A-Z][A-Z0-9]{1,4})(?: (.*)|$)"),
    "RT",
    {
        "type": ("RT",),
        "title": ("T1",),
        "abstract": ("AB",),
        "authors": ("A1",),
        "affiliations": ("AD",),
        "supervisors": ("A3",),  # a thesis's (CNKI's A3, as Zotero's translator reads it)
        "journal": ("JF", "JO", "T2"),
        "publisher": ("PB",),  # a thesis's university, a standard's issuers
        "year": ("YR", "FD"),
        "volume": ("VO",),
        "issue": ("IS",),
        # CNKI writes the whole page range in OP ("OP 1-12"), others the start page in SP.
        "pages": ("SP",),
        "end_page": ("OP",),
        "standard_number": ("C1", "ID"),  # a standard's, as CNKI writes it (an ID that is no standard number is not)
        "doi": ("DO",),
        "url": ("LK", "UL", "URL"),
        "keywords": ("K1",),
        # The database: `DS CNKI` (data source), `DB` in some exports.
        "database": ("DS", "DB"),
    },
    # RefWorks' tags, and those CNKI writes (C1, URL: a standard's number, its link).
    frozenset(
        "RT SR ID A1 A2 A3 A4 A5 A6 T1 T2 T3 JF JO YR FD VO IS SP OP K1 AB NO PB PP ED SN AV AD AN LA CL SF OT "
        "LK DO CN DB DS IP RD ST UL U1 U2 U3 U4 U5 U6 U7 U8 U9 U10 U11 U12 U13 U14 U15 SL LL CR WP WT WV OL "
        "PMID PMCID C1 URL".split()
    ),
    # CNKI writes `vo 49` in lower case, and the text glued to the tag after a Chinese one (`A1林行众`).
    re.compile(r"([A-Za-z][A-Za-z0-9]{1,4}(?= |$)|[A-Za-z][A-Za-z0-9](?=[^\x00-\x7f])) ?(.*)"),
    # An English abstract's line that starts "IL 6 ..." continues it.
    frozenset("AB NO AD K1 T1 T2 T3 OT".split()),
)
# The first line (after blank lines and BOMs): `RT` and the reference type. An abstract may start
# so too ("RT 检测..."), so a title line (`T1`) must also stand on a line of its own.
_FIRST_LINE = re.compile(r"RT [^\n]")
_TITLE_LINE = re.compile(r"^T1 \S", re.MULTILINE)


FORMAT = InputFormat(
    LAYOUT.name,
    "CNKI RefWorks",
    "first line RT Journal Article",
    read=reference_reader(keyed_reader(LAYOUT)),
    first_line=_FIRST_LINE,
    title_line=_TITLE_LINE,
    cites=True,
)
