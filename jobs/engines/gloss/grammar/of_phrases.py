"""A的B as "the B of A" (肿瘤的预后 "the prognosis of the tumor"), A中的B as "the B in A", and a pronoun
before 的 as a possessive (我们的研究 "our research")."""

from __future__ import annotations

from ..english import FUNCTION_ENGLISH, plural
from ..rules import CONTROL_VERBS, DETERMINERS, PLURAL_NOUNS
from .articles import takes_article
from .sentence import Sentence

#: A的B reads "the B of A" where each side is at most this many content words.
ORDER_OF_WORDS = 2
#: Place words between A and 的 (A中的B "the B in A") and the preposition they read as.
LOCATIVES = {"中": "in", "内": "in", "上": "on", "间": "between", "之间": "between"}
#: Determiners that stay in front of B in A的B (一种肿瘤的治疗 "a treatment of tumor"); the others go
#: with A, whose they are (该研究的目的 "the objective of this study").
INDEFINITE = frozenset("一种 一个 一 一些".split())
#: Pronouns before 的, as English possessives.
POSSESSIVES = {"我": "my", "我们": "our", "你": "your", "你们": "your", "他": "his", "她": "her", "它": "its"}
POSSESSIVES.update({"他们": "their", "她们": "their", "它们": "their", "自己": "own", "彼此": "each other's"})


def of(sentence: Sentence, index: int) -> bool:
    """The 的 (or 之) at `index` between A and B: "the B of A" where A and B are each one or two content
    words standing alone and A names a thing; a longer phrase on either side, or an A that describes
    (新的方法 "new method"), stays as it is."""
    words, fixed = sentence.words, sentence.fixed
    if index > 0 and words[index - 1] in POSSESSIVES and index - 1 not in fixed:
        fixed[index - 1] = POSSESSIVES[words[index - 1]]  # 我们的研究 "our research"
        return True
    place = index - 1 if index > 1 and words[index - 1] in LOCATIVES and index - 1 not in fixed else index
    start = place
    while start > 0 and sentence.content(start - 1):
        start -= 1
    if any(words[i] in sentence.data.describing for i in range(start, place)):
        return True  # 新的方法 "new method": an attribute, not an owner
    if start > 0 and words[start - 1] in CONTROL_VERBS:
        return True  # 需要使用标准化的方法 "need to use …": a verb phrase, not an owner
    end = index + 1
    while end < len(sentence.tokens) and sentence.content(end):
        end += 1
    if not (1 <= place - start <= ORDER_OF_WORDS and 1 <= end - index - 1 <= ORDER_OF_WORDS):
        return True
    if place - start > 1 and any(" with " in fixed.get(i, "") for i in range(start, place)):
        return True  # 肿瘤病人治疗的效果: "patients with tumor" is two words already
    _the_b_of_a(sentence, start, place, index, end)
    return True


def _the_b_of_a(sentence: Sentence, start: int, place: int, index: int, end: int) -> None:
    """Fix "the B of A" (or "the B in A") at the start of A (`start`, up to `place`), B running from
    after the 的 at `index` to `end`; a determiner before A goes with A, or stays before B."""
    tokens, words, fixed = sentence.tokens, sentence.words, sentence.fixed
    owner = " ".join(fixed.get(i) or sentence.english(i) for i in range(start, place))
    if owner.partition(" ")[0].lower() in FUNCTION_ENGLISH:
        return  # 现阶段的问题 "problems at the present stage", never "the problem of at the present stage"
    determined = start > 0 and words[start - 1] in DETERMINERS and start - 1 not in fixed
    if not determined and tokens[start].kind == "han" and start not in fixed and takes_article(owner):
        owner = f"the {owner}"  # 肿瘤的预后 "the prognosis of the tumor"
    owned = " ".join(sentence.english(i) for i in range(index + 1, end))
    if words[end - 1] in PLURAL_NOUNS:
        owned = plural(owned)
    opening = "the"
    if determined:
        determiner = sentence.english(start - 1)
        if words[start - 1] in INDEFINITE:
            opening = determiner  # 一种肿瘤的治疗 "a treatment of tumor"
        else:  # 这些患者的预后 "the prognosis of these patients", 及其受体的表达 "and the expression of its receptor"
            conjunction, _, determiner = determiner.rpartition(" ")
            owner = f"{determiner} {owner}"
            opening = f"{conjunction} the".lstrip()
        start -= 1
    fixed[start] = f"{opening} {owned} {LOCATIVES[words[place]] if place < index else 'of'} {owner}"
    for i in range(start + 1, end):
        fixed[i] = ""
