"""Keywords of an abstract, extracted from its text: jieba.analyse for Chinese, TextRank for English.

Chinese uses jieba's TF-IDF (the default; jieba's IDF table was computed on a large general
corpus) or its TextRank, both over digest's own jieba tokenizer, so Latin terms inside Chinese
(COVID-19, YOLOv5) stay whole and jieba's cache stays in digest's cache folder. English has no
IDF table that needs no download, so English keywords come from TextRank (Mihalcea and Tarau,
2004) over our English words with stop words and the Snowball stemmer, whichever method is
asked for. Author keywords are never read here: they stay in the record's `meta`.
"""

from __future__ import annotations

import copy
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from itertools import chain
from types import ModuleType

from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from .segment import split_sentences
from .wordseg import _ENGLISH_WORD_RE, Segmenter, jieba_module, segmenter

METHODS = ("tfidf", "textrank")
DEFAULT_METHOD = "tfidf"

#: Words every abstract uses to say what kind of work it reports, never what it is about. jieba's
#: IDF table comes from general text, where 本文 or 对照组 are rare and so would rank high.
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

#: Parts of speech TextRank keeps for Chinese: nouns (common, place, organisation, other proper),
#: verbal nouns, verbs, idioms and abbreviations, and Latin terms.
_TEXTRANK_POS = ("n", "ns", "nt", "nz", "vn", "v", "l", "j", "eng")
#: The longest English keyphrase, in words.
_PHRASE_WORDS = 3


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
    return get_stop_words("chinese" if lang == "zh" else "english") | ACADEMIC_STOP_WORDS[lang]


def _is_candidate(word: str) -> bool:
    """Numbers (120, 0.05) are never keywords."""
    return not word.replace(".", "").isdigit()


class _Words:
    """The `cut` jieba.analyse.TFIDF calls, over our sentences and words (Latin terms whole)."""

    def __init__(self, words: Segmenter) -> None:
        self.words = words

    def cut(self, sentences: Sequence[str]) -> Iterator[str]:
        return chain.from_iterable(self.words.cached_words(sentence, "zh") for sentence in sentences)


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
def _tfidf(words: Segmenter):  # -> jieba.analyse.TFIDF
    # A copy of jieba's default extractor shares its 270,000-word IDF table instead of reading
    # it again; the copy gets our tokenizer and stop words, leaving jieba's globals alone.
    extractor = copy.copy(_analyse().default_tfidf)
    extractor.tokenizer = _Words(words)
    extractor.stop_words = set(_stop_words("zh"))
    return extractor


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
) -> list[str]:
    """Up to `count` keywords of the text, best first: `tfidf` or `textrank` (English: always TextRank).

    `text` may also be the text's sentences as `jobs.segment.split_sentences` gave them, which
    saves splitting it again and reuses the summary's word splits. `words` splits Chinese into
    words (default: no glossary).
    """
    if method not in METHODS:
        raise ValueError(f"unknown keyword method {method!r}; choose one of: {', '.join(METHODS)}")
    if lang not in ("zh", "en"):
        raise ValueError(f"keywords are extracted from zh and en text, not {lang!r}")
    if count < 1:
        return []
    sentences = split_sentences(text, lang) if isinstance(text, str) else list(text)
    if lang == "en":
        return english_textrank(sentences, count)
    if method == "tfidf":
        # jieba hands the "sentence" it is given to our tokenizer untouched: here, the sentences.
        # Numbers are dropped from the ranking rather than from every sentence's words (faster).
        ranked = _tfidf(words or segmenter()).extract_tags(sentences, topK=None)
        return [word for word in ranked if _is_candidate(word)][:count]
    return list(_textrank(words or segmenter()).textrank("".join(sentences), topK=count, allowPOS=_TEXTRANK_POS))


@cache
def _stemmer() -> Stemmer:
    return Stemmer("english")


def english_textrank(sentences: Sequence[str], count: int = 5) -> list[str]:
    """TextRank keywords of English text: words ranked on their co-occurrence graph, then joined into phrases.

    Candidates are the words that are neither stop words nor numbers, grouped by stem; within a
    sentence each candidate is linked to the next. Where top-ranked candidates (the top third)
    stand next to each other in the text, with no stop word or punctuation between, they make
    a phrase of up to three words, scored by the sum of their words' ranks.
    """
    stop_words = _stop_words("en")
    stem = _stemmer()
    graph: dict[str, Counter[str]] = defaultdict(Counter)
    # A run is a stretch of candidate words between stop words, numbers and punctuation.
    runs: list[list[tuple[str, str, bool]]] = []  # (stem, word as written, starts the sentence)
    for sentence in sentences:
        previous: str | None = None
        run: list[tuple[str, str, bool]] = []
        position = 0
        for match in _ENGLISH_WORD_RE.finditer(sentence):
            word, lowered = match.group(), match.group().lower()
            if sentence[position : match.start()].strip() and run:
                runs.append(run)
                run = []
            position = match.end()
            if lowered in stop_words or not _is_candidate(word) or len(word) < 2:
                if run:
                    runs.append(run)
                run = []
                continue
            stemmed = stem(lowered)
            run.append((stemmed, word, match.start() == 0))
            graph[stemmed]  # a candidate with no neighbour is still a node
            if previous is not None and previous != stemmed:
                graph[previous][stemmed] += 1
                graph[stemmed][previous] += 1
            previous = stemmed
        if run:
            runs.append(run)
    rank = _pagerank(graph)
    top = set(sorted(rank, key=rank.__getitem__, reverse=True)[: max(count, len(rank) // 3)])

    scores: dict[tuple[str, ...], float] = {}
    surfaces: dict[tuple[str, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for run in runs:
        start = 0
        while start < len(run):
            end = start + 1
            if run[start][0] in top:
                while end < len(run) and run[end][0] in top and end - start < _PHRASE_WORDS:
                    end += 1
            key = tuple(stemmed for stemmed, _, _ in run[start:end])
            scores[key] = sum(rank[s] for s in key)
            surface, initial = _surface(run[start:end])
            # Prefer how a phrase is written inside sentences, where capitals mean something.
            surfaces[key][surface] += 0.5 if initial else 1
            start = end
    chosen: list[tuple[str, ...]] = []
    for key in sorted(scores, key=scores.__getitem__, reverse=True):
        if len(chosen) == count:
            break
        if not any(set(key) <= set(other) for other in chosen):  # not a part of a chosen phrase
            chosen.append(key)
    return [max(surfaces[key], key=surfaces[key].__getitem__) for key in chosen]


def _surface(words: list[tuple[str, str, bool]]) -> tuple[str, bool]:
    """A phrase as written but for a capital that only starts its sentence (Full, not FWI); and whether it starts one."""
    written = [word for _, word, _ in words]
    initial = words[0][2]
    first = written[0]
    if initial and first[1:].islower() and all(not any(c.isupper() for c in w) for w in written[1:]):
        written[0] = first.lower()
    return " ".join(written), initial


def _pagerank(graph: dict[str, Counter[str]], damping: float = 0.85, rounds: int = 30) -> dict[str, float]:
    """Weighted PageRank over an undirected graph, nodes in a fixed order so ties are stable."""
    nodes = sorted(graph)
    out_weight = {node: sum(graph[node].values()) for node in nodes}
    score = dict.fromkeys(nodes, 1.0)
    for _ in range(rounds):
        score = {
            node: (1 - damping)
            + damping * sum(weight * score[other] / out_weight[other] for other, weight in graph[node].items())
            for node in nodes
        }
    return score
