"""Words: jieba for Chinese (quiet, caching in digest's cache folder), a regex for English."""

from __future__ import annotations

import logging
import re
import warnings
from functools import cache
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


def words(text: str, lang: str) -> list[str]:
    """The words of a sentence, punctuation and spaces dropped, case kept."""
    if lang != "zh":
        return _ENGLISH_WORD_RE.findall(text)
    # Latin terms inside Chinese are taken whole (jieba would cut COVID-19 at the hyphen).
    tokens: list[str] = []
    position = 0
    for match in _ENGLISH_WORD_RE.finditer(text):
        tokens += default_tokenizer().lcut(text[position : match.start()])
        tokens.append(match.group())
        position = match.end()
    tokens += default_tokenizer().lcut(text[position:])
    return [w for w in tokens if _WORDLIKE_RE.search(w)]
