""" "the" where English needs it: before a superlative or an ordinal (最高 "the highest", 第一次 "the
first"), and before a common noun that a preposition governs (在临床治疗中 "in the clinical treatment")."""

from __future__ import annotations

from ..english import FUNCTION_ENGLISH
from ..glosses import Glosses
from ..rules import DEGREES, SUPERLATIVE
from .sentence import Sentence

#: English prepositions after which a common noun takes "the" (in the treatment, of the tumor).
ARTICLE_PREPOSITIONS = frozenset(
    "of in on to with for by from through within under after between into about than".split()
)
#: English words that open a noun phrase in place of an article: no "the" before them.
NOT_AFTER_ARTICLE = frozenset(
    "the a an this that these those its their our his her my your all some many each every any such "
    "no other another both either neither".split()
)
#: Superlatives, which take "the" ("the highest"), and ordinals, which do too ("the first").
SUPERLATIVES = frozenset([superlative for _, superlative in DEGREES.values()] + ["most", "least", "latest"])
RANKING = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth last".split())


def add_articles(sentence: Sentence) -> None:
    """ "the" before a superlative or an ordinal, and before a word that a preposition governs unless
    the word has an article's place already, is a name, or reads as a plural; after "to" or "by", not
    before a verb (以提高 "to improve")."""
    tokens, words, fixed, before = sentence.tokens, sentence.words, sentence.fixed, sentence.before
    glosses = sentence.glosses
    previous = ""  # the last English word of the token before, "" after a mark or a determiner
    for index, (kind, text) in enumerate(tokens):
        english = fixed.get(index)
        if english is not None:
            first, last, article = shape(english)
        elif kind == "han":
            first, last, article = _word_shape(glosses, text)
        else:
            first, last, article = "", "", False
        if (
            kind == "ord"
            or first in RANKING
            or (first in SUPERLATIVES and (first != "most" or text[:1] == SUPERLATIVE))
        ):
            if index not in before and (index == 0 or previous not in ("", "the")):
                before[index] = "the"
        elif previous in ARTICLE_PREPOSITIONS and article and english is None and index not in before:
            verb_after = previous in ("to", "by") and words[index] in sentence.data.verbal
            if not verb_after and sentence.content(index):
                before[index] = "the"
        previous = "" if first in NOT_AFTER_ARTICLE else last


def _word_shape(glosses: Glosses, word: str) -> tuple[str, str, bool]:
    """The shape of a word's English (see `shape`), remembered with the glosses."""
    found = glosses.shapes.get(word)
    if found is None:
        found = glosses.shapes[word] = shape(glosses.text(word))
    return found


def shape(english: str) -> tuple[str, str, bool]:
    """The first English word (lower case) and the last of a token's English, and whether it takes "the"."""
    first, _, _ = english.partition(" ")
    return first.lower(), english.rpartition(" ")[2], takes_article(english)


def takes_article(english: str) -> bool:
    """Whether English for a noun phrase may take "the": a common noun (lower case) that is not a
    plural and starts with no determiner or preposition of its own (现阶段 "at the present stage")."""
    first, _, _ = english.partition(" ")
    last = english.rpartition(" ")[2]
    if not first[:1].islower() or first in NOT_AFTER_ARTICLE or first in FUNCTION_ENGLISH:
        return False
    return not (last.endswith("s") and not last.endswith(("ss", "sis", "us")))
