"""Choosing one default English gloss per CC-CEDICT headword: cleaning senses and costing the candidates."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from .english import FUNCTION_ENGLISH, stems
from .lexicons import CedictEntry

#: Senses that are notes about a word rather than a meaning of it.
_NOTE = re.compile(
    r"^(?:surname |(?:[\w-]+ )*variant of |see |same as |CL:|abbr\. |abbreviation |"
    r"also pr\.|also written |also called |also known as |Taiwan pr\.|pr\. |"
    r"classifier for |(?:structural|modal|possessive|interrogative|aspect|sentence-final|final|"
    r"grammatical|grammar) particle|particle (?:used|similar|signaling|placed|introducing|indicating|for)|"
    r"used (?:in|for|as|to|with|erroneously|properly|narrowly|broadly|esp)\b|"
    r"\"\w+\" radical|Kangxi radical|radical |component in )",
    re.IGNORECASE,
)
#: A sense that is nothing but pinyin ("zhong1", "(Zhe4 jiang1)").
_PINYIN_ONLY = re.compile(r"\(?(?:[A-Za-z]?[a-zü:]*[aeiouü][a-zü:]*[1-5] ?)+\)?")
#: Register labels that make a sense a poor default.
_RARE = re.compile(
    r"^\((?:literary|archaic|arch\.|old|obsolete|dialect|slang|Internet slang|Cantonese|onom\.|"
    r"derog\.|vulgar|euphemism|jocular|old usage|classical|in Classical Chinese|Tw|HK)\b[^)]*\)",
    re.IGNORECASE,
)
#: Field labels of the sciences: academic text usually means the technical sense.
_FIELD = re.compile(
    r"\((?:biology|biol\.|medicine|medical|anatomy|physiology|pathology|biochemistry|genetics|"
    r"pharmacology|chemistry|chem\.|statistics|math\.|mathematics|computing|physics|botany|zoology|"
    r"engineering|electricity|geology|economics)\)",
    re.IGNORECASE,
)
#: "to " of a verb sense, "a"/"an" of a noun sense: a gloss leaves them out.
_LEADING_WORD = re.compile(r"^(?:to|an?) (?=\S)")
_NAMED = re.compile(r"^(?:abbr\. (?:for|to)|surname|short name for) ([^(;]+)")
_HAN_REFERENCE = re.compile(r"[^\s\[]*[\u3400-\u9fff][^\s\[]*(?:\[[^\]]*\])?")
_VARIANT = re.compile(r"variant of (?:[^\s\[|]+\|)?([^\s\[|]+)\[")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)|\s*\{[^{}]*\}")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_FILLER = re.compile(r"\b(?:sb|sth)(?:'s)?\b|^\s*(?:lit|fig)\. |~|\.\.\.|…")
#: Where a sense turns from the meaning to an explanation of it ("lysine, an essential amino acid").
_EXPLANATION = re.compile(r":|,\s+(?=(?:a|an|the|e\.g\.|i\.e\.|esp\.|usually|also|as in|often|typically)\b)")

#: jieba part-of-speech tags (from its dictionary) of prepositions, conjunctions and locatives.
_FUNCTION_TAGS = frozenset({"p", "c", "f"})
#: Tags of words used mostly as nouns in academic prose, where a verb sense is a poor default
#: (jieba tags 治疗 "to treat" v, yet an abstract mostly means "treatment").
_NOMINAL_TAGS = frozenset({"n", "vn", "an", "nz", "ng", "v", "zg"})
#: Tags of content words, whose compounds say which of their senses is the productive one.
_CONTENT_TAGS = frozenset({"n", "vn", "an", "nz", "ng", "v", "a", "b", "l", "i", "j", "z", "zg", ""})

# What each property of a candidate sense costs when choosing the default one. Round numbers,
# tuned loosely on the zh-en Medline pairs and checked on the en-zh ones (benchmarks/gloss_quality.py).
_COST_NEXT_SENSE = 1.0
_COST_NEXT_ALTERNATIVE = 0.5
_COST_EXTRA_WORD = 0.75
_COST_AFFIX = 3.0  # "-ization", "multi-": a bound form, rarely the reading of a free word
_COST_VERB_FOR_NOUN = 4.0
_COST_RARE = 20.0
_COST_PROPER_NAME = 10.0
_COST_NOTE = 50.0  # a name taken from a note ("surname Jiang"), when there is no sense at all
_BONUS_FIELD = 3.0
_BONUS_ADVERB = 3.0
_BONUS_FUNCTION = 100.0  # a preposition or conjunction takes an English one whenever it has one
_BONUS_COMPOUNDS = 3.0  # times log(1 + compounds whose senses share the sense's words)
_BONUS_AGREEMENT = 2.5  # the headword's proper name says the same (冷战 "cold war" as in "Cold War", not "shudder")


def is_note(sense: str) -> bool:
    """Whether a CC-CEDICT sense is a note (surname, variant, cross-reference, classifier, pinyin)."""
    return bool(_NOTE.match(sense) or _PINYIN_ONLY.fullmatch(sense))


def _strip_parentheticals(sense: str) -> str:
    """A sense without its parenthetical labels and remarks."""
    previous = None
    while previous != sense and ("(" in sense or "{" in sense):  # parentheticals may nest
        previous, sense = sense, _PARENTHETICAL.sub("", sense)
    return sense


def clean_sense(sense: str) -> str:
    """A sense as a gloss: parentheticals, placeholders and explanations removed, a verb's "to " dropped."""
    return _clean_alternative(_strip_parentheticals(sense))


def _clean_alternative(sense: str) -> str:
    """One alternative of a sense, parentheticals already gone, as a gloss ("" for a cross-reference)."""
    # The `in` tests skip regular expressions most senses do not need (this runs 200,000 times).
    if "sb" in sense or "sth" in sense or "~" in sense or "." in sense or "…" in sense:
        sense = _FILLER.sub("", sense)
    if ":" in sense or "," in sense:
        sense = _EXPLANATION.split(sense, maxsplit=1)[0].replace(" ,", ",")
    sense = sense.strip(" ,;:")
    if "  " in sense:
        sense = " ".join(sense.split())
    if sense.startswith(("to ", "a ", "an ")):
        sense = _LEADING_WORD.sub("", sense)
    if "[" in sense or _HAN.search(sense):  # what is left is a cross-reference
        return ""
    return sense


class _Alternative(NamedTuple):
    """One alternative of a usable sense, and what it costs as the default before tag and compounds count."""

    cost: float
    gloss: str
    verb: bool
    function: bool  # every word an English function word
    adverb: bool  # a function word or an -ly adverb


class _Reading(NamedTuple):
    """An entry digested for choosing: its alternatives, and facts about the entry as a whole."""

    alternatives: list[_Alternative]
    noun_early: bool  # a non-verb sense among the first three
    variant_of: frozenset[str]  # the headwords it says it is a variant of
    proper: bool  # a proper name's reading (capitalised pinyin)


def _reading(entry: CedictEntry) -> _Reading:
    """Split an entry's usable senses into alternatives ("outcome; result" -> two) and cost each one."""
    alternatives, noun_early = _sense_alternatives(entry)
    if not alternatives:
        alternatives = _note_alternatives(entry)
    joined = "/".join(entry.senses)
    variant_of = frozenset(_VARIANT.findall(joined)) if "variant of" in joined else frozenset()
    return _Reading(alternatives, noun_early, variant_of, entry.pinyin[:1].isupper())


def _sense_alternatives(entry: CedictEntry) -> tuple[list[_Alternative], bool]:
    """The costed alternatives of an entry's senses that are not notes, and whether a noun sense comes early."""
    alternatives: list[_Alternative] = []
    proper = _COST_PROPER_NAME if entry.pinyin[:1].isupper() else 0.0
    noun_early = False
    position = -1
    for sense in entry.senses:
        if is_note(sense):
            continue
        position += 1
        base = _COST_NEXT_SENSE * position + proper
        if "(" in sense or "{" in sense:
            if sense.startswith("(") and _RARE.match(sense):
                base += _COST_RARE
            if _FIELD.search(sense):
                base -= _BONUS_FIELD
            sense = _strip_parentheticals(sense)
        noun_early = noun_early or (position < 3 and not sense.lstrip().startswith("to "))
        for alternative_position, alternative in enumerate(sense.split(";")):
            costed = _alternative(alternative, base + _COST_NEXT_ALTERNATIVE * alternative_position, proper)
            if costed is not None:
                alternatives.append(costed)
    return alternatives, noun_early


def _alternative(alternative: str, base: float, proper: float) -> _Alternative | None:
    """One ";"-separated alternative of a sense as a costed candidate; None when nothing usable is left."""
    gloss = _clean_alternative(alternative)
    if "," in gloss and (proper or gloss.count(" ") >= 3):
        # What follows a comma explains: 邓小平 "Deng Xiaoping, Chinese communist leader, …",
        # 内参 "restricted document, available only to certain individuals such as …"
        gloss = gloss.split(",", 1)[0]
    if not gloss:
        return None
    words = gloss.lower().replace(",", " ").replace(".", " ").split()
    cost = base + _COST_EXTRA_WORD * (len(words) - 1)
    if gloss.startswith("-") or gloss.endswith("-"):
        cost += _COST_AFFIX
    function = FUNCTION_ENGLISH.issuperset(words)
    verb = alternative.lstrip().startswith("to ")
    adverb = function or (bool(words) and words[-1].endswith("ly"))
    return _Alternative(cost, gloss, verb, function, adverb)


def _note_alternatives(entry: CedictEntry) -> list[_Alternative]:
    """For an entry of notes only: a name is better than nothing (浙 "abbr. for Zhejiang", 蒋 "surname
    Jiang"), and a measure word (颗 "classifier for small spheres") is left out."""
    alternatives: list[_Alternative] = []
    for sense in entry.senses:
        named = _NAMED.match(sense)
        gloss = _clean_alternative(_HAN_REFERENCE.split(named.group(1))[0]) if named else ""
        if gloss:
            alternatives.append(_Alternative(_COST_NOTE, gloss, False, False, False))
    if not alternatives and any(sense.startswith("classifier for") for sense in entry.senses):
        alternatives.append(_Alternative(_COST_NOTE, "", False, False, False))  # a measure word: dropped
    return alternatives


class _Compounds:
    """The English of the compounds that contain a word: which of the word's senses is the productive one."""

    def __init__(self, entries: Sequence[CedictEntry]) -> None:
        self._entries = entries
        self._containing = _compounds_index(entries)
        self._stems: dict[int, frozenset[str]] = {}  # by entry index: many words share a compound

    def stem_counts(self, word: str) -> Counter[str]:
        """How many compounds of `word` have each stem in their senses."""
        counts: Counter[str] = Counter()
        for index in self._containing.get(word, ()):
            if index not in self._stems:
                self._stems[index] = stems(" ".join(self._entries[index].senses))
            counts.update(self._stems[index])
        return counts


def _compounds_index(entries: Sequence[CedictEntry]) -> dict[str, list[int]]:
    """Simplified headword -> the entries whose simplified headword contains it (and is longer)."""
    headwords = {entry.simplified for entry in entries}
    containing: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        word = entry.simplified
        parts = {word[i:j] for i in range(len(word)) for j in range(i + 1, len(word) + 1)} - {word}
        for part in parts & headwords:
            containing.setdefault(part, []).append(index)
    return containing


def choose_senses(entries: Sequence[CedictEntry], tags: dict[str, str] | None = None) -> dict[str, str]:
    """One default gloss per headword (simplified and traditional), from all the entries that share it.

    Each alternative of each sense is a candidate. Earlier senses, one-word glosses, senses that
    recur in the word's compounds (代谢 "metabolism" as in 新陈代谢, not "replacement") and senses
    labelled with a science are preferred; proper names, affixes and literary senses are taken
    only when nothing else is left. `tags` (jieba's part of speech by simplified word) steers nouns
    away from verb senses and prepositions and conjunctions to English function words.
    """
    tags = tags or {}
    readings = [_reading(entry) for entry in entries]
    compounds = _Compounds(entries)
    chosen: dict[str, str] = {}
    by_readings: dict[tuple[int, ...], str] = {}  # a traditional headword often has the same entries
    for headword, indexes in _entries_by_headword(entries, readings).items():
        if len(indexes) == 1 and len(readings[indexes[0]].alternatives) == 1:
            chosen[headword] = readings[indexes[0]].alternatives[0].gloss
            continue
        key = tuple(indexes)
        if key not in by_readings:
            simplified = entries[indexes[0]].simplified
            by_readings[key] = _best_gloss(simplified, tags.get(simplified, ""), indexes, readings, compounds)
        chosen[headword] = by_readings[key]
    _read_variants_as_their_forms(entries, readings, chosen)
    return chosen


def _entries_by_headword(entries: Sequence[CedictEntry], readings: Sequence[_Reading]) -> dict[str, list[int]]:
    """Each headword, simplified and traditional, with the indexes of its entries that have a candidate."""
    by_headword: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        if readings[index].alternatives:
            for headword in dict.fromkeys((entry.simplified, entry.traditional)):
                by_headword.setdefault(headword, []).append(index)
    return by_headword


def _best_gloss(
    simplified: str, tag: str, indexes: Sequence[int], readings: Sequence[_Reading], compounds: _Compounds
) -> str:
    """The cheapest candidate among the readings of one headword's entries."""
    # An old form marked as a variant of this very headword (秊, simplified 年) goes last; then
    # the reading with the most alternatives is usually the main one (结果 jie2guo3 "result"
    # rather than jie1guo3 "to bear fruit").
    ranked = sorted(indexes, key=lambda i: (simplified in readings[i].variant_of, -len(readings[i].alternatives)))
    stem_counts = compounds.stem_counts(simplified) if tag in _CONTENT_TAGS else Counter()
    named = _proper_stems(indexes, readings)
    best_cost, best = math.inf, ""
    for rank, index in enumerate(ranked):
        reading = readings[index]
        nominal = tag in _NOMINAL_TAGS and reading.noun_early
        for alternative in reading.alternatives:
            cost = _cost(alternative, rank, tag, nominal, stem_counts)
            if named and not reading.proper and named.issuperset(stems(alternative.gloss) or ("",)):
                cost -= _BONUS_AGREEMENT
            if cost < best_cost:
                best_cost, best = cost, alternative.gloss
    return best


def _proper_stems(indexes: Sequence[int], readings: Sequence[_Reading]) -> frozenset[str]:
    """The stems of a headword's proper-name readings, when it also has common ones: a common sense
    that says the same is the name's (冷战 "cold war": "(US-Soviet) Cold War")."""
    if all(readings[i].proper for i in indexes) or not any(readings[i].proper for i in indexes):
        return frozenset()
    return frozenset().union(*(stems(a.gloss) for i in indexes if readings[i].proper for a in readings[i].alternatives))


def _cost(alternative: _Alternative, rank: int, tag: str, nominal: bool, stem_counts: Counter[str]) -> float:
    """What a candidate costs given its entry's rank, the word's part of speech and its compounds."""
    cost = alternative.cost + rank
    if nominal and alternative.verb:
        cost += _COST_VERB_FOR_NOUN
    if tag in _FUNCTION_TAGS and alternative.function:
        cost -= _BONUS_FUNCTION
    elif tag == "d" and alternative.adverb:
        cost -= _BONUS_ADVERB
    if stem_counts:
        gloss_stems = stems(alternative.gloss)
        if gloss_stems:
            cost -= _BONUS_COMPOUNDS * math.log1p(min(stem_counts[stem] for stem in gloss_stems))
    return cost


def _read_variants_as_their_forms(
    entries: Sequence[CedictEntry], readings: Sequence[_Reading], chosen: dict[str, str]
) -> None:
    """Give a variant form with no sense of its own the gloss of the form it is a variant of."""
    for index, entry in enumerate(entries):
        for target in sorted(readings[index].variant_of):  # in a set's order, the hash seed would decide
            for headword in (entry.simplified, entry.traditional):
                if headword not in chosen and target in chosen:
                    chosen[headword] = chosen[target]
