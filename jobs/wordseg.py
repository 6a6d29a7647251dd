"""Chinese word segmentation with jieba, quiet and caching inside digest's cache folder."""

from __future__ import annotations

import logging
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType

from .settings import cache_dir


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
