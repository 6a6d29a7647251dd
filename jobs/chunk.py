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
    translated = _translate(prepared, context.translators)
    output: list[Record | RecordError] = []
    for item in prepared:
        if isinstance(item, RecordError):
            output.append(item)
            continue
        translations = _translations_of(item, translated)
        try:
            output.append(_build_record(item, translations, context))
        except Exception as error:
            output.append(_internal_error(item.source, error, context.warn))
    return output


def _translate(
    prepared: list[PreparedAbstract | RecordError], translators: Translators
) -> dict[tuple[str, str], dict[str, str]]:
    """Every text of the chunk in the other language, by pair and source text; a pair nothing translates is absent.

    Each pair's texts go to its engine in one call; results are looked up by their source text,
    so no record depends on the order in which the texts were queued.
    """
    requests: dict[tuple[str, str], list[str]] = {}
    for item in prepared:
        if isinstance(item, PreparedAbstract):
            requests.setdefault((item.lang, _other(item.lang)), []).extend(item.sentences + (item.keywords or []))
            if item.title and item.title_lang:
                requests.setdefault((item.title_lang, _other(item.title_lang)), []).append(item.title)
            if item.author_keywords and item.author_keywords_lang:
                pair = (item.author_keywords_lang, _other(item.author_keywords_lang))
                requests.setdefault(pair, []).extend(item.author_keywords)
    translated: dict[tuple[str, str], dict[str, str]] = {}
    for pair, texts in requests.items():
        engine = translators.get(*pair)
        if engine is not None and texts:
            translated[pair] = dict(zip(texts, translators.translate(engine, texts)))
    return translated


@dataclass
class Translations:
    """A prepared abstract's texts in the other language; None for a side that was not translated."""

    sentences: list[str] | None
    keywords: list[str] | None
    title: str | None
    author_keywords: list[str] | None


def _translations_of(item: PreparedAbstract, translated: dict[tuple[str, str], dict[str, str]]) -> Translations:
    """The abstract's own translations, out of the chunk's (see `_translate`)."""

    def table(lang: str | None) -> dict[str, str] | None:
        return translated.get((lang, _other(lang))) if lang else None

    main, titles, authors = table(item.lang), table(item.title_lang), table(item.author_keywords_lang)
    return Translations(
        sentences=[main[text] for text in item.sentences] if main is not None else None,
        keywords=[main[text] for text in item.keywords or []] if main is not None else None,
        title=titles[item.title] if item.title and titles is not None else None,
        author_keywords=[authors[word] for word in item.author_keywords or []] if authors is not None else None,
    )


def _build_record(item: PreparedAbstract, translations: Translations, context: RunContext) -> Record:
    """The output record of a prepared abstract and its translations (no side effects)."""
    translators = context.translators
    source_lang, target_lang = item.lang, _other(item.lang)
    sentence_translations = translations.sentences
    engine = translators.get(source_lang, target_lang) if sentence_translations is not None else None
    flags, glossary_misses = _flags(item, sentence_translations, engine, translators.glossary)
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
) -> tuple[list[str], list[dict[str, str]]]:
    """What a reader should know about the record, and the glossary terms its English misses."""
    flags = list(item.flags)
    misses: list[dict[str, str]] = []
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
