"""Sense choice as a sentence is glossed: which English one word reads as in the field of its text.

In this order: grammar's English for a function word (rules.FUNCTION_WORDS; "" drops a particle),
the field's sense (rules.FIELDS: 组织 "tissue" in medicine), academic prose's (rules.ACADEMIC_WORDS:
治疗 "treatment"), a degree (更好 "better", 最大 "largest"), the dictionary's default sense (chosen
when the gloss data is built, senses.py), and for a word the dictionary lacks, the English of the
longest headwords it contains.
"""

from __future__ import annotations

from collections.abc import Iterator

from .dictionary import GlossData
from .rules import ACADEMIC_WORDS, DEGREES, FUNCTION_WORDS, SUPERLATIVE, Field, degree_word
from .tokens import Piece

#: Characters that modify the word after them, in words the dictionary lacks: 核战略 is 核 战略
#: "nuclear strategy", never 核战 略 "nuclear warfare brief".
PREFIXES = frozenset("核")


def word_pieces(word: str, data: GlossData, field: Field | None) -> Iterator[Piece]:
    """The pieces of one word: grammar's English, the field's, academic prose's, a degree, the dictionary's, its parts'."""
    simplified = data.simplified.get(word, word)
    if simplified in FUNCTION_WORDS:
        if FUNCTION_WORDS[simplified]:
            gloss = FUNCTION_WORDS[simplified]
            yield Piece(gloss, glue_right=gloss.endswith("-"), capitalise=True)
        return
    sense = field.senses.get(simplified) if field else None
    if sense is None:
        sense = ACADEMIC_WORDS.get(simplified)
    if sense is None and degree_word(simplified, word not in data.senses):
        sense = DEGREES[simplified[1:]][simplified[0] == SUPERLATIVE]  # 更好 "better", 最大 "largest"
    if sense is None:
        sense = data.senses.get(word)
    if sense is not None:
        if sense:
            yield Piece(sense, glue_right=sense.endswith("-"), capitalise=True)
        return
    yield from _longest_matches(word, data, field)


def _longest_matches(word: str, data: GlossData, field: Field | None) -> Iterator[Piece]:
    """Split a word the dictionary lacks into the longest headwords it contains; a prefix that
    modifies a known word goes first (核战略 "nuclear strategy": 核 战略, not 核战 略)."""
    start = 0
    if word[:1] in PREFIXES and known(word[1:], data):
        yield from word_pieces(word[0], data, field)
        start = 1
    while start < len(word):
        longest = min(len(word), start + data.longest_word)
        end = next((end for end in range(longest, start, -1) if known(word[start:end], data)), start + 1)
        if known(word[start:end], data):
            yield from word_pieces(word[start:end], data, field)
        else:
            yield Piece(word[start:end])  # a character CC-CEDICT lacks: kept rather than lost
        start = end


def known(word: str, data: GlossData) -> bool:
    """Whether the engine has English for a word: the dictionary's, grammar's or academic prose's."""
    simplified = data.simplified.get(word, word)
    return word in data.senses or simplified in FUNCTION_WORDS or simplified in ACADEMIC_WORDS
