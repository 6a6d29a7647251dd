"""Circumpositions and comparisons: an opener and, within its clause, a closer read as one English
preposition (在 … 中 "in …", 与 … 相关 "related to …", 对 … 进行综述 "review …"), with what has an effect
after "of" (硫化氢对肾脏的影响 "the effect of hydrogen sulfide on the kidney"); 比 … 高 "higher than …";
较/更/最 before an adjective as its comparative or superlative (较高 "higher", 最大 "largest")."""

from __future__ import annotations

from ..rules import CIRCUMPOSITIONS, CLAUSE, COMPARING, DEGREES, PHRASE_END, SUPERLATIVE, degree_word
from .sentence import Sentence

#: Circumpositions whose English names an effect: what has it, before 对, goes after "of".
EFFECTS = frozenset(("effect on",))
CLAUSE_WINDOW = 16  # the closer must come within this many words of the opener
#: Negations before a closer (与 … 无关): the English opener takes "not".
NEGATIONS = frozenset(("不", "并不", "未", "没有"))


def circumposition(sentence: Sentence, start: int) -> bool:
    """Find the closer of the opener (or 比) at `start` within its clause and fix the English of both."""
    words, fixed = sentence.words, sentence.fixed
    closers = CIRCUMPOSITIONS.get(words[start], {})
    for end in range(start + 1, min(len(words), start + 1 + CLAUSE_WINDOW)):
        word = words[end]
        if word == CLAUSE:
            break
        english: str | tuple[str, str] | None = closers.get(word)
        particle = english is None and words[end - 1] == "的" and end - 1 > start
        if particle:
            english = closers.get("的" + word)
        if word == "进行" and words[start] in ("对", "对于") and _last_word(sentence, end + 1):
            # 对 … 进行 V "V …": the verb takes the place of the preposition (对肿瘤代谢进行综述 "review
            # tumor metabolism")
            fixed[start], fixed[end], fixed[end + 1] = sentence.gloss(end + 1), "", ""
            break
        if english is None and words[start] in ("比", "较"):  # 比 … 高 "higher than …"
            english = _than(sentence, end)
        if english is not None and end not in fixed:
            _fix_pair(sentence, start, end, english, particle)
            if isinstance(english, str) and english in EFFECTS:
                _effect_of(sentence, start)
            break
    return True


def degree(sentence: Sentence, index: int) -> bool:
    """较/更/最 before an adjective: its comparative or superlative (较高 "higher", 最大 "largest")."""
    words, fixed = sentence.words, sentence.fixed
    word = words[index]
    degrees = DEGREES.get(words[index + 1] if index + 1 < len(words) else "")
    if degrees and index + 1 not in fixed:
        fixed[index], fixed[index + 1] = "", degrees[word == SUPERLATIVE]
    elif word == "较":  # 较男性佳 "better than men": 较 before a noun compares, as 比 does
        circumposition(sentence, index)
    return True


def _fix_pair(sentence: Sentence, start: int, end: int, english: str | tuple[str, str], particle: bool) -> None:
    """Fix the English of a circumposition's opener at `start` and closer at `end`, with a negation
    before the closer (与 … 无关 "not related to …") and a 的 that goes with it."""
    words, fixed = sentence.words, sentence.fixed
    opener, closer = (english, "") if isinstance(english, str) else english
    if words[end - 1] in NEGATIONS and end - 1 > start:  # 与 … 无 关 "not related to …"
        opener, fixed[end - 1] = f"not {opener}", ""
        if words[end - 2] == "并":  # 并不 "not at all": the emphasis goes with the negation
            fixed[end - 2] = ""
    fixed[start], fixed[end] = opener, closer
    if particle:
        fixed[end - 1] = ""


def _effect_of(sentence: Sentence, start: int) -> None:
    """What has the effect goes after "of": 硫化氢对肾脏的影响 "the effect of hydrogen sulfide on the kidney",
    where it is one to three content words, none a verb, standing alone before 对."""
    words, fixed = sentence.words, sentence.fixed
    first = start
    while first > 0 and start - first < 3 and first - 1 not in fixed:
        if words[first - 1] in sentence.data.verbal or not sentence.content(first - 1):
            break
        first -= 1
    if first == start:
        return
    cause = " ".join(sentence.english(i) for i in range(first, start))
    effect, _, preposition = fixed[start].rpartition(" ")
    fixed[first] = f"the {effect} of {cause}"
    for i in range(first + 1, start):
        fixed[i] = ""
    fixed[start] = preposition


def _than(sentence: Sentence, end: int) -> tuple[str, str] | None:
    """The English of a comparison 比 … closed by an adjective at `end` ("higher than"), or None."""
    comparative = _comparative(sentence, end)
    if not comparative:
        return None
    if sentence.words[end] in COMPARING:
        sentence.fixed[end + 1] = ""
    return (f"{comparative} than", "")


def _last_word(sentence: Sentence, index: int) -> bool:
    """Whether the token at `index` is a content word that ends its phrase: a clause or a list
    item ends after it, or a conjunction follows."""
    words = sentence.words
    if index >= len(words) or not words[index] or sentence.glosses.is_function_word(sentence.tokens[index].text):
        return False
    return index + 1 == len(words) or words[index + 1] == CLAUSE or sentence.tokens[index + 1].text in PHRASE_END


def _comparative(sentence: Sentence, index: int) -> str:
    """The comparative an adjective at `index` reads as (高, 更高 and 更 高 "higher"), or ""."""
    words = sentence.words
    word = words[index]
    if word in DEGREES:
        return DEGREES[word][0]
    if word[:1] != SUPERLATIVE and degree_word(word, word not in sentence.data.senses):
        return DEGREES[word[1:]][0]
    if word in COMPARING and index + 1 < len(words) and words[index + 1] in DEGREES:
        return DEGREES[words[index + 1]][0]
    return ""
