"""What a number decides about the words around it: the unit before the people a study counts
dropped (30例患者 "30 patients"), a type (2型 "type 2"), one thing as "a" (一综述 "a review"), a
plural after a count above one (三个问题 "three problems"), and 共 "a total of" and 为 "was" before one."""

from __future__ import annotations

import re

from ..rules import SUBJECTS
from .patients import DISEASE_ENDINGS
from .plurals import counted
from .sentence import Sentence

#: A count above one: a number word or a whole number under 1,000 (not a year, a decimal or a percentage).
_COUNT = re.compile(r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[2-9]|[1-9]\d{1,2}|[a-z]+teen|twenty")
#: What names a type before 型 (2型 "type 2", II型 "type II", A型 "type A").
_TYPE_NAME = re.compile(r"\d{1,2}|[IVX]{1,4}|[A-Z]")
#: Words before a number, and their English: 共1928名儿童 "a total of 1928 children", and 发生率为3.5%
#: "the incidence was 3.5%", a result, reported in the past.
BEFORE_NUMBER = {"共": "a total of", "为": "was"}


def number(sentence: Sentence, index: int) -> None:
    """The rule for a token that is not a Chinese word, if one fits: a unit, a type's name, a number."""
    tokens, words, fixed = sentence.tokens, sentence.words, sentence.fixed
    kind, text = tokens[index]
    if kind == "unit":
        _counted_subject(sentence, index)
    elif index + 1 < len(words) and words[index + 1] == "型" and _TYPE_NAME.fullmatch(text):
        fixed[index], fixed[index + 1] = f"type {text}", ""  # 2型糖尿病 "type 2 diabetes"
    elif (kind, text) == ("num", "one") and index + 1 < len(tokens) and tokens[index + 1].kind == "han":
        if sentence.content(index + 1):
            fixed[index] = "a"  # 撰写一综述 "write a review"
    elif kind == "num" and _COUNT.fullmatch(text):
        counted(sentence, index)


def before_number(sentence: Sentence, index: int) -> bool:
    """共 or 为 before a number, in its English (BEFORE_NUMBER)."""
    if sentence.following(index).kind != "num":
        return False
    sentence.fixed[index] = BEFORE_NUMBER[sentence.words[index]]
    return True


def _counted_subject(sentence: Sentence, index: int) -> None:
    """Drop the unit before the people a study counts: 30例患者 "30 patients", not "30 cases patients",
    and 30例肺癌患者 "30 patients with lung cancer"."""
    tokens = sentence.tokens
    if tokens[index].text not in ("cases", "people"):
        return
    for offset, following in enumerate(tokens[index + 1 : index + 4]):
        if following.kind != "han":
            return
        word = sentence.words[index + 1 + offset]
        if word in SUBJECTS:
            sentence.fixed[index] = ""
            return
        if offset > 0 and not word.endswith(DISEASE_ENDINGS):
            return  # the words between the unit and the people name their disease
