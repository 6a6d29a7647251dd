"""A batch's JSONL read back for people: each record as the digest shows it, and the batch's figures.

Everything the digest pages and the feed show comes from `output/<batch>.jsonl` alone. The batch
date is the JSONL file's modification time in UTC, so it survives a rerender and changes only
when the batch is written again.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import RenderError
from ..language import HAN
from ..layout import BATCH_SUFFIX, HTML_SUFFIX, MARKDOWN_SUFFIX, RUNS_LOG_NAME
from ..layout import ERRORS_SUFFIX as _ERRORS_SUFFIX
from ..record import Record, SourceRef
from ..topics import TopicMatcher
from ..writing import open_regular
from .citation import Cited, Link, Name, cited, paper_keys
from .words import (
    DERIVED_TITLE_LABEL,
    FLAG_WORDS,
    LANGUAGE_NAMES,
    clean,
    engine_words,
    standalone_heading,
    summarizer_words,
)

#: Files in the output folder that end in .jsonl but are not batches.
_NOT_BATCHES = {RUNS_LOG_NAME}

_TITLE_LENGTH = 160
_DERIVED_TITLE_LENGTH = 120
_HAN = re.compile(HAN)
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary where there is one, with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:，、；：-") + "…"


def batch_date(path: Path) -> datetime:
    """The batch's date: its JSONL file's modification time, in UTC, to the second."""
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(microsecond=0)


def iso_date(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as Atom and `<time datetime>` want it."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def batch_files(output_dir: Path) -> list[Path]:
    """Every batch JSONL in `output_dir` (not the run log, error files or hidden files), by name."""
    if not output_dir.is_dir():
        return []
    return sorted(
        path
        for path in output_dir.iterdir()
        if path.name.endswith(BATCH_SUFFIX)
        and not path.name.startswith(".")
        and not path.name.endswith(_ERRORS_SUFFIX)
        and path.name not in _NOT_BATCHES
        and path.is_file()
    )


def batch_name(jsonl_path: Path) -> str:
    """The batch's name: its JSONL file's name less `.jsonl`, as the pipeline names it."""
    return clean(jsonl_path.name.removesuffix(BATCH_SUFFIX))


def errors_path(jsonl_path: Path) -> Path:
    """The file of records the run could not use, beside a batch's JSONL (present only if any)."""
    return jsonl_path.with_name(jsonl_path.name.removesuffix(BATCH_SUFFIX) + _ERRORS_SUFFIX)


#: Abstracts per page: a batch of 30,000 abstracts is 150 pages a browser opens at once, not one
#: page of 115 MB, and rendering holds one page in memory, not the batch.
PAGE_SIZE = 200


def page_count(abstracts: int) -> int:
    """How many pages a batch of `abstracts` gets (an empty batch gets one, saying so)."""
    return max(1, -(-abstracts // PAGE_SIZE))


def page_of(number: int) -> int:
    """The page that shows the batch's `number`th abstract (1-based)."""
    return (number - 1) // PAGE_SIZE + 1


def page_path(jsonl_path: Path, suffix: str, number: int = 1) -> Path:
    """Page `number` in the format with `suffix` (`.digest.html`) of a batch: `<batch>.digest.html`, `<batch>.digest-2.html`, ..."""
    stem = jsonl_path.name.removesuffix(BATCH_SUFFIX)
    if number == 1:
        return jsonl_path.with_name(stem + suffix)
    base, extension = suffix.rsplit(".", 1)
    return jsonl_path.with_name(f"{stem}{base}-{number}.{extension}")


def later_pages(jsonl_path: Path, suffix: str) -> dict[int, Path]:
    """The pages after the first that exist beside a batch's JSONL in the format with `suffix`, by number."""
    stem = jsonl_path.name.removesuffix(BATCH_SUFFIX)
    base, extension = suffix.rsplit(".", 1)
    pattern = re.compile(re.escape(f"{stem}{base}-") + r"([1-9][0-9]*)" + re.escape(f".{extension}"))
    found = {}
    for path in jsonl_path.parent.glob(f"{glob.escape(stem + base)}-*.{glob.escape(extension)}"):
        match = pattern.fullmatch(path.name)
        if match and int(match.group(1)) > 1:
            found[int(match.group(1))] = path
    return found


def iter_records(path: Path) -> Iterator[Record]:
    """The records of a batch JSONL, in order; a line that is not a record raises RenderError."""
    try:
        with io.TextIOWrapper(open_regular(path), encoding="utf-8", errors="replace", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except (ValueError, RecursionError) as error:
                    raise RenderError(
                        f"{path}, line {number}: not JSON ({error}); rerun the batch to rewrite it"
                    ) from None
                try:
                    yield Record.from_json(value)
                except ValueError:
                    raise RenderError(
                        f"{path}, line {number}: not a digest record; is this a batch output file?"
                    ) from None
    except OSError as error:
        raise RenderError(f"{path}: cannot be read: {error.strerror}") from None


@dataclass(frozen=True)
class Pair:
    """One sentence: the English side (original or translation) and the Chinese side."""

    en: str
    zh: str
    in_summary: bool


@dataclass(frozen=True)
class Entry:
    """One record as the digest shows it: the English side first, the originals kept for the fold."""

    number: int
    record_id: str
    anchor: str
    source_lang: str
    title: str
    title_derived: bool  # no title in the input: a sentence that stands alone stands in for one (`title_label`)
    original_title: str
    translated_title: str
    summary: list[str]
    summary_lang: str
    keywords: list[str]
    keywords_zh: list[str]
    author_keywords: list[str]
    flags: list[str]
    glossary_misses: list[str]  # 'English (Chinese)' for each glossary term the translation missed
    glossed: bool
    translated: bool
    pairs: list[Pair]
    engine: str
    model: str
    summarizer: str
    source: str
    #: What the citation says (names in pinyin with the original beside, the link or a search).
    cited: Cited = field(default_factory=Cited)
    #: The authors' keywords as written, when `author_keywords` holds their translation.
    author_keywords_original: list[str] = field(default_factory=list)
    #: The original title in pinyin, where it is Chinese.
    title_pinyin: str = ""
    #: What recognises the paper in other batches (`citation.paper_keys`): its DOI, else its title,
    #: journal and year; () where it has none of them.
    paper_keys: tuple[str, ...] = ()
    #: The names of the topics the record is in (a badge each on the batch's pages).
    topics: tuple[str, ...] = ()

    @property
    def title_label(self) -> str:
        """What the heading is, before it, where it is no title: "" for a title."""
        return DERIVED_TITLE_LABEL if self.title_derived else ""

    @property
    def citation(self) -> str:
        """ "Authors · Journal 53(4): 301-304 · 2012" from a reference export; "" for other inputs."""
        return " · ".join(self.cited.parts)

    @property
    def citation_parts(self) -> list[str]:
        """The citation line in its parts (authors, where, year), each set apart on the HTML page."""
        return self.cited.parts

    @property
    def link(self) -> Link | None:
        """The original publication (its DOI, else the database's http(s) URL), or None."""
        return self.cited.link

    @property
    def unsafe_link(self) -> str:
        """A link in the export that is not http(s) (`javascript:`, `data:`): shown as text only."""
        return self.cited.unsafe_link

    @property
    def year(self) -> str:
        return self.cited.year

    @property
    def journal(self) -> Name | None:
        return self.cited.journal

    @property
    def flag_words(self) -> list[str]:
        """The flags in words; unknown flags as they are."""
        return [FLAG_WORDS.get(flag, flag) for flag in self.flags]

    @property
    def provenance(self) -> str:
        """Where the record came from and what made it, in one line."""
        return " · ".join(label + text for label, text in self.provenance_parts)

    @property
    def provenance_parts(self) -> list[tuple[str, str]]:
        """The provenance as (label, text from the input) pairs, so that a page can set the input's text apart."""
        engine = engine_words(self.engine, self.model) if self.engine else ""
        summarizer = f"summary: {summarizer_words(self.summarizer)}" if self.summarizer else ""
        parts = [("id ", self.record_id), ("", self.source), (engine, ""), (summarizer, "")]
        return [(label, text) for label, text in parts if label or text]

    @property
    def language(self) -> str:
        """The language the abstract was written in, in words."""
        return LANGUAGE_NAMES.get(self.source_lang, self.source_lang)


@dataclass
class Figures:
    """A batch's counts and engines, gathered record by record."""

    abstracts: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    glossed: int = 0
    untranslated: Counter[str] = field(default_factory=Counter)
    engines: Counter[tuple[str, str]] = field(default_factory=Counter)
    summarizers: Counter[str] = field(default_factory=Counter)

    def add(self, record: Record) -> None:
        """Count one record."""
        self.abstracts += 1
        lang = clean(record.source_lang) or "unknown"
        self.by_language[lang] += 1
        translation = clean(record.engine.translation)
        if translation:
            self.engines[(translation, clean(record.engine.model))] += 1
        else:
            self.untranslated[lang] += 1
        if record.glossed:
            self.glossed += 1
        summarizer = clean(record.engine.summarizer)
        if summarizer:
            self.summarizers[summarizer] += 1

    def engine_lines(self) -> list[str]:
        """The engines in words: who translated how many abstracts, with which model."""
        lines = []
        for (engine, model), count in self.engines.most_common():
            lines.append(f"{engine_words(engine, model)}: {_abstracts(count)}")
        for lang, count in sorted(self.untranslated.items()):
            lines.append(f"not translated: {_abstracts(count, LANGUAGE_NAMES.get(lang, lang))}, shown as written")
        return lines

    def summarizer_line(self) -> str:
        """What the summaries are and how they were chosen, most used algorithm first."""
        if not self.summarizers:
            return "none recorded"
        methods = "; ".join(summarizer_words(name) for name, _ in self.summarizers.most_common())
        return f"whole sentences of each abstract, chosen by {methods}"

    def gloss_warning(self) -> str | None:
        """A plain warning when any record was glossed rather than machine-translated, else None."""
        if not self.glossed:
            return None
        which = f"All {self.glossed}" if self.glossed == self.abstracts else f"{self.glossed} of {self.abstracts}"
        return (
            f"{which} abstracts are word-by-word dictionary glosses, not translations: no translation "
            "model was used for them. Their English gives dictionary meanings of the Chinese words in "
            "Chinese word order. Read them for the gist and the terms, and check anything that matters "
            "against the original. Each one is marked “dictionary gloss, not a translation”."
        )

    def language_counts(self) -> str:
        """'12 Chinese, 7 English' (Chinese first, then English, then anything else), or 'all English'."""
        order = sorted(self.by_language, key=lambda lang: ({"zh": 0, "en": 1}.get(lang, 2), lang))
        if len(order) == 1:
            return f"all {LANGUAGE_NAMES.get(order[0], order[0])}"
        return ", ".join(f"{self.by_language[lang]} {LANGUAGE_NAMES.get(lang, lang)}" for lang in order)


@dataclass
class Batch:
    """One batch read back from its JSONL: name, date and figures (its entries are read page by page)."""

    name: str
    path: Path
    date: datetime
    figures: Figures
    errors: int  # records the run could not use (from <batch>.errors.jsonl)
    #: What its pages carry: the batch's `sources_key` and how many pages it has, `<key>-<pages>`
    #: ("" where it is not rendered into pages).
    sources: str = ""

    @property
    def pages(self) -> int:
        return page_count(self.figures.abstracts)

    @property
    def html_name(self) -> str:
        """The file name of the batch's HTML digest (its first page), beside its JSONL."""
        return page_path(self.path, HTML_SUFFIX).name

    @property
    def markdown_name(self) -> str:
        """The file name of the batch's Markdown digest (its first page), beside its JSONL."""
        return page_path(self.path, MARKDOWN_SUFFIX).name


@dataclass(frozen=True, order=True)
class Occurrence:
    """One record of a paper: in which batch (and when it was made), and where on its pages."""

    date: datetime
    batch: str
    number: int
    anchor: str
    page_name: str  # the HTML page showing it


@dataclass(frozen=True)
class Page:
    """One page of a batch's digest: its number, how many there are, and its entries."""

    number: int
    count: int
    entries: list[Entry]
    #: Each entry's paper elsewhere (by anchor): other batches, or earlier in this one (`papers.Papers`).
    elsewhere: dict[str, list[Occurrence]] = field(default_factory=dict)

    def file_name(self, batch: Batch, suffix: str, number: int | None = None) -> str:
        """The file name of this page (or of page `number`) of `batch` in the format with `suffix`."""
        return page_path(batch.path, suffix, self.number if number is None else number).name


def read_batch(path: Path, sources: str = "") -> Batch:
    """Read a batch JSONL's figures (one pass over it, holding one record at a time).

    `sources`: what its pages are made from, its `sources_key` and its links key (`Papers.links_key`).
    """
    figures = Figures()
    for record in iter_records(path):
        figures.add(record)
    return Batch(
        name=batch_name(path),
        path=path,
        date=batch_date(path),
        figures=figures,
        errors=_count_lines(errors_path(path)),
        sources=f"{sources}-{page_count(figures.abstracts)}" if sources else "",
    )


def iter_entries(path: Path, matcher: TopicMatcher | None = None) -> Iterator[Entry]:
    """The entries of a batch JSONL one by one, without reading the rest of the file (with their topics, given a `matcher`)."""
    anchors: set[str] = set()
    for number, record in enumerate(iter_records(path), start=1):
        entry = make_entry(record, number, anchors)
        yield replace(entry, topics=matcher.matches(record)) if matcher else entry


def iter_paper_keys(path: Path) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """Each record of a batch JSONL as its number, its anchor and its paper's keys, reading no more of it."""
    anchors: set[str] = set()
    for number, record in enumerate(iter_records(path), start=1):
        yield number, _anchor(clean(record.id) or f"record-{number}", anchors), paper_keys(record)


def make_entry(record: Record, number: int, anchors: set[str]) -> Entry:
    """The record as the digest shows it; `anchors` holds the anchors already used on the page."""
    record_id = clean(record.id) or f"record-{number}"
    source_lang = clean(record.source_lang) or "zh"
    target = record.target_lang
    title = record.title or {}
    indices = set(record.summary.indices) if isinstance(record.summary.indices, list) else set()
    flags = list(dict.fromkeys(clean(flag) for flag in record.flags if clean(flag)))
    if record.glossed and "gloss" not in flags:
        flags.append("gloss")
    translated = any(clean(pair.get(target)) for pair in record.sentences) or bool(clean(record.engine.translation))
    shown_title, derived = _english_title(title, record.sentences, record_id, source_lang)
    summary_lines, summary_lang = _summary(record.summary.sentences, record.sentences)
    keywords = record.keywords or {}
    author_keywords, author_keywords_original = _author_keywords(record)
    return Entry(
        number=number,
        record_id=record_id,
        anchor=_anchor(record_id, anchors),
        source_lang=source_lang,
        title=shown_title,
        title_derived=derived,
        original_title=clean(title.get(source_lang)),
        translated_title=clean(title.get(target)),
        summary=summary_lines,
        summary_lang=summary_lang,
        keywords=_keyword_list(keywords.get("en")),
        keywords_zh=_keyword_list(keywords.get("zh")),
        author_keywords=author_keywords,
        flags=flags,
        glossary_misses=_glossary_misses(record.glossary_misses),
        glossed=record.glossed,
        translated=translated,
        pairs=[
            Pair(clean(pair.get("en")), clean(pair.get("zh")), index in indices)
            for index, pair in enumerate(record.sentences)
        ],
        engine=clean(record.engine.translation),
        model=clean(record.engine.model),
        summarizer=clean(record.engine.summarizer),
        source=_source_text(record.source),
        cited=cited(record, clean(title.get(source_lang)) or clean(title.get(target))),
        author_keywords_original=author_keywords_original,
        title_pinyin=clean(record.pinyin.title) if record.pinyin is not None else "",
        paper_keys=paper_keys(record),
    )


def _author_keywords(record: Record) -> tuple[list[str], list[str]]:
    """The authors' keywords in English where translated (and as written, beside), else as written."""
    keywords = record.citation.keywords if record.citation is not None else None
    if not keywords:
        return _keyword_list(record.meta.get("keywords")), []
    english, chinese = _keyword_list(keywords.get("en")), _keyword_list(keywords.get("zh"))
    if english and chinese:
        return english, chinese
    return english or chinese, []


def _abstracts(count: int, language: str = "") -> str:
    words = f"{language} abstract" if language else "abstract"
    return f"{count} {words}{'' if count == 1 else 's'}"


def has_han(text: str) -> bool:
    """Whether the text contains Chinese characters (to mark it `lang="zh"`)."""
    return bool(_HAN.search(text))


def _english_title(
    title: dict[str, str | None], sentences: list[dict[str, str | None]], record_id: str, source_lang: str
) -> tuple[str, bool]:
    """The English title, else a whole English sentence that stands alone (`standalone_heading`),
    else the same in Chinese."""
    for lang in ("en", "zh"):
        if clean(title.get(lang)):
            return shorten(clean(title[lang]), _TITLE_LENGTH), False
        pairs = [(clean(pair.get(lang)), clean(pair.get(source_lang))) for pair in sentences]
        if any(text for text, _ in pairs):
            return standalone_heading(pairs, lang, _DERIVED_TITLE_LENGTH), True
    return record_id, True


def _summary(summary: dict[str, list[str] | None], sentences: list[dict[str, str | None]]) -> tuple[list[str], str]:
    """The English summary, else the original one (an untranslated record), else the first sentences."""
    for lang in ("en", "zh"):
        lines = [clean(line) for line in summary.get(lang) or [] if clean(line)]
        if lines:
            return lines, lang
    for lang in ("en", "zh"):
        lines = [clean(pair.get(lang)) for pair in sentences if clean(pair.get(lang))][:3]
        if lines:
            return lines, lang
    return [], "en"


def _keyword_list(value: Any) -> list[str]:
    """Keywords from a list, or from one string separated by semicolons or commas."""
    if isinstance(value, str):
        value = re.split(r"[;,；，、]", value)
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(clean(word) for word in value if clean(word)))


def _glossary_misses(misses: list[dict[str, str]]) -> list[str]:
    """Each missed glossary term as 'English (Chinese)'."""
    shown = []
    for miss in misses:
        zh, en = clean(miss.get("zh")), clean(miss.get("en"))
        if zh or en:
            shown.append(f"{en} ({zh})" if en and zh else en or zh)
    return shown


def _anchor(record_id: str, used: set[str]) -> str:
    """An HTML id for the record: its id where that is URL-safe, else a safe form and a hash."""
    base = _ANCHOR_UNSAFE.sub("-", record_id).strip("-.")
    if base != record_id or not base:
        base = f"{base[:60] or 'record'}-{hashlib.sha256(record_id.encode('utf-8', 'replace')).hexdigest()[:8]}"
    anchor, number = base, 1
    while anchor in used:  # the same id twice in a batch: later ones get -2, -3, ...
        number += 1
        anchor = f"{base}-{number}"
    used.add(anchor)
    return anchor


def _source_text(source: SourceRef) -> str:
    file = clean(source.file)
    if not file:
        return ""
    return f"{Path(file).name}, line {source.line}" if source.line > 0 else Path(file).name


def _count_lines(path: Path) -> int:
    try:
        with open_regular(path) as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 0


@dataclass(frozen=True)
class SentenceTable:
    """How a record's sentence-by-sentence part is headed, in the HTML and the Markdown alike."""

    heading: str
    count: str  # "11 sentences"
    english_column: str
    chinese_column: str
    both: bool  # both languages are shown side by side


def sentence_table(entry: Entry) -> SentenceTable:
    """The heading and column names of a record's originals and full translation."""
    both = entry.translated and any(pair.zh for pair in entry.pairs) and any(pair.en for pair in entry.pairs)
    count = f"{len(entry.pairs)} sentence{'' if len(entry.pairs) == 1 else 's'}"
    if entry.source_lang == "zh":
        kind = "gloss" if entry.glossed else "translation"
        heading = f"Chinese original and full English {kind}" if both else "Chinese original (not translated)"
        return SentenceTable(heading, count, f"English {kind}", "Chinese original", both)
    heading = "Full abstract, with Chinese translation" if both else "Full abstract"
    return SentenceTable(heading, count, "English original", "Chinese translation", both)
