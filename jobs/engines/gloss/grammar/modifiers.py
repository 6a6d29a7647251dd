"""A noun that modifies a noun as the adjective English uses there (rules of relational adjectives):
心肌细胞 "myocardial cells", 社会支持 "social support", 糖尿病性 "diabetic", and inside a word's own
English (直肠癌 "rectal cancer"); not before an adjective or 相关 (糖尿病相关 "diabetes related"), nor as a
verb's subject (实验表明 "experiment showed")."""

from __future__ import annotations

from ..english import FUNCTION_ENGLISH
from ..glosses import Glosses
from ..rules import REPORTING
from .sentence import Sentence

#: Nouns that English turns into an adjective before another noun (心肌细胞 "myocardial cells", 社会支持
#: "social support", 直肠癌 "rectal cancer"); not those it keeps as nouns there ("lung cancer", "liver
#: function"). Written from English usage before measuring, in two lists (46 and 32 nouns); left out
#: after it: nation and region (国家 heads most phrases of the sample batch), tooth and muscle (牙根
#: "dental root", 肌醇 "muscular alcohol"), seven that lowered the tuning half (immunity, nutrition,
#: surgery, abdomen, mother, urine, education), and eight whose English noun has another sense that
#: Chinese words gloss to (medicine as a drug: 药价 "medical price"; operation as 运算; culture as 培养基;
#: vein, law, mouth, embryo, physics), found by reading 10,000 sentences of other fields.
RELATIONAL_ADJECTIVES = {
    "myocardium": "myocardial",
    "aorta": "aortic",
    "rectum": "rectal",
    "vagina": "vaginal",
    "diabetes": "diabetic",
    "kidney": "renal",
    "intestines": "intestinal",
    "society": "social",
    "tradition": "traditional",
    "inflammation": "inflammatory",
    "metabolism": "metabolic",
    "experiment": "experimental",
    "statistics": "statistical",
    "molecule": "molecular",
    "economy": "economic",
    "environment": "environmental",
    "structure": "structural",
    "function": "functional",
    "pathology": "pathological",
    "psychology": "psychological",
    "emotion": "emotional",
    "physiology": "physiological",
    "science": "scientific",
    "stomach": "gastric",
    "artery": "arterial",
    "blood vessel": "vascular",
    "nucleus": "nuclear",
    "politics": "political",
    "history": "historical",
    "pancreas": "pancreatic",
    "cervix": "cervical",
    "ovary": "ovarian",
    "uterus": "uterine",
    "esophagus": "esophageal",
    "oral cavity": "oral",
    "heredity": "genetic",
    "diet": "dietary",
    "occupation": "occupational",
    "industry": "industrial",
    "agriculture": "agricultural",
    "chemistry": "chemical",
    "mathematics": "mathematical",
    "theory": "theoretical",
    "strategy": "strategic",
    "finance": "financial",
    "morphology": "morphological",
    "anatomy": "anatomical",
    "genetics": "genetic",
    "pharmacology": "pharmacological",
    "epidemiology": "epidemiological",
    "microorganism": "microbial",
    "bacteria": "bacterial",
    "bacterium": "bacterial",
    "virus": "viral",
    "spine": "spinal",
    "placenta": "placental",
    "fetus": "fetal",
    "biology": "biological",
    "nose": "nasal",
}
#: Words after which a noun stays a noun: 糖尿病相关 "diabetes related", not "diabetic related".
NOUN_KEEPERS = frozenset(("相关", "有关"))
#: Words that open a predicate: the noun before them is its subject, not a modifier (实验表明 "experiment
#: showed", 该理论无法解释 "this theory cannot explain").
PREDICATE_OPENERS = REPORTING | frozenset(
    "会 能 能够 可 可以 可能 应 应该 应当 须 必须 将 是 成为 具有 无法 不能 日益 反而 已 已经 均 都 也 仍".split()
)


def relational_adjectives(sentence: Sentence) -> None:
    """Each Chinese word no rule has taken, with its relational nouns as adjectives: inside its English,
    and all of them where it modifies the word after it."""
    tokens, words, fixed = sentence.tokens, sentence.words, sentence.fixed
    for index, (kind, text) in enumerate(tokens):
        if kind != "han" or index in fixed:
            continue
        inside, modifying = _attributive(sentence.glosses, text)
        if not modifying:
            continue  # no relational noun in its English: most words
        following = index + 1
        if following < len(tokens) and words[following] == "性" and following not in fixed:
            fixed[following] = ""  # 糖尿病性心肌病 "diabetic cardiomyopathy", not "diabetes nature …"
            inside = modifying
        elif (
            following < len(tokens)
            and words[following] not in NOUN_KEEPERS
            and words[following] not in sentence.data.describing
            and sentence.content(following)
            and not _subject_before_verb(sentence, index)
        ):
            inside = modifying
        if inside:
            fixed[index] = inside


def _subject_before_verb(sentence: Sentence, index: int) -> bool:
    """Whether the noun at `index` is the subject of the verb after it, not a modifier: a predicate
    opens there (实验表明 "experiment showed"), or the noun ends a noun phrase (a noun before it) and a
    verb follows (国际社会关注 "the international community is concerned")."""
    words = sentence.words
    following = words[index + 1]
    if following in PREDICATE_OPENERS or following[:2] in PREDICATE_OPENERS:  # 无法解释 is one word
        return True
    previous = index - 1
    verbal = sentence.data.verbal
    return previous >= 0 and following in verbal and words[previous] not in verbal and sentence.content(previous)


def _attributive(glosses: Glosses, word: str) -> tuple[str, str]:
    """A word's English with its relational nouns as adjectives (remembered with the glosses): those
    before its last word, and all of them; "" where that changes nothing."""
    forms = glosses.attributives.get(word)
    if forms is None:
        english = glosses.text(word)
        prefix, glue, rest = english.rpartition("- ")  # 非手术 "non-" glued to "operation"
        prefix = prefix.replace("- ", "-")  # a second prefix: 非抗… "non-anti-…"
        inside, modifying = (f"{prefix}-{form}" if glue else form for form in _relational(rest.split(" ")))
        unchanged = english.replace("- ", "-")
        forms = (inside if inside != unchanged else "", modifying if modifying != unchanged else "")
        glosses.attributives[word] = forms
    return forms


def _relational(english: list[str]) -> tuple[str, str]:
    """English words with their relational nouns (RELATIONAL_ADJECTIVES) as adjectives: inside (a noun
    before another noun of the same word: "rectum cancer" -> "rectal cancer"; not before "of" or "and",
    as in "theory of relativity"), and where the whole English is one such noun ("kidney" -> "renal"),
    for a word that modifies the next. The last noun of a longer English heads it and stays:
    "traditional Chinese medicine", "market economy"."""
    nouns: list[tuple[int, int]] = []  # where each relational noun starts, and how many words it has
    index = 0
    while index < len(english):
        sizes = (size for size in (2, 1) if index + size <= len(english))
        size = next(
            (size for size in sizes if " ".join(english[index : index + size]).lower() in RELATIONAL_ADJECTIVES), 0
        )
        if size:
            nouns.append((index, size))
        index += size or 1

    def replaced(spans: list[tuple[int, int]]) -> str:
        words = list(english)
        for start, size in reversed(spans):
            noun = " ".join(words[start : start + size])
            adjective = RELATIONAL_ADJECTIVES[noun.lower()]
            words[start : start + size] = [adjective.capitalize() if noun[:1].isupper() else adjective]
        return " ".join(words)

    def modifies(start: int, size: int) -> bool:
        """Whether the noun at `start` modifies the word after it, with no function word or possessive
        on either side ("theory of relativity", "get one's stomach pumped")."""
        end = start + size
        if end == len(english) or english[end].lower() in FUNCTION_ENGLISH:
            return False
        return start == 0 or not (english[start - 1].lower() in FUNCTION_ENGLISH or english[start - 1].endswith("'s"))

    if nouns == [(0, len(english))]:
        return " ".join(english), replaced(nouns)
    inside = replaced([(start, size) for start, size in nouns if modifies(start, size)])
    return inside, inside
