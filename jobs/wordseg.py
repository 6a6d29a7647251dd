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


@cache
def default_tokenizer():  # -> jieba.Tokenizer
    """The shared tokenizer on jieba's own dictionary, initialised once."""
    tokenizer = new_tokenizer()
    tokenizer.initialize()
    return tokenizer


def add_terms(terms: Iterable[str]) -> None:
    """Keep these terms (a glossary's) as single words in Chinese segmentation, process-wide."""
    for term in terms:
        default_tokenizer().add_word(term, freq=1_000_000)


def words(text: str, lang: str, hmm: bool = True) -> list[str]:
    """The words of a sentence, punctuation and spaces dropped, case kept.

    `hmm=False` keeps to jieba's dictionary words, without its HMM guesses at new words (faster).
    """
    if lang != "zh":
        return _ENGLISH_WORD_RE.findall(text)
    # Latin terms inside Chinese are taken whole (jieba would cut COVID-19 at the hyphen).
    tokens: list[str] = []
    position = 0
    for match in _ENGLISH_WORD_RE.finditer(text):
        tokens += default_tokenizer().lcut(text[position : match.start()], HMM=hmm)
        tokens.append(match.group())
        position = match.end()
    tokens += default_tokenizer().lcut(text[position:], HMM=hmm)
    return [w for w in tokens if _WORDLIKE_RE.search(w)]


def cached_words(text: str, lang: str) -> tuple[str, ...]:
    """Words for summaries and keywords, remembered, so that a record's two stages split each sentence once.

    These are `words(text, lang, hmm=False)`: without jieba's HMM guesses at new words the split
    is about 15% faster and, measured on CSL (benchmarks/summary_quality.py), summaries and
    keywords are as good.
    """
    # jieba's total word frequency changes whenever a word is added (add_terms), so a cached
    # split never outlives the dictionary it was made with.
    return _cached_words(text, lang, default_tokenizer().total if lang == "zh" else 0)


@lru_cache(maxsize=16384)
def _cached_words(text: str, lang: str, dictionary_state: float) -> tuple[str, ...]:
    return tuple(words(text, lang, hmm=False))
