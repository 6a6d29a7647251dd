"""What an abstract is written in, tidied and flagged, before it is split into sentences."""

from __future__ import annotations

import re
from functools import cache

from zhon import cedict, hanzi

#: One Han character (CJK ideographs in every block zhon knows).
HAN = f"[{hanzi.characters}]"
_HAN_RE = re.compile(HAN)
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")

# Characters that are whitespace in exports but not always to str.split(): NBSP, ideographic
# space, zero-width space and BOM left inside text, paragraph/line separators.
_SPACES_RE = re.compile(r"[\s\u00a0\u3000\u200b\u2028\u2029\ufeff]+")
# Chinese is written without spaces: one between two Han characters or full-width marks is noise.
_CJK = f"(?:{HAN}|[。，、；：？！（）《》【】「」『』])"
_SPACE_IN_CHINESE_RE = re.compile(f"(?<={_CJK}) (?={_CJK})")
_TRUNCATED_RE = re.compile(r"(\.\.\.|…|⋯)[\s\"'”’)）\]】]*$")


def detect_language(text: str) -> str:
    """`zh` or `en`, by script: Han characters against Latin words.

    One Han character carries about as much as one English word, so a Chinese abstract full of
    English terms (CNN, Rodrigues, YOLOv5) stays `zh`, and an English abstract quoting a Chinese
    name stays `en`. Punctuation, digits and symbols do not vote, whatever their width.
    """
    han = len(_HAN_RE.findall(text))
    latin_words = len(_LATIN_WORD_RE.findall(text))
    return "zh" if han > 0 and han >= latin_words else "en"


def normalise_whitespace(text: str) -> str:
    """One plain space for any run of whitespace; none inside Chinese; trimmed."""
    text = _SPACES_RE.sub(" ", text).strip()
    return _SPACE_IN_CHINESE_RE.sub("", text)


def is_truncated(text: str) -> bool:
    """Whether the text ends with an ellipsis, as cut-off exports do."""
    return bool(_TRUNCATED_RE.search(text))


@cache
def _traditional_only() -> frozenset[str]:
    return frozenset(cedict.traditional) - frozenset(cedict.simplified)


@cache
def _simplified_only() -> frozenset[str]:
    return frozenset(cedict.simplified) - frozenset(cedict.traditional)


def is_traditional(text: str) -> bool:
    """Whether the Chinese is written in traditional characters.

    Counts characters that exist in only one of the two systems (CC-CEDICT's lists, via zhon):
    most characters are shared, so a single distinctive character in either direction decides.
    """
    traditional_only, simplified_only = _traditional_only(), _simplified_only()
    traditional = sum(1 for ch in text if ch in traditional_only)
    simplified = sum(1 for ch in text if ch in simplified_only)
    return traditional > simplified
