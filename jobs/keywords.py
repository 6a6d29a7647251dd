"""Keywords of an abstract as authors write them: phrases of its own words, ranked by TF-IDF.

Authors' keywords are mostly terms of several words (平方和优化, Lyapunov函数, waveform
inversion), so the default method (`tfidf`) ranks phrases, not words. Candidates are stretches of
adjacent words that may make a term: for Chinese, nouns and what modifies them by jieba's
part-of-speech tags (read from its dictionary for the words digest already split, so no second
segmentation), Latin terms kept whole (COVID-19, YOLOv5) and glossary terms as nouns; for English,
words between stop words, numbers and punctuation. Every stretch of up to four words (English:
three) that ends in a noun (English: any word) is a candidate. A candidate scores

    (log(1 + occurrences in the text) + TITLE_WEIGHT if the title contains it
     + FIRST_SENTENCE_WEIGHT if the first sentence has it) * idf(phrase) * mean idf(its words) ** 0.5

with document frequencies counted on 500 real abstracts (the tuning half of the CSL abstracts, see
`DF_TABLE`); a candidate inside one already chosen is left out (平方和 after 平方和优化). English
has no tags and almost no counted words: there a phrase must recur, be in the title or be a name,
and it takes the place of its words. The other method, `textrank`, is jieba's TextRank over words
(Chinese only). Author keywords are never read here: they stay in the record's `meta`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import repeat
from pathlib import Path
from types import ModuleType

from .segment import split_sentences
from .wordseg import _ENGLISH_WORD_RE, Segmenter, dictionary_tags, jieba_module, segmenter, stop_words

METHODS = ("tfidf", "textrank")
DEFAULT_METHOD = "tfidf"

#: Words every abstract uses to say what kind of work it reports, never what it is about.
ACADEMIC_STOP_WORDS = {
    "zh": frozenset(
        (
            "本文 文中 本研究 笔者 研究 研究表明 方法 分析 结果 结果表明 结果显示 结论 目的 意义 "
            "提出 采用 进行 通过 利用 基于 具有 存在 实现 建立 构建 探讨 讨论 介绍 论述 阐述 指出 "
            "认为 发现 得到 获得 包括 根据 针对 结合 表明 显示 说明 证明 相关 主要 情况 作用 提高 "
            "特点 因素 过程 条件 方面 重要 有效 显著 不同 问题 影响 应用 发展 一种 一定 较好 "
            "明显 差异 比较 观察 两组 对照组 观察组 治疗组 患者 统计学 "
            "我国 目前 近年来 随着 同时 以及 之间 对比 相比 分别 其中 此外 并且 提供 参考 依据"
        ).split()
    ),
    "en": frozenset(
        (
            "paper article study studies research method methods approach result results show shows "
            "shown propose proposed present presented based using use used new novel also however "
            "different important effect effects significant significantly analysis data provide "
            "provides finally first second can may well two three one found conclusion"
        ).split()
    ),
}

#: Parts of speech (jieba's tags; `eng` for Latin terms) a Chinese keyphrase is made of: nouns of
#: every kind, verbal and adjectival nouns, modifiers (a, b), verbs (补肾活血汤), set phrases and
#: abbreviations ...
_PHRASE_TAGS = frozenset("n nr ns nt nz ng nl vn an a b v j l eng".split())
#: ... and those it ends with (a term is a noun phrase).
_HEAD_TAGS = frozenset("n nr ns nt nz ng nl vn an j l eng".split())
#: The longest keyphrase in words, and for Chinese the shortest and longest in characters.
_PHRASE_WORDS = {"zh": 4, "en": 3}
_PHRASE_CHARS = (2, 16)
#: Parts of speech jieba's TextRank keeps: nouns (common, place, organisation, other proper),
#: verbal nouns, verbs, idioms and abbreviations, and Latin terms.
_TEXTRANK_POS = ("n", "ns", "nz", "nt", "vn", "v", "l", "j", "eng")
#: What the title and the first sentence add to a candidate's score (tuned on the tuning half of
#: the CSL abstracts by benchmarks/tune_weights.py: F1 exact 22.80, the grid's best 22.84 with a
#: title weight of 1.5; the first sentence added nothing there).
TITLE_WEIGHT = 1.0
FIRST_SENTENCE_WEIGHT = 0.0
#: How much the words' own rarity adds to the phrase's (tuned likewise).
WORD_IDF_POWER = 0.5
#: Document frequencies of candidate phrases and their words in 500 real abstracts, those in two or
#: more: built by `python benchmarks/build_keyword_df.py` from the tuning half of the CSL abstracts
#: (the held-out half is never read, so its scores stay honest).
DF_TABLE = Path(__file__).parent / "data" / "keyword-df.tsv"


@cache
def _analyse() -> ModuleType:
    jieba_module()  # jieba quiet, its pkg_resources warning silenced
    with warnings.catch_warnings():
        # jieba.analyse reads its IDF table without closing the file.
        warnings.simplefilter("ignore", ResourceWarning)
        import jieba.analyse
    return jieba.analyse


@cache
def _stop_words(lang: str) -> frozenset[str]:
    return stop_words(lang) | ACADEMIC_STOP_WORDS[lang]


def _is_candidate(word: str) -> bool:
    """Numbers (120, 0.05) are never keywords."""
    return not word.replace(".", "").isdigit()


@cache
def _word_tags() -> dict[str, str]:
    """jieba's part of speech of each word of its dictionary that may be part of a keyphrase.

    What jieba.posseg looks up without its HMM, from digest's cache of jieba's dictionary: importing
    jieba.posseg (with jieba.analyse, as this did) reads the whole dictionary as text and jieba's
    IDF table, 0.9 s a run.
    """
    tags: dict[str, str] = {}
    for tag, listed in dictionary_tags().items():
        if tag in _PHRASE_TAGS:
            tags.update(dict.fromkeys(listed.split("\n"), tag))
    return tags


@cache
def document_frequencies() -> tuple[int, dict[str, int]]:
    """How many abstracts `DF_TABLE` counted, and in how many of them each term appears."""
    lines = DF_TABLE.read_text(encoding="utf-8").splitlines()
    documents = int(lines[0].split("\t")[1])
    return documents, {term: int(df) for term, df in (line.rsplit("\t", 1) for line in lines[1:])}


@cache
def _idf_table() -> tuple[dict[str, float], float]:
    """Each counted term's idf, log((N + 1) / (df + 1)) + 1, and that of a term never counted."""
    documents, frequency = document_frequencies()
    unseen = math.log(documents + 1) + 1
    return {term: math.log((documents + 1) / (df + 1)) + 1 for term, df in frequency.items()}, unseen


#: What an occurrence at a sentence's start counts towards how a phrase is written: next to nothing.
_INITIAL = 1e-3


def _phrases(sentence: str, lang: str, words: Segmenter) -> Iterator[tuple[str, str, list[str], int]]:
    """Every candidate of a sentence, once per occurrence: its key, as written, and its words.

    Its words are the last `n` of the list yielded with it (the run so far: read them at once).
    A run is a stretch of adjacent words that may make a keyphrase; punctuation, stop words,
    numbers and words of other parts of speech end it. Every stretch of a run that ends in a
    head word (Chinese: a noun; English: any word) is a candidate, up to `_PHRASE_WORDS` long.
    """
    classes = _word_classes(words, lang)
    longest = _PHRASE_WORDS[lang]
    shortest_chars, longest_chars = _PHRASE_CHARS if lang == "zh" else (1, len(sentence))
    run: list[str] = []
    starts: list[int] = []
    position = 0
    for word in words.cached_words(sentence, lang):
        start = sentence.find(word, position)
        if start < 0:
            continue  # never happens: the words are the sentence's, in order
        if start != position and run and sentence[position:start].strip():
            run, starts = [], []
        position = start + len(word)
        known = classes.get(word)
        if known is None:
            known = classes[word] = _word_class(word, lang, words)
        if not known:
            if run:
                run, starts = [], []
            continue
        run.append(known[0])
        starts.append(start)
        if not known[1]:
            continue
        size = len(run)
        for n in range(1, min(size, longest) + 1):
            written = sentence[starts[size - n] : position]
            if len(written) > longest_chars:
                break
            if len(written) >= shortest_chars:
                yield written.lower(), written, run, n


@lru_cache(maxsize=8)
def _word_classes(words: Segmenter, lang: str) -> dict[str, tuple[str, bool] | tuple[()]]:
    """The segmenter's memo of `_word_class`: each distinct word is looked up once."""
    return {}


def _word_class(word: str, lang: str, words: Segmenter) -> tuple[str, bool] | tuple[()]:
    """A word's key (lower case) and whether a keyphrase may end with it, if it may be part of one; else ()."""
    if lang == "en" or word[0].isascii():
        tag = "eng" if len(word) > 1 and _is_candidate(word) else "x"
    else:
        tag = "n" if word in words.terms else _word_tags().get(word, "x")
    lowered = word.lower()
    if tag not in _PHRASE_TAGS or lowered in _stop_words(lang):
        return ()
    return lowered, lang == "en" or tag in _HEAD_TAGS


def document_terms(
    sentences: Sequence[str], lang: str, title: str | None = None, words: Segmenter | None = None
) -> set[str]:
    """The candidate phrases and their words in a text and its title, as `DF_TABLE` counts them."""
    words = words or segmenter()
    terms: set[str] = set()
    for sentence in ([title] if title else []) + list(sentences):
        for key, _, run, n in _phrases(sentence, lang, words):
            terms.add(key)
            terms.update(run[-n:])
    return terms


def phrase_keywords(
    sentences: Sequence[str], lang: str, count: int = 5, title: str | None = None, words: Segmenter | None = None
) -> list[str]:
    """The `count` best candidate phrases of the text (see the module's description), best first."""
    candidates = _candidates(sentences, lang, words or segmenter())
    if title:
        candidates.add_title(title, lang)
    chosen = _choose(_scores(candidates, lang), count, lang)
    return [_as_written(key, candidates.written_as.get(key, {})) for key in chosen]


@dataclass
class _Candidates:
    """The candidate phrases of a text, by key: how often each occurs, its words, each way the text
    writes it (and how often), and what it gets for being in the title or the first sentence."""

    occurrences: dict[str, int] = field(default_factory=dict)
    parts_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    written_as: dict[str, dict[str, float]] = field(default_factory=dict)
    bonus: dict[str, float] = field(default_factory=dict)

    def add_title(self, title: str, lang: str) -> None:
        """TITLE_WEIGHT for each candidate the title contains.

        The title is not split into words: a candidate of the text counts as in the title when the
        title contains it. As good as the title's own candidates on the tuning half (exact F1 22.8
        either way), and the title costs no segmentation.
        """
        english = lang == "en"
        lowered_title = title.lower()
        if english:  # whole words: "art" is not in "Start"
            lowered_title = f" {' '.join(_ENGLISH_WORD_RE.findall(lowered_title))} "
        for key in self.parts_of:
            if (f" {key} " if english else key) in lowered_title:
                self.bonus[key] = self.bonus.get(key, 0.0) + TITLE_WEIGHT


def _candidates(sentences: Sequence[str], lang: str, words: Segmenter) -> _Candidates:
    """Every candidate phrase of the sentences, counted, with the first sentence's bonus."""
    found = _Candidates()
    occurrences, parts_of, written_as = found.occurrences, found.parts_of, found.written_as
    english = lang == "en"
    for index, sentence in enumerate(sentences):
        for key, written, run, n in _phrases(sentence, lang, words):
            seen = occurrences.get(key)
            if seen is None:
                occurrences[key] = 1
                parts_of[key] = tuple(run[-n:])
            else:
                occurrences[key] = seen + 1
            if english:
                # A capital that only starts a sentence is not how the term is written (Full waveform inversion).
                forms = written_as.setdefault(key, {})
                forms[written] = forms.get(written, 0.0) + (_INITIAL if sentence.startswith(written) else 1.0)
            elif seen is None:
                written_as[key] = {written: 1.0}  # Chinese: as first written (only Latin letters have a case)
        if index == 0 and FIRST_SENTENCE_WEIGHT:
            for key in occurrences:  # so far, the first sentence's
                found.bonus[key] = found.bonus.get(key, 0.0) + FIRST_SENTENCE_WEIGHT
    return found


def _scores(candidates: _Candidates, lang: str) -> dict[str, float]:
    """Each candidate's score, in the order the text first has them; an English phrase that neither
    recurs, nor is in the title, nor is a name has none."""
    idf, unseen = _idf_table()
    bonus = candidates.bonus
    scores = {}
    for key, parts in candidates.parts_of.items():
        seen = candidates.occurrences.get(key, 0)
        if (
            lang == "en"
            and len(parts) > 1
            and seen < 2
            and key not in bonus
            and not _is_name(candidates.written_as[key])
        ):
            # With no tags to tell a term from a clause (FWI handles attenuation), a phrase must
            # recur, be in the title or be a name (United States).
            continue
        word_idf = sum(map(idf.get, parts, repeat(unseen))) / len(parts)
        scores[key] = (math.log1p(seen) + bonus.get(key, 0.0)) * idf.get(key, unseen) * word_idf**WORD_IDF_POWER
    return scores


def _choose(scores: dict[str, float], count: int, lang: str) -> list[str]:
    """The `count` best candidates, best first, none inside one already chosen."""
    chosen: list[str] = []
    for key in sorted(scores, key=lambda key: -scores[key]):  # stable: ties go to the earlier phrase
        if any(_inside(key, other, lang) for other in chosen):
            continue
        if lang == "en":
            # English has no part-of-speech tags and few counted words, so its single words outrank
            # the terms they make (waveform, inversion): a phrase takes the place of its words, even
            # one ranked below the last keyword. On Chinese this cut exact F1 from 22.8 to 15.9
            # (tuning half): authors list both 肾虚 and 肾虚血瘀证.
            inside = [i for i, other in enumerate(chosen) if _inside(other, key, lang)]
            if inside:
                chosen[inside[0]] = key
                chosen = [other for i, other in enumerate(chosen) if i not in inside[1:]]
                continue
        elif len(chosen) == count:
            break
        if len(chosen) < count:
            chosen.append(key)
    return chosen


def _inside(part: str, whole: str, lang: str) -> bool:
    return part in whole if lang == "zh" else f" {part} " in f" {whole} "


def _as_written(key: str, forms: dict[str, float]) -> str:
    """How the text writes a phrase most often; the title's form (lower case) if only the title has it."""
    if not forms:
        return key
    written = max(forms, key=lambda form: (forms[form], form))
    if _capital_first_only(written) and forms[written] < 1:  # every occurrence starts a sentence
        return written[0].lower() + written[1:]  # only ever at a sentence's start
    return written


def _is_name(forms: dict[str, float]) -> bool:
    """Whether a phrase is written as a name: every word starts with a capital, not only at a sentence's start."""
    return any(weight >= 1 and all(word[0].isupper() for word in form.split()) for form, weight in forms.items())


def _capital_first_only(written: str) -> bool:
    """Whether only the first letter is a capital (Full waveform inversion, not FWI or Rodrigues-based)."""
    return written[:1].isupper() and written[1:] == written[1:].lower()


class _TaggedWords:
    """The `cut` jieba.analyse.TextRank calls: jieba's part-of-speech tagger, Latin terms whole."""

    def __init__(self, words: Segmenter) -> None:
        self.tagger = _posseg().POSTokenizer(words.tokenizer)

    def cut(self, text: str) -> Iterator[object]:
        pair = _posseg().pair
        position = 0
        for match in _ENGLISH_WORD_RE.finditer(text):
            yield from self.tagger.cut(text[position : match.start()])
            if _is_candidate(match.group()):
                yield pair(match.group(), "eng")
            position = match.end()
        yield from self.tagger.cut(text[position:])


@cache
def _posseg() -> ModuleType:
    _analyse()
    import jieba.posseg

    return jieba.posseg


@lru_cache(maxsize=4)
def _textrank(words: Segmenter):  # -> jieba.analyse.TextRank
    extractor = _analyse().TextRank()
    extractor.tokenizer = extractor.postokenizer = _TaggedWords(words)
    extractor.stop_words = set(_stop_words("zh"))
    return extractor


def extract_keywords(
    text: str | Sequence[str],
    lang: str,
    count: int = 5,
    method: str = DEFAULT_METHOD,
    words: Segmenter | None = None,
    title: str | None = None,
) -> list[str]:
    """Up to `count` keywords of the text, best first: `tfidf` phrases or jieba's `textrank` (English: always phrases).

    `text` may also be the text's sentences as `jobs.segment.split_sentences` gave them, which
    saves splitting it again and reuses the summary's word splits. `title` (in the text's language)
    counts for the phrases it shares with the text, and may give keywords of its own. `words`
    splits Chinese into words (default: no glossary).
    """
    if method not in METHODS:
        raise ValueError(f"unknown keyword method {method!r}; choose one of: {', '.join(METHODS)}")
    if lang not in ("zh", "en"):
        raise ValueError(f"keywords are extracted from zh and en text, not {lang!r}")
    if count < 1:
        return []
    sentences = split_sentences(text, lang) if isinstance(text, str) else list(text)
    if lang == "en" or method == "tfidf":
        return phrase_keywords(sentences, lang, count, title, words)
    return list(_textrank(words or segmenter()).textrank("".join(sentences), topK=count, allowPOS=_TEXTRANK_POS))
