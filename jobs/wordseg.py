"""Words: jieba for Chinese (quiet, caching in digest's cache folder), a regex for English."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType

from .language import HAN
from .settings import cache_dir

# Words keep inner hyphens, apostrophes and digits: COVID-19, YOLOv5, China's, 3.5.
_ENGLISH_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[-'’.][A-Za-z0-9]+)*")
_WORDLIKE_RE = re.compile(f"{HAN}|[A-Za-z0-9]")


@cache
def jieba_module() -> ModuleType:
    """Import jieba once: silence its log chatter and its pkg_resources deprecation warning."""
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources when present; setuptools >= 81 warns about that.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


def new_tokenizer(dictionary: Path | None = None):  # -> jieba.Tokenizer
    """A jieba Tokenizer (the default dictionary, or `dictionary`) whose cache lives in our cache folder."""
    jieba = jieba_module()
    tokenizer = jieba.Tokenizer() if dictionary is None else jieba.Tokenizer(str(dictionary))
    tokenizer.tmp_dir = str(cache_dir())
    return tokenizer


class Segmenter:
    """Words of Chinese and English sentences, on one jieba tokenizer of its own.

    A run with a glossary gets a segmenter whose tokenizer keeps the glossary's terms whole; no
    tokenizer is ever changed after it is made, so terms of one run cannot leak into another
    (or into a library user's jieba).
    """

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms = frozenset(terms)
        self.tokenizer = new_tokenizer()
        self.tokenizer.initialize()
        for term in sorted(self.terms):
            self.tokenizer.add_word(term, freq=1_000_000)
        self._cached = lru_cache(maxsize=16384)(self._split)

    def words(self, text: str, lang: str, hmm: bool = True) -> list[str]:
        """The words of a sentence, punctuation and spaces dropped, case kept.

        `hmm=False` keeps to jieba's dictionary words, without its HMM guesses at new words (faster).
        """
        if lang != "zh":
            return _ENGLISH_WORD_RE.findall(text)
        # Latin terms inside Chinese are taken whole (jieba would cut COVID-19 at the hyphen).
        tokens: list[str] = []
        position = 0
        for match in _ENGLISH_WORD_RE.finditer(text):
            tokens += self.tokenizer.lcut(text[position : match.start()], HMM=hmm)
            tokens.append(match.group())
            position = match.end()
        tokens += self.tokenizer.lcut(text[position:], HMM=hmm)
        return [w for w in tokens if _WORDLIKE_RE.search(w)]

    def cached_words(self, text: str, lang: str) -> tuple[str, ...]:
        """Words for summaries and keywords, remembered, so that a record's two stages split each sentence once.

        These are `words(text, lang, hmm=False)`: without jieba's HMM guesses at new words the
        split is about 15% faster and, measured on CSL (benchmarks/summary_quality.py), summaries
        and keywords are as good.
        """
        return self._cached(text, lang)

    def forget(self) -> None:
        """Forget the remembered word splits (for timings that must pay for jieba)."""
        self._cached.cache_clear()

    def _split(self, text: str, lang: str) -> tuple[str, ...]:
        return tuple(self.words(text, lang, hmm=False))


@lru_cache(maxsize=4)
def segmenter(terms: frozenset[str] = frozenset()) -> Segmenter:
    """The segmenter for a set of glossary terms (none: jieba's dictionary alone), made once."""
    return Segmenter(terms)


def words(text: str, lang: str, hmm: bool = True) -> list[str]:
    """The words of a sentence with no glossary (see `Segmenter.words`)."""
    return segmenter().words(text, lang, hmm)


def cached_words(text: str, lang: str) -> tuple[str, ...]:
    """Remembered words of a sentence with no glossary (see `Segmenter.cached_words`)."""
    return segmenter().cached_words(text, lang)
