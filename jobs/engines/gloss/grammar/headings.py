"""The headings of a structured abstract (目的 观察… "Objective: to observe …", 方法： "Methods:")."""

from __future__ import annotations

import re

from .sentence import Sentence

#: The headings of a structured abstract, set off from their text by a colon or a space ("目的 观察…").
HEADINGS = frozenset(("目的", "方法", "结果", "结论", "背景", "目标", "意义"))
HEADING = re.compile(r"^(目的|方法|结果|结论|背景|目标|意义)\s+(?=[\u3400-\u9fff])")
#: Headings that English writes in the plural.
HEADING_WORDS = {"方法": "Methods", "结果": "Results"}
#: Headings that state an aim: the verb after them is an infinitive (目的：探讨… "Objective: to investigate …").
AIM_HEADINGS = frozenset(("目的", "目标"))


def set_off(text: str) -> str:
    """A sentence whose heading a space sets off (目的 观察…) with a colon in its place, as the rest are."""
    if text[:2] in HEADINGS:
        return HEADING.sub(r"\1:", text, count=1)
    return text


def english_headings(sentence: Sentence) -> None:
    """A plural heading in English ("Methods:"), and "to" before the verb after an aim ("Objective: to investigate")."""
    tokens, words = sentence.tokens, sentence.words
    if len(tokens) > 1 and tokens[1] == ("mark", ":") and words[0] in HEADING_WORDS:
        sentence.fixed[0] = HEADING_WORDS[words[0]]  # 方法： "Methods:", as structured abstracts in English have it
    if len(tokens) > 2 and tokens[1] == ("mark", ":") and words[0] in AIM_HEADINGS and words[2] in sentence.data.verbal:
        sentence.before[2] = "to"  # 目的：探讨… "Objective: to investigate …"
