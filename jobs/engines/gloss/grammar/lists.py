"""Lists: "and" before the last item of a list that Chinese writes with 、 alone (血压、血糖 "blood
pressure and blood sugar"), and 等 before a noun as "and other" (A、B等指标 "A, B and other indicators")."""

from __future__ import annotations

from ..rules import CLAUSE
from .plurals import counted
from .sentence import Sentence

#: Words that join the last item of a list as English would (和, 及, 或) or close it (等): no "and" is added.
LIST_CLOSERS = frozenset("和 与 及 以及 或 或者 并 等 等等".split())


def close_lists(sentence: Sentence) -> None:
    """ "and" before the last item of each list written with 、 alone (甲、乙、丙 "A, B and C"), and no
    comma between two items; not where a conjunction or 等 already closes the list."""
    tokens, words, fixed, before = sentence.tokens, sentence.words, sentence.fixed, sentence.before
    separators: list[int] = []
    for index, (kind, text) in enumerate(tokens):
        if (kind, text) == ("mark", "、"):
            separators.append(index)
        elif words[index] in LIST_CLOSERS:
            separators.clear()
        if separators and (words[index] == CLAUSE or index + 1 == len(tokens)):
            last = separators[-1]
            if last + 1 < len(tokens) and words[last + 1] != CLAUSE and last + 1 not in fixed:
                before[last + 1] = " ".join(filter(None, ("and", before.get(last + 1))))
                if len(separators) == 1:
                    fixed[last] = ""  # two items: no comma
            separators.clear()


def and_other(sentence: Sentence, index: int) -> bool:
    """等 before a content word: "and other", the noun in the plural (A、B等指标 "A, B and other
    indicators", not "A, B etc. indicator")."""
    if index + 1 >= len(sentence.tokens) or not sentence.content(index + 1):
        return False
    sentence.fixed[index] = "and other"
    counted(sentence, index)
    return True
