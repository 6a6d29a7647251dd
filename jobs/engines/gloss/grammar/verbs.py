"""Verbs as English abstracts write them: a completed action in the past tense (回顾了 "reviewed"), a
verb after a control verb as an infinitive (旨在提高 "aim to improve"), and 显著 before a verb or a
comparison as an adverb (显著降低 "significantly reduced"); a result reported in the past (为 before a
number, "was") is in numbers.py."""

from __future__ import annotations

from ..english import past_tense
from ..rules import CONTROL_VERBS
from .sentence import Sentence

#: Adjectives that read as adverbs before a verb or a comparison (显著降低 "significantly reduced",
#: 显著高于 "significantly higher than"), and the first characters of verbs of change and comparison.
ADVERBS = {"显著": "significantly"}
CHANGE_OR_COMPARISON = tuple("高 低 增 减 升 降 多 少 大 小 改 提 优".split())


def completed(sentence: Sentence, index: int) -> bool:
    """了 after a verb: the verb in the past tense (回顾了 "reviewed"), where its English is one plain word."""
    if index == 0 or index - 1 in sentence.fixed or sentence.words[index - 1] not in sentence.data.verbal:
        return False
    verb = sentence.gloss(index - 1)
    if verb.isalpha() and verb.islower():
        sentence.fixed[index - 1] = past_tense(verb)
    return True


def control_verb(sentence: Sentence, index: int) -> bool:
    """A control verb before a verb: "to" after it (旨在提高 "aim to improve")."""
    following = sentence.following(index)
    if following.kind != "han" or following.text not in sentence.data.verbal:
        return False
    sentence.fixed[index] = f"{CONTROL_VERBS[sentence.words[index]]} to"
    return True


def adverb(sentence: Sentence, index: int) -> bool:
    """An adjective before a verb or a comparison as its adverb (显著高于 "significantly higher than")."""
    if sentence.following(index).kind != "han" or index + 1 in sentence.fixed:
        return False
    modified = sentence.words[index + 1]
    if modified in sentence.data.verbal or modified.startswith(CHANGE_OR_COMPARISON):
        sentence.fixed[index] = ADVERBS[sentence.words[index]]
    return True
