"""What the export formats share about a field's value: from the text a tag holds to a citation part.

Several names or keywords in one tag split apart (`split`, with `NAME_SEPARATORS` or
`KEYWORD_SEPARATORS`), "Last, First" names as they are written (`last_first`), the authors'
keywords on the side of their language (`keywords`), the URL, year, DOI and standard number found
in a field's text (`url`, `year`, `doi`, `standard_number`), whether a reference is a thesis
(`is_thesis`), and the words converters write for a missing value (`is_placeholder`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...language import HAN

_HAN = re.compile(HAN)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_HTTP = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)
# A standard's number: its code (GB, GB/T, TB, ISO, DB11/T...), the number, the year it was issued
# (`GB/T 7178.1-1996`, `TB 10002.1-2005`, `GB 2760—2014`, `ISO 9001:2015`). Exports write it where
# they have no field for it (CNKI: NoteExpress `{ISBN}`, EndNote `%V`, RefWorks `C1` and `ID`); the
# year tells it from an ISBN (`7-203-03520-4`) or a patent's number (`CN111020404A`, `US11651140`).
# Group and enterprise standards (`T/CECS 123-2020`, `Q/GDW 1234-2014`), joint ones
# (`ISO/IEC 27001:2013`), one that adopts another (`GB/T 19001-2016/ISO 9001:2015`), an edition
# (`GB 50010-2010(2015年版)`) and the two-digit years of older ones (`GB 3838-88`) are standards too.
_STANDARD_CODE = r"[A-Z]{1,6}\d{0,2}(?:/[A-Z]{1,6})* ?\d+(?:\.\d+)*[-—–:]"
_STANDARD = re.compile(
    rf"{_STANDARD_CODE}(?:(?:19|20)\d\d|[5-9]\d)(?:/{_STANDARD_CODE}(?:19|20)\d\d)?(?:[(（](?:19|20)\d\d年版[)）])?"
)
# How the type of a thesis is written: EndNote's and NoteExpress's `Thesis`, RefWorks'
# `Dissertation/Thesis`, RIS's `THES`, BibTeX's `phdthesis`, `mastersthesis` and `thesis`.
_THESIS = re.compile(r"thes(?:is|\b)|dissertation", re.IGNORECASE)
# What a converter writes for a value it did not have: cnki2bib's `author = {Null}` (and
# `year = {Null}`), Python's None and JavaScript's null made text. Taken for a value, "Null" was
# shown as an author.
_PLACEHOLDER = re.compile(r"null|none", re.IGNORECASE)
# Where one URL ends and another starts in a field that holds several (RIS allows a UR line of
# URLs separated by ";"; exports write "; " or ";http"): at a ";" before whitespace or the end,
# and at a ";" or whitespace before a scheme ("https://"). A ";" inside a URL (a servlet's
# ";jsessionid=A1?id=42", matrix parameters ";lat=50") is followed by neither, and stays.
# (Whitespace is matched only from the start of its run: linear in a long run of spaces.)
_URL_SEPARATOR = re.compile(r";(?=\s|$)|;(?=[A-Za-z][A-Za-z0-9+.-]*://)|(?<!\s)\s+(?=[A-Za-z][A-Za-z0-9+.-]*://)")
# Several names or keywords in one tag: semicolons, and the full-width comma Chinese uses.
# A plain comma separates names only before a Chinese one ("张三,李四"): in "Smith, John" it
# is part of the name.
# (Whitespace is collapsed before splitting: a `\s*` here would be retried from every position
# of a long run of spaces, quadratic in its length.)
NAME_SEPARATORS = re.compile(r" ?[;；，、] ?| ?, ?(?=[\u3400-\u9fff])")
KEYWORD_SEPARATORS = re.compile(r" ?[;；，,、] ?")
# RIS (one author a line) and BibTeX (authors joined by "and") write a name "Last, First":
# Zotero writes a two-part Chinese name "张, 会佳". Told from two names ("张三,李四") by the
# space after the comma, or by a surname of one character.
_HAN_LAST_FIRST = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)(, ?)([\u3400-\u9fff\uf900-\ufaff]+)")


def split(values: list[str], separators: re.Pattern[str]) -> list[str]:
    """Every name or keyword in `values`, split where several share one tag, each once, in order."""
    parts = (part.strip() for value in values for part in separators.split(" ".join(value.split())))
    return list(dict.fromkeys(part for part in parts if part))


def last_first(names: list[str]) -> list[str]:
    """Names of formats that write one name "Last, First", a Chinese one as it is written (张会佳)."""
    shown = []
    for name in names:
        match = _HAN_LAST_FIRST.fullmatch(name.strip()) if isinstance(name, str) else None
        if match and (match.group(2) == ", " or len(match.group(1)) == 1):
            name = match.group(1) + match.group(3)
        shown.append(name)
    return shown


def keywords(words: list[str]) -> dict[str, list[str] | None] | None:
    """The authors' keywords on the side of their language; the other side comes with the translation."""
    if not words:
        return None
    lang = "zh" if any(_HAN.search(word) for word in words) else "en"
    return {lang: words, ("en" if lang == "zh" else "zh"): None}


def url(values: list[str]) -> str | None:
    """The first http(s) URL of the reference's URLs, else the first (shown as text, never linked).

    An export may give several (RIS `UR` lines, RefWorks `LK` and `UL`, several in one field): a
    `javascript:` or `file:` one first must not hide the database's link after it.
    """
    parts = (part.strip() for value in values if isinstance(value, str) for part in _URL_SEPARATOR.split(value))
    urls = [part for part in parts if part]
    return next((url for url in urls if _HTTP.match(url)), urls[0] if urls else None)


def standard_number(values: Sequence[str | None]) -> str | None:
    """The first of `values` that is a standard's number (`GB/T 7714-2015`), as written; None when none is."""
    return next((value.strip() for value in values if value and _STANDARD.fullmatch(value.strip())), None)


def is_thesis(kind: str | None) -> bool:
    """Whether the reference's type (as the export writes it) is a thesis or dissertation."""
    return bool(kind and _THESIS.search(kind))


def is_placeholder(value: str) -> bool:
    """Whether a field's whole text is a word converters write for no value (`Null`, `None`)."""
    return bool(_PLACEHOLDER.fullmatch(value.strip()))


def year(text: str | None) -> str | None:
    match = _YEAR.search(text or "")
    return match.group(1) if match else None


def doi(text: str | None) -> str | None:
    """The DOI in `text` (`10.xxxx/...`, also from a doi.org link or `doi:` prefix), or None."""
    match = _DOI.search(text or "")
    return match.group().rstrip(".,;") if match else None
