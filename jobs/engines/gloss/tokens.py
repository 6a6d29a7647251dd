"""What the engine cuts a sentence into: the token type, and the patterns that find runs, names and headings."""

from __future__ import annotations

import re
from typing import NamedTuple


class Token(NamedTuple):
    """A piece of the source, of a `kind`: han, term, num, ord, latin, name, unit, mark or dash.

    han is a word jieba cut, term a glossary's, num and ord a number (units and measure words
    after it become unit tokens), latin a run of Latin script passed through as it is, name the
    author's own English for the Chinese term before it (非小细胞肺癌（non-small cell lung cancer）).
    """

    kind: str
    text: str


#: Runs of a sentence: numbers, Latin-script words, Han text, whitespace, dashes, anything else.
RUNS = re.compile(
    r"(?P<num>\d+(?:\.\d+)?(?![A-Za-z\d]))"
    r"|(?P<latin>[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff]+(?:['’.+\-][A-Za-z0-9\u00c0-\u024f\u0370-\u03ff]+)*)"
    r"|(?P<han>[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+)"
    r"|(?P<space>\s+)"
    r"|(?P<dash>—+|―+|-{2,})"
    r"|(?P<mark>.)",
    re.DOTALL,
)
#: A term's English name in parentheses after it, with perhaps an abbreviation: (lung cancer, LC).
ENGLISH_NAME = re.compile(
    r"(?<=[\u3400-\u9fff\uf900-\ufaff\d])\(\s*"
    r"((?:[A-Za-z][\w'-]*(?: [\w'-]+)+)|[a-z][a-z-]{3,})"  # two words or more, or one lowercase word
    r"\s*(?:[,;]\s*([^()\u3400-\u9fff=<>]*?))?\s*\)"
)
#: The headings of a structured abstract ("目的 观察…"), set off from their text by a space.
HEADINGS = frozenset(("目的", "方法", "结果", "结论", "背景", "目标", "意义"))
HEADING = re.compile(r"^(目的|方法|结果|结论|背景|目标|意义)\s+(?=[\u3400-\u9fff])")
