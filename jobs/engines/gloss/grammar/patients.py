"""Patients after their disease, as English has them: 肺癌患者 "patients with lung cancer"."""

from __future__ import annotations

from ..rules import DETERMINERS, QUANTIFIERS
from .sentence import Sentence

#: Patients, who come after their disease in English, and the last characters of the words that name a disease.
PATIENTS = frozenset("患者 病人 病患".split())
DISEASE_ENDINGS = tuple("病 癌 症 炎 瘤 征 疾".split())


def patients_with(sentence: Sentence, index: int) -> None:
    """Put the disease before the patients at `index` after them (their English already fixed, in the
    plural): a disease of one or two words standing alone, named by a word for an illness (…病, …癌,
    …症, …炎, …瘤), or type N of one (2型糖尿病患者 "patients with type 2 diabetes")."""
    words, fixed = sentence.words, sentence.fixed
    if words[index] not in PATIENTS:
        return
    start = index
    while start > 0 and index - start < 2 and _disease_word(sentence, start - 1):
        start -= 1
    if start >= 2 and words[start - 1] == "型" and fixed.get(start - 2, "").startswith("type "):
        start -= 2  # 2型糖尿病患者 "patients with type 2 diabetes"
    if start == index or not words[index - 1].endswith(DISEASE_ENDINGS):
        return
    if start > 0 and sentence.content(start - 1):
        return  # a longer phrase: which words make the disease is a guess
    disease = " ".join(filter(None, (fixed.get(i, sentence.english(i)) for i in range(start, index))))
    fixed[index] = f"{fixed[index]} with {disease}"  # in the patients' place: 的 after them sees one owner
    for i in range(start, index):
        fixed[i] = ""


def _disease_word(sentence: Sentence, index: int) -> bool:
    """Whether the token at `index` may be part of the name of a disease: a content word, not a determiner."""
    word = sentence.words[index]
    if index in sentence.fixed or word in DETERMINERS or word in QUANTIFIERS:
        return False
    return sentence.content(index)
