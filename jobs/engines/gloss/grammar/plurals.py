"""Nouns in the plural, as English abstracts write them: after a quantifier or a count above one
(这些问题 "these problems", 三个问题 "three problems"), the people and animals a study is about
(患者 "patients"), a countable noun at the end of its phrase (肿瘤细胞 "tumor cells"), X们, and X之一
"one of the Xs"."""

from __future__ import annotations

from ..english import plural
from ..rules import DETERMINERS, REPORTING
from .patients import patients_with
from .sentence import Sentence

#: English determiners of one thing: no plural after them (这种方法 "this kind of method").
SINGULAR_DETERMINERS = frozenset("this that a an one each every another either neither".split())


def counted(sentence: Sentence, index: int) -> None:
    """A noun standing alone after the quantifier or number at `index`, in the plural; not a word that
    a content word follows, which may be a verb or part of a longer phrase."""
    tokens, words, fixed = sentence.tokens, sentence.words, sentence.fixed
    noun = index + 1
    if noun < len(tokens) and tokens[noun].kind == "unit" and tokens[noun].text in ("", "kinds of", "types of"):
        noun += 1
    if noun >= len(tokens) or tokens[noun].kind != "han" or noun in fixed:
        return
    if not sentence.content(noun) or words[noun] in sentence.data.describing:
        return
    if words[noun] in REPORTING:  # 这些发现 reads "these found": a verb's English, no plural
        return
    if noun + 1 < len(tokens) and sentence.content(noun + 1):
        return
    fixed[noun] = plural(sentence.gloss(noun))


def quantified(sentence: Sentence, index: int) -> bool:
    """A quantifier (这些, 许多, 各种): the noun after it in the plural."""
    counted(sentence, index)
    return True


def people(sentence: Sentence, index: int) -> bool:
    """们 after a word: the word in the plural (渔民们 "fishermen")."""
    if index == 0 or not sentence.words[index - 1] or index - 1 in sentence.fixed:
        return False
    sentence.fixed[index - 1] = plural(sentence.gloss(index - 1))
    return True


def subjects(sentence: Sentence, index: int) -> bool:
    """The people a study is about, in the plural (患者 "patients"), after their disease if they are
    patients; not before a name or term (男性PE "male PE")."""
    if sentence.following(index).kind in ("latin", "term", "name"):
        return False
    sentence.fixed[index] = plural(sentence.gloss(index))
    patients_with(sentence, index)
    return True


def countable(sentence: Sentence, index: int) -> bool:
    """A countable noun that ends its phrase with no determiner or number before it, in the plural."""
    if index in sentence.fixed or not _bare_head(sentence, index):
        return False
    sentence.fixed[index] = plural(sentence.gloss(index))  # 肿瘤细胞 "tumor cells"
    return True


def _bare_head(sentence: Sentence, index: int) -> bool:
    """Whether the word at `index` ends its phrase (no content word follows) with no determiner or
    number before it: a countable noun there is plural in English."""
    tokens, words, fixed = sentence.tokens, sentence.words, sentence.fixed
    if index + 1 < len(tokens) and sentence.content(index + 1):
        return False
    before = index - 1
    while (
        before >= 0
        and words[before] not in DETERMINERS
        and (words[before] == "的" or words[before] in sentence.data.describing)
    ):
        before -= 1  # 一种新的方法 "a new method": the determiner is before the attributes
    if before < 0:
        return True
    if words[before] in DETERMINERS or tokens[before].kind in ("num", "unit"):
        return False
    english = fixed.get(before) or (sentence.gloss(before) if tokens[before].kind == "han" else "")
    return english.partition(" ")[0].lower() not in SINGULAR_DETERMINERS  # 这种方法 "this kind of method"


def one_of(sentence: Sentence, index: int) -> bool:
    """X之一 as "one of the Xs": 主要原因之一 "one of the main causes", for an X of up to three words."""
    if index in sentence.fixed:
        return False
    fixed = sentence.fixed
    start = index
    while start > 0 and index - start < 3 and sentence.content(start - 1):
        start -= 1
    if start == index or (start > 0 and sentence.content(start - 1)):
        return True
    things = plural(" ".join(fixed.get(i) or sentence.english(i) for i in range(start, index)))
    fixed[start] = f"one of the {things}"
    for i in range(start + 1, index + 1):
        fixed[i] = ""
    return True
