"""The translation engines of one run (or one Ray worker), chosen per language pair, and their cache."""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import engines, wordseg
from .cache import TranslationCache, TranslationStats, translate, translate_documents
from .engines.base import DocumentTranslation, EngineSettings, TranslationEngine
from .errors import ConfigError
from .glossary import Glossary
from .language import HAN
from .messages import Warn
from .placeholders import translate_with_glossary
from .record import LANGUAGES, other_language
from .wordseg import Segmenter


class Translators:
    """The engines of one run (or one worker), chosen per language pair on first use; warnings given once.

    `chosen` fixes the engine of each pair in advance (a worker gets the run's choices, so that
    every worker translates with the same engines and only the run warns about them).
    """

    def __init__(
        self,
        engine_name: str,
        settings: EngineSettings,
        warn: Warn,
        cache: TranslationCache | None = None,
        glossary: Glossary | None = None,
        chosen: Mapping[tuple[str, str], str | None] | None = None,
    ) -> None:
        if engine_name != "auto" and chosen is None:
            # A named engine must do the main direction; its message says what to install.
            engine = engines.engine_class(engine_name)
            if not engine.supports("zh", "en", settings):
                raise ConfigError(engine.unavailable_message("zh", "en", settings))
        self.engine_name = engine_name
        self.settings = settings
        self.warn = warn
        self.cache = cache
        self.glossary = glossary or Glossary()
        self.chosen = dict(chosen) if chosen is not None else None
        self.stats = TranslationStats()
        self._words: Segmenter | None = None
        self._engines: dict[tuple[str, str], TranslationEngine | None] = {}

    @property
    def words(self) -> Segmenter:
        """Words for summaries and keywords, the glossary's terms kept whole (jieba is never changed).

        Made on first use: loading jieba's dictionary is most of what a run with nothing new would cost.
        """
        if self._words is None:
            self._words = wordseg.segmenter(frozenset(self.glossary.terms))
        return self._words

    def choose(self) -> dict[tuple[str, str], str | None]:
        """The engine's name for every language pair (None: not translated), warning as a run does."""
        names: dict[tuple[str, str], str | None] = {}
        for source_lang in LANGUAGES:
            pair = (source_lang, other_language(source_lang))
            engine = engines.resolve_engine(self.engine_name, *pair, self.settings, self.warn)
            names[pair] = None if engine is None else engine.name
        return names

    def get(self, source_lang: str, target_lang: str) -> TranslationEngine | None:
        """The engine for the pair, or None when nothing installed translates it."""
        pair = (source_lang, target_lang)
        if pair not in self._engines:
            if self.chosen is None:
                self._engines[pair] = engines.select_engine(
                    self.engine_name, source_lang, target_lang, self.settings, self.warn
                )
            else:
                name = self.chosen.get(pair)
                self._engines[pair] = (
                    None if name is None else engines.engine_class(name).load(source_lang, target_lang, self.settings)
                )
        return self._engines[pair]

    def translate(self, engine: TranslationEngine, sentences: list[str]) -> list[str]:
        """The engine's translations, through the cache, each distinct sentence translated once.

        A text with no word of its language (a Latin keyword of a Chinese abstract, `P<0.05`) is its
        own translation: no model call. Glossary terms go through the model as placeholders where
        the engine needs them (`jobs.placeholders`).
        """
        wanted = [sentence for sentence in sentences if has_words(sentence, engine.source_lang)]

        def through_cache(texts: list[str]) -> list[str]:
            return translate(engine, texts, self.cache, self.stats)

        if engine.glossary_placeholders and self.glossary and engine.source_lang == "zh":
            done = translate_with_glossary(through_cache, wanted, self.glossary.terms)
        else:
            done = through_cache(wanted)
        translated = dict(zip(wanted, done))
        return [translated.get(sentence, sentence) for sentence in sentences]

    def translate_documents(self, engine: TranslationEngine, documents: list[list[str]]) -> list[DocumentTranslation]:
        """The engine's translations of documents, through the cache (see `cache.translate_documents`).

        A sentence engine's sentences go through `translate` (all of them in one call), so that
        they get its script check and glossary placeholders.
        """
        if engine.document_level:
            return translate_documents(engine, documents, self.cache, self.stats)
        translations = iter(self.translate(engine, [sentence for document in documents for sentence in document]))
        return [DocumentTranslation([next(translations) for _ in document]) for document in documents]


#: A letter of each language's own script: Han characters for Chinese, Latin letters for English.
_WORDS = {"zh": re.compile(HAN), "en": re.compile("[A-Za-z]")}


def has_words(text: str, lang: str) -> bool:
    """Whether `text` has anything for a translation from `lang` to change: a letter of its language's script."""
    pattern = _WORDS.get(lang)
    return pattern is None or pattern.search(text) is not None
