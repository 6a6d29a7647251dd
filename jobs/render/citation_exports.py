"""Bilingual citation exports: RIS, BibTeX and CSL-JSON files of a batch's (or a topic's) records.

Every reference's title is the English one (the translation of a Chinese title), with the title
as written beside it, the abstract in both languages, the authors as written (and in pinyin, from
`Record.pinyin`, as are the original title, journal, publisher and supervisors), the keywords,
and the DOI or link. What each format carries where, and why (checked against Zotero's
importers, translators RIS.js and BibTeX.js), is in docs/output.md:

- RIS: `TI` the English title; `N1` notes "Original title: ...", "Chinese abstract: ...",
  "Authors in pinyin: ..." and the other names in pinyin (Zotero keeps each as a note; its `TT`
  is the *translated* title and its second abstract would be a note without a label); `AB` the English abstract; `TA` the
  authors in pinyin (EndNote's Translated Author); `T2` the journal; `DO`, `UR`, `KW`, `LA`.
- BibTeX: `title` (capitals kept with braces), `origtitle` and `langid` (biblatex; Zotero drops
  them), `abstract` English, `note` the same notes as RIS (Zotero keeps it as a note).
- CSL-JSON: `title`, `original-title` (CSL's variable for it), `abstract`, `note`, `DOI`, `URL`.

Every value is one line: whitespace (newlines included) is collapsed, and control characters are
dropped, so that no field can end a RIS line or add a tag of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any, TextIO

from ..record import Record
from ..writing import atomic_text_file
from .citation import original_link
from .words import clean

_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:-]+")
_HAN_OR_AND = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\sand\s", re.IGNORECASE)
#: LaTeX's special characters, each as it is written to be itself.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("[" + re.escape("".join(_BIBTEX_ESCAPES)) + "]")
_LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}
_PAGES = re.compile(r"\s*(\S+?)\s*(?:[-–—~]+\s*(\S+))?\s*")


@dataclass(frozen=True)
class Reference:
    """One record as a reference manager takes it: the English title first, the original beside."""

    key: str
    kind: str  # "journal", "thesis", "conference" or "other"
    title: str
    original_title: str  # the title as written, where that is not the English one
    language: str
    authors: list[str] = field(default_factory=list)
    authors_pinyin: list[str] = field(default_factory=list)
    journal: str = ""
    publisher: str = ""  # a thesis's university, a standard's issuer
    supervisors: list[str] = field(default_factory=list)  # a thesis's
    #: The Chinese title, journal, publisher and supervisors in pinyin ("" and [] where none is Chinese).
    title_pinyin: str = ""
    journal_pinyin: str = ""
    publisher_pinyin: str = ""
    supervisors_pinyin: list[str] = field(default_factory=list)
    number: str = ""  # a standard's (GB/T 7178.1-1996)
    year: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    abstract: str = ""  # English
    original_abstract: str = ""  # Chinese: the original, or its translation for an English abstract
    keywords: list[str] = field(default_factory=list)
    doi: str = ""
    url: str = ""

    @property
    def notes(self) -> list[str]:
        """What no field of every manager holds, as labelled notes."""
        notes = []
        if self.original_title:
            notes.append(f"Original title: {self.original_title}")
        if self.title_pinyin:
            notes.append(f"Original title in pinyin: {self.title_pinyin}")
        if self.original_abstract:
            side = "original" if self.language == "zh" else "translation"
            notes.append(f"Chinese abstract ({side}): {self.original_abstract}")
        if self.supervisors:
            notes.append("Supervisors: " + "; ".join(self.supervisors))
        if any(self.authors_pinyin):
            notes.append("Authors in pinyin: " + "; ".join(self.authors_pinyin))
        if any(self.supervisors_pinyin):
            notes.append("Supervisors in pinyin: " + "; ".join(self.supervisors_pinyin))
        if self.journal_pinyin:
            where = {"journal": "Journal", "conference": "Proceedings"}.get(self.kind, "Source")
            notes.append(f"{where} in pinyin: {self.journal_pinyin}")
        if self.publisher_pinyin and self.publisher_pinyin != self.journal_pinyin:  # a newspaper's is itself
            who = {"thesis": "University", "standard": "Issuer"}.get(self.kind, "Publisher")
            notes.append(f"{who} in pinyin: {self.publisher_pinyin}")
        return notes


def references(records: Iterable[Record]) -> Iterator[Reference]:
    """The records as references, each with a citation key of its own in the file."""
    keys: set[str] = set()
    for number, record in enumerate(records, start=1):
        yield reference(record, _key(clean(record.id) or f"record-{number}", keys))


def reference(record: Record, key: str) -> Reference:
    """One record as a reference."""
    title = record.title or {}
    english, chinese = clean(title.get("en")), clean(title.get("zh"))
    citation, pinyin = record.citation, record.pinyin
    link, _ = original_link(citation)
    doi = clean(citation.doi) if citation is not None else ""
    authors, authors_pinyin = _names(citation.authors if citation else [], pinyin.authors if pinyin else [])
    supervisors, supervisors_pinyin = _names(
        citation.supervisors if citation else [], pinyin.supervisors if pinyin else []
    )
    keywords = _keywords(record)
    return Reference(
        key=key,
        kind=_kind(
            citation.type if citation else None,
            citation.journal if citation else None,
            citation.standard_number if citation else None,
        ),
        title=english or chinese or _first_sentence(record),
        original_title=chinese if english and record.source_lang != "en" else "",
        language=clean(record.source_lang) or "zh",
        authors=authors,
        authors_pinyin=authors_pinyin,
        journal=clean(citation.journal) if citation else "",
        publisher=clean(citation.publisher) if citation else "",
        supervisors=supervisors,
        title_pinyin=clean(pinyin.title) if pinyin and chinese and english and record.source_lang != "en" else "",
        journal_pinyin=clean(pinyin.journal) if pinyin else "",
        publisher_pinyin=clean(pinyin.publisher) if pinyin else "",
        supervisors_pinyin=supervisors_pinyin,
        number=clean(citation.standard_number) if citation else "",
        year=clean(citation.year) if citation else "",
        volume=clean(citation.volume) if citation else "",
        issue=clean(citation.issue) if citation else "",
        pages=clean(citation.pages) if citation else "",
        abstract=clean(record.text.get("en")),
        original_abstract=clean(record.text.get("zh")),
        keywords=keywords,
        doi=doi if link is not None and link.text == f"doi:{doi}" else "",
        url=link.href if link is not None else "",
    )


def _names(names: Iterable[str | None], pinyin: Iterable[str | None]) -> tuple[list[str], list[str]]:
    """The names as written (empty ones left out) and, one for one, in pinyin (the record's
    `Pinyin` follows the citation's names); no pinyin where it says nothing the names do not."""
    pairs = [(clean(name), clean(spoken)) for name, spoken in zip_longest(names, pinyin)]
    pairs = [(name, spoken or name) for name, spoken in pairs if name]
    written = [name for name, _ in pairs]
    spoken = [spoken for _, spoken in pairs]
    return written, spoken if spoken != written else []


def _key(record_id: str, used: set[str]) -> str:
    """A citation key: the record's id where that is safe in every format, else a safe form and a hash."""
    base = _KEY_UNSAFE.sub("-", record_id).strip("-")
    if base != record_id or not base or not base[0].isalpha():
        base = f"{base[:40] or 'ref'}-{hashlib.sha256(record_id.encode('utf-8', 'replace')).hexdigest()[:8]}"
        base = base if base[0].isalpha() else f"ref-{base}"
    key, number = base, 1
    while key.casefold() in used:
        number += 1
        key = f"{base}-{number}"
    used.add(key.casefold())
    return key


def _kind(kind: str | None, journal: str | None, standard_number: str | None) -> str:
    """The kind of publication, from the export's type in its words (`Thesis`, `THES`, `phdthesis`, `学位论文`)."""
    words = clean(kind).casefold()
    if any(word in words for word in ("thes", "dissertation", "学位")) and "journal" not in words:
        return "thesis"
    if any(word in words for word in ("conf", "proceedings", "会议", "论文集")):
        return "conference"
    if "standard" in words or "stand" == words or "标准" in words or clean(standard_number):
        return "standard"
    return "journal" if clean(journal) else "other"


def _keywords(record: Record) -> list[str]:
    """The authors' keywords in both languages where the export has them, else the extracted ones."""
    found = record.citation.keywords if record.citation is not None else None
    if not found or not any(found.values()):
        found = record.keywords
    words = [clean(word) for lang in ("en", "zh") for word in (found or {}).get(lang) or []]
    return list(dict.fromkeys(word for word in words if word))


def _first_sentence(record: Record) -> str:
    for lang in ("en", "zh"):
        for pair in record.sentences:
            if clean(pair.get(lang)):
                return clean(pair.get(lang))[:200]
    return clean(record.id)


def _split_pages(pages: str) -> tuple[str, str]:
    match = _PAGES.fullmatch(pages)
    return (match.group(1), match.group(2) or "") if match else (pages, "")


def sources_line(key: str) -> str:
    """The line that tells a file digest wrote (`sources.is_readers_file`), with what it was made from."""
    return f"<!-- digest-sources: {key} -->\n" if key else ""


# --- RIS ---------------------------------------------------------------------------------------

_RIS_TYPES = {"journal": "JOUR", "thesis": "THES", "conference": "CONF", "standard": "STAND", "other": "GEN"}


def write_ris(handle: TextIO, refs: Iterable[Reference], key: str = "") -> None:
    """RIS, one reference after another, every value on its one line; `key` (what the file was made
    from) on a line before the first (RIS readers skip what comes before a `TY` line)."""
    handle.write(sources_line(key))
    for ref in refs:
        start, end = _split_pages(ref.pages)
        lines = [("TY", _RIS_TYPES[ref.kind]), ("ID", ref.key), ("TI", ref.title)]
        lines += [("AU", name) for name in ref.authors]
        lines += [("TA", "; ".join(ref.authors_pinyin))] if ref.authors_pinyin else []
        lines += [("A3", name) for name in ref.supervisors]  # Zotero: a thesis's contributors
        lines += [("T2", ref.journal), ("PB", ref.publisher), ("PY", ref.year)]
        lines += [("SN", ref.number)]  # a standard's Document Number (Zotero: STAND is a report, SN its number)
        lines += [("VL", ref.volume), ("IS", ref.issue)]
        lines += [("SP", start), ("EP", end), ("AB", ref.abstract)]
        lines += [("N1", note) for note in ref.notes]
        lines += [("KW", word) for word in ref.keywords]
        lines += [("DO", ref.doi), ("UR", ref.url), ("LA", _LANGUAGE_NAMES.get(ref.language, ref.language))]
        for tag, value in lines:
            if clean(value):
                handle.write(f"{tag}  - {clean(value)}\n")
        handle.write("ER  - \n\n")


# --- BibTeX ------------------------------------------------------------------------------------

_BIBTEX_TYPES = {
    "journal": "article",
    "thesis": "phdthesis",
    "conference": "inproceedings",
    "standard": "misc",
    "other": "misc",
}


def bibtex_escape(text: str) -> str:
    """Text as a BibTeX value that LaTeX (and bibtexparser with its decoder) reads back as the text itself."""
    return _BIBTEX_SPECIAL.sub(lambda match: _BIBTEX_ESCAPES[match.group()], clean(text))


def _verbatim(text: str) -> str:
    """A DOI or URL as it is (biblatex reads both verbatim, and Zotero writes them so): none that could end the field."""
    return "" if re.search(r"[{}\\\s]", text) else text


def _bibtex_name(name: str) -> str:
    """A name for `author`: a Chinese name, or one with ' and ' in it, kept whole in braces."""
    escaped = bibtex_escape(name)
    return f"{{{escaped}}}" if _HAN_OR_AND.search(name) else escaped


def write_bibtex(handle: TextIO, refs: Iterable[Reference], key: str = "") -> None:
    """BibTeX (with biblatex's `origtitle` and `langid`), UTF-8, every special character escaped;
    `key` (what the file was made from) on a line before the first entry (BibTeX skips text outside one)."""
    handle.write(sources_line(key))
    for ref in refs:
        fields = [
            ("title", f"{{{bibtex_escape(ref.title)}}}"),  # braces: styles keep its capitals
            ("origtitle", bibtex_escape(ref.original_title)),
            ("author", " and ".join(_bibtex_name(name) for name in ref.authors)),
            (
                "journal" if ref.kind == "journal" else "booktitle" if ref.kind == "conference" else "howpublished",
                bibtex_escape(ref.journal),
            ),
            ("school" if ref.kind == "thesis" else "publisher", bibtex_escape(ref.publisher)),
            ("year", bibtex_escape(ref.year)),
            ("volume", bibtex_escape(ref.volume)),
            ("number", bibtex_escape(ref.number if ref.kind == "standard" else ref.issue)),
            ("pages", bibtex_escape("--".join(part for part in _split_pages(ref.pages) if part))),
            ("abstract", bibtex_escape(ref.abstract)),
            ("note", bibtex_escape(". ".join(ref.notes))),
            ("keywords", bibtex_escape(", ".join(ref.keywords))),
            ("doi", _verbatim(ref.doi)),
            ("url", _verbatim(ref.url)),
            ("langid", "chinese" if ref.language == "zh" else "english"),
        ]
        handle.write(f"@{_BIBTEX_TYPES[ref.kind]}{{{ref.key},\n")
        handle.write("".join(f"  {name} = {{{value}}},\n" for name, value in fields if value and value != "{}"))
        handle.write("}\n\n")


# --- CSL-JSON ----------------------------------------------------------------------------------

_CSL_TYPES = {
    "journal": "article-journal",
    "thesis": "thesis",
    "conference": "paper-conference",
    "standard": "standard",
    "other": "article",
}


def csl_item(ref: Reference) -> dict[str, Any]:
    """One reference as a CSL-JSON item (CSL 1.0.2's schema)."""
    item: dict[str, Any] = {"id": ref.key, "type": _CSL_TYPES[ref.kind], "title": ref.title}
    optional: dict[str, Any] = {
        "original-title": ref.original_title,
        "author": [_csl_name(name) for name in ref.authors],
        "container-title": ref.journal,
        "publisher": ref.publisher,
        "number": ref.number,
        "volume": ref.volume,
        "issue": ref.issue,
        "page": ref.pages,
        "abstract": ref.abstract,
        "note": "\n".join(ref.notes),
        "keyword": ", ".join(ref.keywords),
        "DOI": ref.doi,
        "URL": ref.url,
        "language": ref.language,
    }
    if re.fullmatch(r"[0-9]{4}", ref.year):
        optional["issued"] = {"date-parts": [[int(ref.year)]]}
    item.update((name, value) for name, value in optional.items() if value)
    return item


def _csl_name(name: str) -> dict[str, str]:
    """A name as CSL takes it: "Family, Given" split; a Chinese or other name whole (`literal`)."""
    family, comma, given = name.partition(",")
    if comma and family.strip() and given.strip() and not _HAN_OR_AND.search(name):
        return {"family": family.strip(), "given": given.strip()}
    return {"literal": name}


def write_csl_json(handle: TextIO, refs: Iterable[Reference], key: str = "") -> None:
    """A CSL-JSON array, one item a line, written as the references come; the first item carries
    `key` (what the file was made from) as its `custom` variable, first."""
    handle.write("[")
    for number, ref in enumerate(refs):
        item = csl_item(ref)
        if number == 0 and key:
            item = {"custom": {"digest-sources": key}, **item}
        handle.write(("\n" if number == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
    handle.write("\n]\n")


@dataclass(frozen=True)
class ExportFormat:
    """One citation format: its name, its file suffix and its writer."""

    name: str
    suffix: str
    write: Callable[[TextIO, Iterable[Reference], str], None]


EXPORT_FORMATS = (
    ExportFormat("ris", ".ris", write_ris),
    ExportFormat("bibtex", ".bib", write_bibtex),
    ExportFormat("csl-json", ".csl.json", write_csl_json),
)


def export_paths(base: Path) -> list[Path]:
    """The export files of `base` (`output/<batch>` or `output/topics/<name>`): `.ris`, `.bib`, `.csl.json`."""
    return [base.with_name(base.name + export.suffix) for export in EXPORT_FORMATS]


def write_exports(base: Path, records: Callable[[], Iterable[Record]], key: str) -> list[Path]:
    """Write every export of the records `records()` gives (read once per format), each file atomically,
    each carrying `key`, what it was made from: a copy of one put among the inputs is no batch."""
    written = []
    for export, path in zip(EXPORT_FORMATS, export_paths(base), strict=True):
        with atomic_text_file(path) as handle:
            export.write(handle, references(records()), key)
        written.append(path)
    return written
