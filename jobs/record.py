"""The output record: one abstract as `output/<batch>.jsonl` holds it, typed.

The pipeline builds `Record`s and writes `Record.as_json()`; the flags a record can carry are
defined here once, with the words readers see for them. `jobs/schema/record.schema.json`
describes the same shape for other programs; a test checks the two against each other.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from typing import Any

LANGUAGES = ("zh", "en")

#: Every flag, with the words a reader sees for it, and whether it warns the reader (shown
#: highlighted): what is only information (a truncated source) is not a warning.
FLAGS: dict[str, tuple[str, bool]] = {
    "truncated": ("truncated abstract", False),
    "traditional": ("traditional characters", False),
    "gloss": ("dictionary gloss, not a translation", True),
    "repetition": ("repetition in the translation", True),
    "glossary_miss": ("glossary miss", True),
    "empty_translation": ("empty translation of some sentences", True),
    # An LLM's numbered lines did not match the sentences sent: it translated them again one by one,
    # without the abstract around them.
    "realigned": ("translated again sentence by sentence", False),
    # A reference export that has a title but no abstract: only the title is translated.
    "no_abstract": ("no abstract in the export, title only", False),
}


def other_language(lang: str) -> str:
    """The language a record in `lang` is translated into."""
    return "en" if lang == "zh" else "zh"


def both(sides: dict[str, Any]) -> dict[str, Any]:
    """A {zh, en} object, keys always in that order, a missing side null."""
    return {lang: sides.get(lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class Summary:
    """The summary's sentences in both languages and how they were chosen.

    `indices` is one list in `aligned` mode (chosen on the source language, both sides the same
    sentences) and a {zh, en} object in `independent` mode.
    """

    sentences: dict[str, list[str] | None]
    indices: list[int] | dict[str, list[int] | None]
    mode: str

    def as_json(self) -> dict[str, Any]:
        return {**both(self.sentences), "indices": self.indices, "mode": self.mode}


@dataclass(frozen=True)
class EngineUsed:
    """The engine that translated the record (None if none did), its model, and the summary algorithm."""

    translation: str | None
    model: str | None
    summarizer: str

    def as_json(self) -> dict[str, Any]:
        return {"translation": self.translation, "model": self.model, "summarizer": self.summarizer}


@dataclass(frozen=True)
class SourceRef:
    """Where the record starts in its input: file, 1-based line, and its number in the batch."""

    file: str
    line: int
    record: int

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "record": self.record}


@dataclass(frozen=True)
class Citation:
    """What a reference export (EndNote, RefWorks, RIS, BibTeX) says about the publication.

    The title is the record's own `title`; everything else the export knows is here, typed.
    `publisher` is also a thesis's university and the body that issued a standard; `supervisors`
    are a thesis's. `keywords` are the authors' own, {zh, en}: the side they were written in, the
    other translated (null when untranslated or when the export has none).
    """

    format: str
    type: str | None = None
    authors: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)
    journal: str | None = None
    #: The journal's English name where the export gives it beside the Chinese one (Wanfang's
    #: NoteExpress `{Translated Journal}`: 临床医学研究与实践, Clinical Research and Practice).
    journal_en: str | None = None
    publisher: str | None = None
    year: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    standard_number: str | None = None
    doi: str | None = None
    url: str | None = None
    keywords: dict[str, list[str] | None] | None = None
    #: The database the export says it came from (EndNote `%W`, RefWorks `DS`, NoteExpress
    #: `{Database Provider}`, RIS `DP`), as written: `CNKI`, `万方数据`; None where it says nothing.
    database: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "type": self.type,
            "authors": self.authors,
            "affiliations": self.affiliations,
            "supervisors": self.supervisors,
            "journal": self.journal,
            "journal_en": self.journal_en,
            "publisher": self.publisher,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "standard_number": self.standard_number,
            "doi": self.doi,
            "url": self.url,
            "keywords": None if self.keywords is None else both(self.keywords),
            "database": self.database,
        }

    @classmethod
    def from_json(cls, value: Any) -> Citation | None:
        """A citation read back leniently; None where there is none."""
        if not isinstance(value, dict):
            return None
        keywords = value.get("keywords")
        return cls(
            format=_string(value.get("format")) or "",
            type=_string(value.get("type")) or None,
            authors=_strings(value.get("authors")) or [],
            affiliations=_strings(value.get("affiliations")) or [],
            supervisors=_strings(value.get("supervisors")) or [],
            journal=_string(value.get("journal")) or None,
            journal_en=_string(value.get("journal_en")) or None,
            publisher=_string(value.get("publisher")) or None,
            year=_string(value.get("year")) or None,
            volume=_string(value.get("volume")) or None,
            issue=_string(value.get("issue")) or None,
            pages=_string(value.get("pages")) or None,
            standard_number=_string(value.get("standard_number")) or None,
            doi=_string(value.get("doi")) or None,
            url=_string(value.get("url")) or None,
            keywords=None
            if not isinstance(keywords, dict)
            else {lang: _strings(keywords.get(lang)) for lang in LANGUAGES},
            database=_string(value.get("database")) or None,
        )


@dataclass(frozen=True)
class Pinyin:
    """The record's Chinese title and names in pinyin (made by `jobs.pinyin`), for readers who do
    not read Chinese characters and for citations.

    `authors`, `affiliations` and `supervisors` follow the citation's, one for one (a name that is
    not Chinese as it is); `title` is the Chinese title's, `journal` and `publisher` the
    citation's (None where not Chinese).
    """

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    journal: str | None = None
    publisher: str | None = None
    supervisors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "authors": self.authors,
            "affiliations": self.affiliations,
            "journal": self.journal,
            "publisher": self.publisher,
            "supervisors": self.supervisors,
        }

    @classmethod
    def from_json(cls, value: Any) -> Pinyin | None:
        """The pinyin read back leniently; None where there is none."""
        if not isinstance(value, dict):
            return None
        return cls(
            title=_string(value.get("title")) or None,
            authors=_strings(value.get("authors")) or [],
            affiliations=_strings(value.get("affiliations")) or [],
            journal=_string(value.get("journal")) or None,
            publisher=_string(value.get("publisher")) or None,
            supervisors=_strings(value.get("supervisors")) or [],
        )


@dataclass
class Record:
    """One abstract, its translation sentence by sentence, summary, keywords and what to trust."""

    id: str
    batch: str
    source_lang: str
    #: {zh, en} of the title, or None when the input has none.
    title: dict[str, str | None] | None
    #: {zh, en}: the whole abstract and its translation (None on an untranslated side).
    text: dict[str, str | None]
    #: One {zh, en} pair per sentence, in order.
    sentences: list[dict[str, str | None]]
    summary: Summary
    #: {zh, en} lists of extracted keywords, or None when none were asked for.
    keywords: dict[str, list[str] | None] | None
    engine: EngineUsed
    flags: list[str]
    meta: dict[str, Any]
    source: SourceRef
    glossary_misses: list[dict[str, str]] = field(default_factory=list)
    #: What a reference export says about the publication; None for other inputs (and not written).
    citation: Citation | None = None
    #: The Chinese title and the citation's Chinese names in pinyin; None where there are none (and not written).
    pinyin: Pinyin | None = None
    #: False only for a record read back from a file, which another version may have written.
    known_flags_only: InitVar[bool] = True

    def __post_init__(self, known_flags_only: bool) -> None:
        unknown = [flag for flag in self.flags if flag not in FLAGS]
        if unknown and known_flags_only:
            raise ValueError(f"unknown flags {unknown}; every flag is defined in jobs.record.FLAGS")

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Record:
        """A record read back from `output/<batch>.jsonl`, leniently.

        The file may come from another version of digest or have been edited by hand: a part that
        is missing or of the wrong type reads as empty, and flags this version does not know are
        kept. Only what makes no record at all raises ValueError.
        """
        if not isinstance(value, dict) or not isinstance(value.get("sentences"), list):
            raise ValueError("not a digest record")
        summary = _object(value.get("summary"))
        indices = summary.get("indices")
        engine = _object(value.get("engine"))
        source = _object(value.get("source"))
        title = value.get("title")
        keywords = value.get("keywords")
        return cls(
            id=_string(value.get("id")) or "",
            batch=_string(value.get("batch")) or "",
            source_lang=_string(value.get("source_lang")) or "zh",
            title=_sides(title) if isinstance(title, dict) else None,
            text=_sides(value.get("text")),
            sentences=[_sides(pair) for pair in value["sentences"]],
            summary=Summary(
                sentences={lang: _strings(summary.get(lang)) for lang in LANGUAGES},
                indices=(
                    [index for index in indices if type(index) is int]
                    if isinstance(indices, list)
                    else {lang: _integers(side) for lang, side in _object(indices).items()}
                ),
                mode=_string(summary.get("mode")) or "",
            ),
            keywords=None
            if not isinstance(keywords, dict)
            else {lang: _strings(keywords.get(lang)) for lang in LANGUAGES},
            engine=EngineUsed(
                _string(engine.get("translation")) or None,
                _string(engine.get("model")) or None,
                _string(engine.get("summarizer")) or "",
            ),
            flags=list(dict.fromkeys(flag for flag in _as_list(value.get("flags")) if isinstance(flag, str) and flag)),
            meta=_object(value.get("meta")),
            source=SourceRef(
                _string(source.get("file")) or "",
                source["line"] if type(source.get("line")) is int else 0,
                source["record"] if type(source.get("record")) is int else 0,
            ),
            glossary_misses=[
                sides
                for miss in map(_object, _as_list(value.get("glossary_misses")))
                if (sides := {lang: text for lang in LANGUAGES if (text := _string(miss.get(lang)))})
            ],
            citation=Citation.from_json(value.get("citation")),
            pinyin=Pinyin.from_json(value.get("pinyin")),
            known_flags_only=False,
        )

    @property
    def target_lang(self) -> str:
        return other_language(self.source_lang)

    @property
    def translated(self) -> bool:
        """Whether an engine translated the record's sentences."""
        return self.engine.translation is not None

    @property
    def glossed(self) -> bool:
        """Whether the translation is a word-by-word dictionary gloss."""
        return "gloss" in self.flags or self.engine.translation == "gloss"

    def as_json(self) -> dict[str, Any]:
        """The record as written to `output/<batch>.jsonl` (keys in this order)."""
        return {
            "id": self.id,
            "batch": self.batch,
            "source_lang": self.source_lang,
            "title": None if self.title is None else both(self.title),
            "text": both(self.text),
            "sentences": [both(pair) for pair in self.sentences],
            "summary": self.summary.as_json(),
            "keywords": None if self.keywords is None else both(self.keywords),
            **({"citation": self.citation.as_json()} if self.citation is not None else {}),
            **({"pinyin": self.pinyin.as_json()} if self.pinyin is not None else {}),
            "engine": self.engine.as_json(),
            "flags": self.flags,
            **({"glossary_misses": self.glossary_misses} if self.glossary_misses else {}),
            "meta": self.meta,
            "source": self.source.as_json(),
        }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _string(value: Any) -> str | None:
    """Text as read back: strings as they are, numbers as written, anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _sides(value: Any) -> dict[str, str | None]:
    """A {zh, en} object read back, each side text or None."""
    sides = _object(value)
    return {lang: _string(sides.get(lang)) for lang in LANGUAGES}


def _strings(value: Any) -> list[str] | None:
    """A list of texts read back, or None where there is no list."""
    if not isinstance(value, list):
        return None
    return [text for item in value if (text := _string(item)) is not None]


def _integers(value: Any) -> list[int] | None:
    return [index for index in value if type(index) is int] if isinstance(value, list) else None
