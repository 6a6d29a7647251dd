"""CNKI's self-defined (自定义) export (`SrcDatabase-来源库: 期刊`, `Title-题名: ...`): one field a line."""

from __future__ import annotations

import re

from ..exports.keyed import KeyedLayout, keyed_reader
from ..exports.reference import reference_reader
from .base import InputFormat

# CNKI's 自定义 export names each field twice, "Title-题名:". Abstracts hold "COVID-19:" and
# the like, so inside one only CNKI's own keys start a field.
LAYOUT = KeyedLayout(
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
        "publisher": ("Publisher",),
        "year": ("Year", "PubTime"),
        "volume": ("Volum", "Volume", "Roll"),
        "issue": ("Period",),
        # The page range: `Page-页码` (`PageCount-页数` the number of pages beside it), else `PageCount-页码`.
        "pages": ("Page", "Pages", "PageCount"),
        "doi": ("DOI",),
        "url": ("URL", "Link"),
        "keywords": ("Keyword",),
    },
    frozenset(
        "SrcDatabase Title Author Organ Source Keyword Summary PubTime FirstDuty Fund Year Volum Volume Roll "
        "Period PageCount Page CLC DOI URL Link ISSN ISBN Publisher Pages City Meeting".split()
    ),
    # An abstract's "COVID-19: ..." at the start of a line continues it.
    prose=frozenset(["Summary", "Title", "Organ", "Fund", "Keyword"]),
)
# The first line (after blank lines and BOMs).
_FIRST_LINE = re.compile(r"(SrcDatabase|Title)-[^:：\s]*[:：]")


FORMAT = InputFormat(
    LAYOUT.name,
    "CNKI self-defined",
    "first line SrcDatabase-来源库: 期刊",
    read=reference_reader(keyed_reader(LAYOUT)),
    first_line=_FIRST_LINE,
    cites=True,
)
