"""Reference-manager exports: which format a text file is, and its references one by one.

Chinese databases name every export `.txt`, so the format is told by content, from the file's
first line: CNKI's EndNote/Refer (`%0 Journal Article`, `%A ...`), RefWorks (`RT Journal
Article`), NoteExpress (`{Reference Type}: ...`), CNKI's self-defined export (`SrcDatabase-来源库:
...`), RIS (`TY  - JOUR`, read with rispy) and BibTeX (`@article{`, read with bibtexparser).
Each reference becomes one SourceRecord with its abstract as the text, its title, and a
`Citation` of what the export says about the publication. A reference with a title but no
abstract is kept (the pipeline flags it); one with neither is a RecordError with its line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .language import HAN
from .record import Citation

#: Why a reference is no record.
NO_TITLE_OR_ABSTRACT = "the reference has neither a title nor an abstract"

#: The formats, by the name the record's `citation.format` gives them.
FORMATS = ("cnki-refer", "refworks", "ris", "bibtex", "noteexpress", "cnki-self-defined")

# The first line (after blank lines and BOMs) of each format. Refer: `%` and a one-character
# tag (CNKI sometimes glues the text to the tag: `%K黄芪`). RIS: a two-character tag, two
# spaces, a dash (some tools write one space).
_FIRST_LINE = {
    "cnki-refer": re.compile(r"%[0-9A-Z+@?~#$!&*^()|\]\[<>]"),
    "refworks": re.compile(r"RT [^\n]"),
    "ris": re.compile(r"TY {1,2}- "),
    # An entry's head with its key and comma (`@article{zhang2023,`), or a @string, @preamble or
    # @comment block: an abstract may well start "@RISK (Palisade) software was used ...".
    "bibtex": re.compile(r"@\s*(?:(?:string|preamble|comment)\s*[{(]|[A-Za-z]+\s*[{(]\s*[^\s,{}()]*\s*,)", re.I),
    "noteexpress": re.compile(r"\{Reference Type\}[:：]"),
    "cnki-self-defined": re.compile(r"(SrcDatabase|Title)-[^:：\s]*[:：]"),
}
_TITLE_LINE = {
    "cnki-refer": re.compile(r"^[ \t]*%T ?\S", re.MULTILINE),
    "refworks": re.compile(r"^T1 \S", re.MULTILINE),
}
_BIBTEX_COMMENT = re.compile(r"%(\s|$)")
_HAN = re.compile(HAN)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_NO_TEXT = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ufeff]+")
_HTTP = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)
# Several names or keywords in one tag: semicolons, and the full-width comma Chinese uses.
# A plain comma separates names only before a Chinese one ("张三,李四"): in "Smith, John" it
# is part of the name.
# (Whitespace is collapsed before splitting: a `\s*` here would be retried from every position
# of a long run of spaces, quadratic in its length.)
_NAME_SEPARATORS = re.compile(r" ?[;；，、] ?| ?, ?(?=[\u3400-\u9fff])")
_KEYWORD_SEPARATORS = re.compile(r" ?[;；，,、] ?")
# RIS (one author a line) and BibTeX (authors joined by "and") write a name "Last, First":
# Zotero writes a two-part Chinese name "张, 会佳". Told from two names ("张三,李四") by the
# space after the comma, or by a surname of one character.
_HAN_LAST_FIRST = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)(, ?)([\u3400-\u9fff\uf900-\ufaff]+)")
# Bibtexparser reports a block it cannot parse through logging as well as in failed_blocks.
logging.getLogger("bibtexparser").setLevel(logging.ERROR + 1)


@dataclass
class Reference:
    """One reference as an export gives it: where it starts, and its fields or why it is unusable."""

    line: int
    title: str | None
    abstract: str | None
    citation: Citation | None
    problem: str | None = None


def detect_format(text: str) -> str | None:
    """The export format of a text file by its first line, or None for plain text.

    BibTeX files may start with `%` comment lines (as JabRef and Zotero write them): those are
    passed over to find the first entry. Only the lines looked at are split off, so telling a
    large plain-text batch costs next to nothing.
    """
    lines = (line.strip("\ufeff \t\u3000\u00a0") for line in _lazy_lines(text))
    first = next((line for line in lines if line), "")
    if _BIBTEX_COMMENT.match(first):
        first = next((line for line in lines if line and not _BIBTEX_COMMENT.match(line)), "")
        return "bibtex" if _FIRST_LINE["bibtex"].match(first) else None
    for name, pattern in _FIRST_LINE.items():
        if pattern.match(first):
            # A one-character tag could start an abstract ("%5的患者..."): Refer and RefWorks also
            # need their title tag on a line of its own.
            title = _TITLE_LINE.get(name)
            return name if title is None or title.search(text) else None
    return None


def _lazy_lines(text: str) -> Iterator[str]:
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def read_references(format_name: str, text: str) -> Iterator[Reference]:
    """The references of an export in `format_name`, in order (text with "\\n" line ends)."""
    # Exports concatenated onto each other (`cat a.txt b.txt`) bring each file's BOM along, at
    # the start of a line in the middle of the text: left there, it hides the tag that starts a
    # reference, and that reference is merged into the one before. U+FEFF is no text anywhere.
    return _READERS[format_name](text.replace("\ufeff", ""))


# --- CNKI EndNote / Refer ------------------------------------------------------------------

_REFER_TAG = re.compile(r"%(\S) ?(.*)")
# A tag CNKI wrote in the middle of a line, after the text: "...摘要。%K 黄芪".
_GLUED_TAG = re.compile(r"%[KAYI+] ")


def _refer(text: str) -> Iterator[Reference]:
    for line, lines in _references(text.split("\n"), lambda line: line.lstrip().startswith("%0")):
        yield _refer_reference(lines, line)


def _references(lines: list[str], starts: Callable[[str], bool]) -> Iterator[tuple[int, list[str]]]:
    """Each reference's first line number and lines: from one line that `starts` one to the next.

    Abstracts may hold blank lines of their own, so the line that starts a reference (`%0`,
    `RT`) wins wherever there is one; an export without such lines is split on blank lines.
    """
    typed = any(starts(line) for line in lines)
    start: int | None = None
    if typed:
        # Lines before the first start line are a reference too (one without its `%0` or `RT`
        # line), or something else: either way the reader must say, not drop them unseen.
        first = next(number for number, line in enumerate(lines, start=1) if starts(line))
        start = next((number for number, line in enumerate(lines[: first - 1], start=1) if _has_text(line)), None)
    for number, line in enumerate(lines, start=1):
        begins = starts(line) if typed else bool(line.strip())
        if start is not None and (begins if typed else not line.strip()):
            yield start, lines[start - 1 : number - 1]
            start = None
        if start is None and begins:
            start = number
    if start is not None:
        yield start, lines[start - 1 :]


def _refer_fields(lines: list[str]) -> dict[str, list[str]]:
    fields: dict[str, list[list[str]]] = {}
    last: list[str] | None = None
    for raw in lines:
        for line in _unglued(raw.replace("\t", " ").strip()):
            match = _REFER_TAG.fullmatch(line)
            if match:
                last = [match.group(2).strip()]
                fields.setdefault(match.group(1), []).append(last)
            elif line and last is not None:  # a line without a tag continues the one before
                last.append(line)
    return _joined(fields)


def _has_text(line: str) -> bool:
    """Whether a line holds more than whitespace and control characters (a DOS ^Z at the end)."""
    return bool(_NO_TEXT.sub("", line))


def _joined(fields: dict[str, list[list[str]]]) -> dict[str, list[str]]:
    """Each field's lines joined by line ends: gathered first, as copying the field onto every
    continuation line would be quadratic in the number of lines."""
    return {key: ["\n".join(lines) for lines in values] for key, values in fields.items()}


def _unglued(line: str) -> list[str]:
    """The line split before each tag that CNKI glued onto the text before it."""
    pieces, start = [], 0
    for match in _GLUED_TAG.finditer(line, 1):
        pieces.append(line[start : match.start()].rstrip())
        start = match.start()
    pieces.append(line[start:])
    return pieces


def _refer_reference(lines: list[str], line: int) -> Reference:
    fields = _refer_fields(lines)

    def first(*tags: str) -> str | None:
        return next((value for tag in tags for value in fields.get(tag, []) if value), None)

    def every(tag: str, separators: re.Pattern[str]) -> list[str]:
        return _split(fields.get(tag, []), separators)

    doi = first("R")
    return _reference(
        line,
        first("T"),
        first("X"),
        Citation(
            format="cnki-refer",
            type=first("0"),
            authors=every("A", _NAME_SEPARATORS),
            affiliations=every("+", _NAME_SEPARATORS),
            journal=first("J", "B"),
            year=_year(first("D", "8")),
            volume=first("V"),
            issue=first("N"),
            pages=first("P"),
            doi=_doi(doi),
            url=_url(fields.get("U", [])),
            keywords=_keywords(every("K", _KEYWORD_SEPARATORS)),
        ),
    )


# --- RIS (rispy) ---------------------------------------------------------------------------

_RIS_START = re.compile(r"TY {1,2}- ")
# A tag line written with one space before the dash (`TI - ...`), as some tools do: rispy only
# knows two (`TI  - `). Rewritten only in a reference whose `TY` line has one space, so that an
# abstract's wrapped line such as "CT - guided biopsy ..." in a two-space file stays text.
_RIS_ONE_SPACE_TAG = re.compile(r"^([A-Z][A-Z0-9]) -(?: |$)", re.MULTILINE)


def _ris(text: str) -> Iterator[Reference]:
    import rispy  # here, not above: a run without RIS files does not wait for it

    lists = [*rispy.LIST_TYPE_TAGS, "AD"]
    for start, lines in _references(text.split("\n"), lambda line: bool(_RIS_START.match(line))):
        chunk = "\n".join(lines).replace("\t", " ")
        if not _RIS_START.match(lines[0]):
            yield Reference(start, None, None, None, "text before the first reference's TY  - line: not RIS")
            continue
        if lines[0].startswith("TY - "):
            chunk = _RIS_ONE_SPACE_TAG.sub(r"\1  - ", chunk)
        try:
            entries = rispy.loads(_ris_lines_joined(chunk, lists), list_tags=lists)
        except Exception as error:  # rispy raises IOError and others for lines it cannot read
            yield Reference(start, None, None, None, f"not a readable RIS reference: {error}")
            continue
        if not entries:
            yield Reference(start, None, None, None, "a RIS reference without its end line (ER  -)")
            continue
        yield _ris_reference(entries[0], start)
        # rispy stops at ER and ignores the rest up to the next TY: a reference that lost its
        # TY line, or another format pasted after the last reference, would vanish unseen.
        after = chunk.split("\n")
        end = next((number for number, line in enumerate(after) if line.startswith("ER  -")), len(after))
        extra = next((number for number, line in enumerate(after[end + 1 :], start=end + 1) if _has_text(line)), None)
        if extra is not None:
            yield Reference(
                start + extra,
                None,
                None,
                None,
                "text after a reference's end line (ER  -) that is no reference: one without its TY  - line?",
            )


def _ris_lines_joined(chunk: str, lists: list[str]) -> str:
    """The reference with each field's wrapped lines joined onto its tag line by spaces.

    rispy does the same, but by copying the field onto each line (quadratic in their number).
    Lines after a tag that holds a list (AU, KW, UR) are each an item to rispy: left alone.
    """
    out: list[list[str]] = []
    joinable = False
    for line in chunk.split("\n"):
        if line[2:5] == "  -" and line[:2].isupper() and line[:1].isalpha():  # rispy's test of a tag line
            out.append([line])
            joinable = line[:2] not in lists and line[:2] != "ER"
        elif joinable:
            out[-1].append(line.strip())
        else:
            out.append([line])
    return "\n".join(" ".join(parts) for parts in out)


def _ris_reference(entry: dict[str, object], line: int) -> Reference:
    def first(*keys: str) -> str | None:
        for key in keys:
            value = entry.get(key)
            values = value if isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, str) and item.strip():
                    return item.strip()
        return None

    def every(*keys: str) -> list[str]:
        values: list[str] = []
        for key in keys:
            value = entry.get(key)
            values += [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)]
        return values

    start, end = first("start_page"), first("end_page")
    return _reference(
        line,
        first("title", "primary_title"),
        first("abstract", "notes_abstract"),
        Citation(
            format="ris",
            type=first("type_of_reference"),
            authors=_split(_last_first(every("authors", "first_authors")), _NAME_SEPARATORS),
            affiliations=_split(every("author_address"), _NAME_SEPARATORS),
            journal=first(
                "secondary_title", "journal_name", "alternate_title3", "alternate_title1", "alternate_title2"
            ),
            year=_year(first("year", "publication_year", "date")),
            volume=first("volume"),
            issue=first("number"),
            pages=f"{start}-{end}" if start and end else start or end,
            doi=_doi(first("doi")),
            url=_url(every("urls")),
            keywords=_keywords(_split(every("keywords"), _KEYWORD_SEPARATORS)),
        ),
    )


# --- BibTeX (bibtexparser) -----------------------------------------------------------------


def _bibtex(text: str) -> Iterator[Reference]:
    # Read twice: once with LaTeX decoded for the words people read (`{\\'e}`, `--`), once
    # without for DOIs and URLs, where `~` and `%` are characters, not LaTeX.
    decoded, failed = _bibtex_entries(text, decode=True)
    plain, _ = _bibtex_entries(text, decode=False)
    found = [Reference(line, None, None, None, f"not a readable BibTeX entry: {problem}") for line, problem in failed]
    for line, entry in decoded.items():
        fields = {key.lower(): field.value for key, field in entry.fields_dict.items()}
        links = {key.lower(): field.value for key, field in plain[line].fields_dict.items()} if line in plain else {}
        authors = fields.get("author")
        found.append(
            _reference(
                line,
                _first(fields, "title"),
                _first(fields, "abstract"),
                Citation(
                    format="bibtex",
                    type=entry.entry_type,
                    authors=_split(
                        _last_first([_latex_name(name) for name in authors] if isinstance(authors, list) else []),
                        _NAME_SEPARATORS,
                    ),
                    affiliations=_split([_first(fields, "affiliation") or ""], _NAME_SEPARATORS),
                    journal=_first(fields, "journal", "booktitle", "school"),
                    year=_year(_first(fields, "year", "date")),
                    volume=_first(fields, "volume"),
                    issue=_first(fields, "number", "issue"),
                    pages=_first(fields, "pages"),
                    doi=_doi(_first(links, "doi")),
                    url=_first(links, "url"),
                    keywords=_keywords(_split([_first(fields, "keywords", "keyword") or ""], _KEYWORD_SEPARATORS)),
                ),
            )
        )
    found.sort(key=lambda reference: reference.line)
    return iter(found)


def _bibtex_entries(text: str, decode: bool) -> tuple[dict[int, Any], list[tuple[int, str]]]:
    """The entries by their 1-based first line, and the (line, problem) of each block that failed.

    Two entries with the same key (common when several exports are pasted together) are both
    kept: the key means nothing to digest.
    """
    import bibtexparser  # here, not above: a run without BibTeX files does not wait for it
    from bibtexparser import middlewares, model

    def parse(source: str) -> Any:
        # Authors are split before LaTeX is decoded, or the braces that protect a name
        # ("{Food and Drug Administration}") are gone and it is split at its "and"; the names
        # are decoded one by one (`_latex_name`), as the middleware leaves lists alone.
        extra = [middlewares.SeparateCoAuthors(), middlewares.LatexDecodingMiddleware()] if decode else []
        return bibtexparser.parse_string(source, append_middleware=extra)

    library = parse(text)
    entries = {(entry.start_line or 0) + 1: entry for entry in library.entries}
    failed = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock) and block.raw:
            again = parse(block.raw)
            if len(again.entries) == 1 and not again.failed_blocks:
                entries[line] = again.entries[0]
                continue
        failed.append((line, _bibtex_error(block)))
    return dict(sorted(entries.items())), failed


def _latex_name(name: object) -> str:
    """One BibTeX author as text: LaTeX decoded (`{\\"O}zil` is Özil), protecting braces dropped."""
    if not isinstance(name, str):
        return ""
    from pylatexenc.latex2text import LatexNodes2Text  # bibtexparser's own LaTeX decoder

    try:
        return str(LatexNodes2Text(math_mode="verbatim").latex_to_text(name))
    except Exception:  # pylatexenc's parse errors, and RecursionError for absurd nesting
        return name


def _first(fields: dict[str, object], *keys: str) -> str | None:
    """The first of `keys` that holds text, stripped."""
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _bibtex_error(block: object) -> str:
    error = getattr(block, "error", None)
    message = str(error).strip() if error else ""
    # bibtexparser's own hints are for programmers ("Note: ... failed_block.ignore_error_block").
    return message.split("\n")[0].split(". Note:")[0] or "syntax error"


# --- RefWorks, NoteExpress and CNKI's self-defined export: one "key value" a line -----------


@dataclass(frozen=True)
class _Layout:
    """A format of one field a line: how a field line looks, which key starts a reference, what maps where."""

    name: str
    field: re.Pattern[str]  # group 1 the key, group 2 the value
    start: str
    #: citation part -> the format's keys for it, best first ("end_page": where a start page's end is)
    keys: dict[str, tuple[str, ...]]
    #: Keys that are fields; a line with another key continues the field before (None: every key).
    known: frozenset[str] | None = None


_REFWORKS = _Layout(
    "refworks",
    re.compile(r"([A-Z][A-Z0-9])(?: (.*)|$)"),
    "RT",
    {
        "type": ("RT",),
        "title": ("T1",),
        "abstract": ("AB",),
        "authors": ("A1",),
        "affiliations": ("AD",),
        "journal": ("JF", "JO", "T2"),
        "year": ("YR", "FD"),
        "volume": ("VO",),
        "issue": ("IS",),
        # CNKI writes the whole page range in OP ("OP 1-12"), others the start page in SP.
        "pages": ("SP",),
        "end_page": ("OP",),
        "doi": ("DO",),
        "url": ("LK", "UL"),
        "keywords": ("K1",),
    },
    # RefWorks' tags: an English abstract's line that starts "IL 6 ..." continues it.
    frozenset(
        "RT SR A1 A2 A3 A4 A5 T1 T2 T3 JF JO YR FD VO IS SP OP K1 AB NO PB PP ED SN AV AD AN LA CL SF OT "
        "LK DO CN DB DS IP RD ST UL U1 U2 U3 U4 U5 WP WT WV".split()
    ),
)
_NOTEEXPRESS = _Layout(
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
# CNKI's 自定义 export names each field twice, "Title-题名:". Abstracts hold "COVID-19:" and
# the like, so only CNKI's own keys start a field.
_SELF_DEFINED = _Layout(
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


def _keyed(layout: _Layout) -> Callable[[str], Iterator[Reference]]:
    def read(text: str) -> Iterator[Reference]:
        lines = text.split("\n")

        def key(line: str) -> str | None:
            match = layout.field.match(line.strip())
            if match and (layout.known is None or match.group(1) in layout.known):
                return match.group(1)
            return None

        for line, reference in _references(lines, lambda line: key(line) == layout.start):
            yield _keyed_reference(layout, reference, line, key)

    return read


def _keyed_reference(layout: _Layout, lines: list[str], line: int, key: Callable[[str], str | None]) -> Reference:
    gathered: dict[str, list[list[str]]] = {}
    last: list[str] | None = None
    for raw in lines:
        text = raw.replace("\t", " ").strip()
        name = key(text)
        if name is not None:
            match = layout.field.match(text)
            last = [(match.group(2) or "").strip() if match else ""]
            gathered.setdefault(name, []).append(last)
        elif text and last is not None:
            last.append(text)
    fields = _joined(gathered)

    def first(part: str) -> str | None:
        return next((value for name in layout.keys.get(part, ()) for value in fields.get(name, []) if value), None)

    def every(part: str, separators: re.Pattern[str]) -> list[str]:
        return _split([value for name in layout.keys.get(part, ()) for value in fields.get(name, [])], separators)

    pages, end = first("pages"), first("end_page")

    return _reference(
        line,
        first("title"),
        first("abstract"),
        Citation(
            format=layout.name,
            type=first("type"),
            authors=every("authors", _NAME_SEPARATORS),
            affiliations=every("affiliations", _NAME_SEPARATORS),
            journal=first("journal"),
            year=_year(first("year")),
            volume=first("volume"),
            issue=first("issue"),
            pages=f"{pages}-{end}" if pages and end and "-" not in pages else pages or end,
            doi=_doi(first("doi")),
            url=_url([value for name in layout.keys.get("url", ()) for value in fields.get(name, [])]),
            keywords=_keywords(every("keywords", _KEYWORD_SEPARATORS)),
        ),
    )


# --- shared --------------------------------------------------------------------------------


def _reference(line: int, title: str | None, abstract: str | None, citation: Citation) -> Reference:
    title = _one_line(title)
    abstract = (abstract or "").strip() or None
    if not title and not abstract:
        return Reference(line, None, None, None, NO_TITLE_OR_ABSTRACT)
    return Reference(line, title, abstract, citation)


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None


def _split(values: list[str], separators: re.Pattern[str]) -> list[str]:
    """Every name or keyword in `values`, split where several share one tag, each once, in order."""
    parts = (part.strip() for value in values for part in separators.split(" ".join(value.split())))
    return list(dict.fromkeys(part for part in parts if part))


def _last_first(names: list[str]) -> list[str]:
    """Names of formats that write one name "Last, First", a Chinese one as it is written (张会佳)."""
    shown = []
    for name in names:
        match = _HAN_LAST_FIRST.fullmatch(name.strip()) if isinstance(name, str) else None
        if match and (match.group(2) == ", " or len(match.group(1)) == 1):
            name = match.group(1) + match.group(3)
        shown.append(name)
    return shown


def _keywords(words: list[str]) -> dict[str, list[str] | None] | None:
    """The authors' keywords on the side of their language; the other side comes with the translation."""
    if not words:
        return None
    lang = "zh" if any(_HAN.search(word) for word in words) else "en"
    return {lang: words, ("en" if lang == "zh" else "zh"): None}


def _url(values: list[str]) -> str | None:
    """The first http(s) URL of the reference's URLs, else the first (shown as text, never linked).

    An export may give several (RIS `UR` lines, RefWorks `LK` and `UL`): a `javascript:` or
    `file:` one first must not hide the database's link after it.
    """
    urls = [value.strip() for value in values if isinstance(value, str) and value.strip()]
    return next((url for url in urls if _HTTP.match(url)), urls[0] if urls else None)


def _year(text: str | None) -> str | None:
    match = _YEAR.search(text or "")
    return match.group(1) if match else None


def _doi(text: str | None) -> str | None:
    """The DOI in `text` (`10.xxxx/...`, also from a doi.org link or `doi:` prefix), or None."""
    match = _DOI.search(text or "")
    return match.group().rstrip(".,;") if match else None


_READERS: dict[str, Callable[[str], Iterator[Reference]]] = {
    "cnki-refer": _refer,
    "refworks": _keyed(_REFWORKS),
    "ris": _ris,
    "bibtex": _bibtex,
    "noteexpress": _keyed(_NOTEEXPRESS),
    "cnki-self-defined": _keyed(_SELF_DEFINED),
}
