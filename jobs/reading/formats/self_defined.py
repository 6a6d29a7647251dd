"""CNKI's self-defined (自定义) export (`SrcDatabase-来源库: 期刊`, `Title-题名: ...`): one field a line."""

from __future__ import annotations

import re

from ..exports.keyed import KeyedLayout, keyed_reader
from ..exports.reference import reference_reader
from .base import InputFormat

# CNKI's 自定义 export names each field twice, "Title-题名:". Abstracts hold "COVID-19:" and
# the like, so only CNKI's own keys start a field.
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
