"""The per-chunk work: source records in, output records (or record errors) out, in input order.

`process_chunk` is a function of its arguments alone (a chunk and the run's context: no report, no
global state), so that an executor can run it in this process or in a worker elsewhere (`jobs.executor`).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from .context import RunContext
from .engines.base import TranslationEngine
from .glossary import Glossary
from .keywords import extract_keywords
from .language import detect_language, is_traditional, is_truncated, normalise_whitespace
from .messages import Warn
from .options import RunOptions
from .pinyin import record_pinyin
from .quality import is_repetitive
from .reading import RecordError, SourceRecord
from .record import LANGUAGES, Citation, EngineUsed, Record, SourceRef, both
from .record import Summary as RecordSummary
from .segment import split_sentences
from .summarize import choose_sentences
from .translators import Translators
from .wordseg import Segmenter


@dataclass
class PreparedAbstract:
    """A record tidied, classified and split, ready for translation and summary."""

    source: SourceRecord
    record_id: str
    lang: str
    text: str
    sentences: list[str]
    flags: list[str]
    title: str | None
    title_lang: str | None
    keywords: list[str] | None
    #: The authors' keywords from a reference export, and their language (None when there are none).
    author_keywords: list[str] | None = None
    author_keywords_lang: str | None = None


def prepare(
    record: SourceRecord, record_id: str, options: RunOptions, words: Segmenter | None = None
) -> PreparedAbstract:
    """Tidy the text, decide its language, flag it, split it into sentences and find its keywords."""
    text = normalise_whitespace(record.text)
    title = normalise_whitespace(record.title) if record.title else None
    # A reference with a title and no abstract: its language is the title's.
    lang = detect_language(text or title or "")
    flags = []
    if not text:
        flags.append("no_abstract")
    if is_truncated(text):
        flags.append("truncated")
    if lang == "zh" and is_traditional(text or title or ""):
        flags.append("traditional")
    # From the text as read, whose paragraph breaks end sentences (the record keeps it normalised).
    sentences = split_sentences(record.text, lang) if text else []
    title_lang = detect_language(title) if title else None
    citation_keywords = record.citation.keywords if record.citation is not None else None
    author_lang = next((side for side, words in (citation_keywords or {}).items() if words), None)
    return PreparedAbstract(
        source=record,
        record_id=record_id,
        lang=lang,
        text=text,
        sentences=sentences,
        flags=flags,
        title=title or None,
        title_lang=title_lang,
        keywords=extract_keywords(
            sentences, lang, options.keywords, options.keyword_method, words, title if title_lang == lang else None
        )
        if options.keywords
        else None,
        author_keywords=citation_keywords[author_lang] if citation_keywords and author_lang else None,
        author_keywords_lang=author_lang,
    )


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def process_chunk(
    chunk: list[SourceRecord], record_ids: dict[int, str], context: RunContext
) -> list[Record | RecordError]:
    """Records for one chunk, in input order; each pair's texts go to its engine in one call.

    A function of its arguments alone: no report, no global state, so that it can run elsewhere.
    """
    prepared: list[PreparedAbstract | RecordError] = []
    for record in chunk:
        try:
            prepared.append(prepare(record, record_ids[record.number], context.options, context.translators.words))
        except Exception as error:  # a bug on odd input: report it on the record, keep going
            prepared.append(_internal_error(record, error, context.warn))
    translated, repaired = _translate(prepared, context.translators)
    output: list[Record | RecordError] = []
    for index, item in enumerate(prepared):
        if isinstance(item, RecordError):
            output.append(item)
            continue
        translations = _translations_of(item, index, translated, repaired)
        try:
            output.append(_build_record(item, translations, context))
        except Exception as error:
            output.append(_internal_error(item.source, error, context.warn))
    return output


#: A record's texts in one language pair, by part (`sentences`, `keywords`, `title`, `author_keywords`).
RecordTexts = dict[str, list[str]]

#: Which of a record's texts travel together to a `document_level` engine (an LLM), as one document
#: each: the title first, then the abstract's sentences (each gives the other context, and a record
#: costs one prompt, not two); the keywords, with the authors' keywords, as a list of terms apart, so
#: that a change of keyword options never translates an abstract again.
DOCUMENT_PARTS = (("title", "sentences"), ("keywords", "author_keywords"))


def _translate(
    prepared: list[PreparedAbstract | RecordError], translators: Translators
) -> tuple[dict[tuple[str, str], dict[int, RecordTexts]], set[int]]:
    """Every text of the chunk in the other language, by pair, record and part; and the records whose translation was repaired.

    Each pair's texts go to its engine in one call; a pair nothing translates is absent.
    """
    requests: dict[tuple[str, str], dict[int, RecordTexts]] = {}
    for index, item in enumerate(prepared):
        if isinstance(item, PreparedAbstract):
            _queue(requests, index, item.lang, "sentences", item.sentences)
            _queue(requests, index, item.lang, "keywords", item.keywords or [])
            if item.title and item.title_lang:
                _queue(requests, index, item.title_lang, "title", [item.title])
            if item.author_keywords and item.author_keywords_lang:
                _queue(requests, index, item.author_keywords_lang, "author_keywords", item.author_keywords)
    translated: dict[tuple[str, str], dict[int, RecordTexts]] = {}
    repaired: set[int] = set()
    for pair, records in requests.items():
        engine = translators.get(*pair)
        if engine is not None and any(texts for parts in records.values() for texts in parts.values()):
            translated[pair] = _translate_pair(engine, records, translators, repaired)
    return translated, repaired


def _queue(
    requests: dict[tuple[str, str], dict[int, RecordTexts]], index: int, lang: str, part: str, texts: list[str]
) -> None:
    requests.setdefault((lang, _other(lang)), {}).setdefault(index, {})[part] = texts


def _translate_pair(
    engine: TranslationEngine, records: dict[int, RecordTexts], translators: Translators, repaired: set[int]
) -> dict[int, RecordTexts]:
    """One pair's texts translated in one call: a sentence engine gets every text of the chunk in the
    order queued, a document engine each record's documents (`DOCUMENT_PARTS`); adds the records
    whose translation was repaired to `repaired`."""
    documents: list[list[str]] = []
    places: list[tuple[int, list[str]]] = []  # each document's record and its parts, in order
    for index, parts in records.items():
        groups = [[name for name in group if name in parts] for group in DOCUMENT_PARTS]
        for names in groups if engine.document_level else [list(parts)]:
            document = [text for name in names for text in parts[name]]
            if document:
                documents.append(document)
                places.append((index, names))
    translated: dict[int, RecordTexts] = {index: {name: [] for name in parts} for index, parts in records.items()}
    for (index, names), done in zip(places, translators.translate_documents(engine, documents)):
        texts = iter(done.sentences)
        for name in names:
            translated[index][name] = [next(texts) for _ in records[index][name]]
        if done.repaired:
            repaired.add(index)
    return translated


@dataclass
class Translations:
    """A prepared abstract's texts in the other language; None for a side that was not translated."""

    sentences: list[str] | None
    keywords: list[str] | None
    title: str | None
    author_keywords: list[str] | None
    #: Whether the engine had to repair the translation of one of its texts (flag `realigned`).
    repaired: bool = False


def _translations_of(
    item: PreparedAbstract, index: int, translated: dict[tuple[str, str], dict[int, RecordTexts]], repaired: set[int]
) -> Translations:
    """The abstract's own translations, out of the chunk's (see `_translate`)."""

    def part(lang: str | None, name: str) -> list[str] | None:
        table = translated.get((lang, _other(lang))) if lang else None
        return None if table is None else table.get(index, {}).get(name, [])

    titles = part(item.title_lang, "title") if item.title else None
    return Translations(
        sentences=part(item.lang, "sentences"),
        keywords=part(item.lang, "keywords"),
        title=titles[0] if titles else None,
        author_keywords=part(item.author_keywords_lang, "author_keywords"),
        repaired=index in repaired,
    )


def _build_record(item: PreparedAbstract, translations: Translations, context: RunContext) -> Record:
    """The output record of a prepared abstract and its translations (no side effects)."""
    translators = context.translators
    source_lang, target_lang = item.lang, _other(item.lang)
    sentence_translations = translations.sentences
    engine = translators.get(source_lang, target_lang) if sentence_translations is not None else None
    flags, glossary_misses = _flags(item, sentence_translations, engine, translators.glossary, translations.repaired)
    titles = {item.title_lang: item.title, _other(item.title_lang): translations.title} if item.title_lang else {}
    summary, algorithm = _summary(item, sentence_translations, titles, translators.words, context.options)
    targets: Sequence[str | None] = (
        sentence_translations if sentence_translations is not None else [None] * len(item.sentences)
    )
    joined = None if sentence_translations is None else _join(sentence_translations, target_lang)
    return Record(
        id=item.record_id,
        batch=item.source.batch,
        source_lang=source_lang,
        title=titles if item.title and item.title_lang else None,
        text={source_lang: item.text, target_lang: joined},
        sentences=[{source_lang: s, target_lang: t} for s, t in zip(item.sentences, targets)],
        summary=summary,
        keywords=None if item.keywords is None else {source_lang: item.keywords, target_lang: translations.keywords},
        engine=EngineUsed(engine.name if engine else None, engine.model if engine else None, algorithm),
        flags=flags,
        meta=item.source.meta,
        source=SourceRef(item.source.file, item.source.line, item.source.number),
        glossary_misses=glossary_misses,
        citation=_citation(item, translations.author_keywords),
        # The title's pinyin where it was written in Chinese (never a translation's).
        pinyin=record_pinyin(item.title if item.title_lang == "zh" else None, item.source.citation),
    )


def _citation(item: PreparedAbstract, translations: list[str] | None) -> Citation | None:
    """The export's citation, its authors' keywords with their translation beside them."""
    citation = item.source.citation
    if citation is None or not item.author_keywords or not item.author_keywords_lang:
        return citation
    lang = item.author_keywords_lang
    return dataclasses.replace(citation, keywords={lang: item.author_keywords, _other(lang): translations})


def _flags(
    item: PreparedAbstract,
    translations: list[str] | None,
    engine: TranslationEngine | None,
    glossary: Glossary,
    repaired: bool = False,
) -> tuple[list[str], list[dict[str, str]]]:
    """What a reader should know about the record, and the glossary terms its English misses."""
    flags = list(item.flags)
    misses: list[dict[str, str]] = []
    if repaired:  # of any of its texts, the title's too
        flags.append("realigned")
    if engine is None or translations is None:
        return flags, misses
    flags += [flag for flag in engine.record_flags if flag not in flags]
    if any(not translation.strip() for translation in translations):
        flags.append("empty_translation")
    if any(is_repetitive(translation) for translation in translations):
        flags.append("repetition")
    if item.lang == "zh" and glossary:
        misses = glossary.misses(item.text, _join(translations, _other(item.lang)))
        if misses:
            flags.append("glossary_miss")
    return flags, misses


def _summary(
    item: PreparedAbstract,
    translations: list[str] | None,
    titles: dict[str, str | None],
    words: Segmenter,
    options: RunOptions,
) -> tuple[RecordSummary, str]:
    """The summary in both languages (aligned: chosen on the source; or each on its own), and its algorithm."""
    source_lang, target_lang = item.lang, _other(item.lang)
    chosen = choose_sentences(
        item.sentences,
        source_lang,
        options.summary_size,
        options.summarizer,
        title=titles.get(source_lang),
        words=words,
    )
    indices: dict[str, list[int] | None] = {source_lang: chosen.indices, target_lang: None}
    if translations is not None:
        indices[target_lang] = (
            choose_sentences(
                translations,
                target_lang,
                options.summary_size,
                options.summarizer,
                title=titles.get(target_lang),
                words=words,
            ).indices
            if options.summary_mode == "independent"
            else chosen.indices
        )
    sides: dict[str, list[str] | None] = {source_lang: item.sentences, target_lang: translations}
    summary = RecordSummary(
        sentences={lang: _pick(sides[lang], indices[lang]) for lang in LANGUAGES},
        indices=chosen.indices if options.summary_mode == "aligned" else both(indices),
        mode=options.summary_mode,
    )
    return summary, chosen.algorithm


def _pick(sentences: list[str] | None, indices: list[int] | None) -> list[str] | None:
    """The sentences at `indices`, or None for a side that was not translated."""
    return None if sentences is None or indices is None else [sentences[i] for i in indices]


def _join(sentences: list[str], lang: str) -> str:
    return (" " if lang == "en" else "").join(sentences)


def _internal_error(record: SourceRecord, error: Exception, warn: Warn) -> RecordError:
    warn(f"{record.file}, line {record.line}: internal error on this record:\n{traceback.format_exc()}")
    return RecordError(record.file, record.line, record.number, f"internal error: {error!r}")
