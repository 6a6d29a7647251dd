"""Extractive summaries with sumy, over the project's own sentences, as sentence indices.

The pipeline picks indices once, on the source language, and emits both languages' summaries
from them, so the Chinese and English summaries are the same sentences (aligned mode). For
independent summaries it calls `choose_sentences` once per language on that language's
sentences. sumy's own parsers are not used: its document is built here from our segmentation and
our word tokenizers (jieba for Chinese, a regex and the Snowball stemmer for English), which need
no NLTK data.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer, null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from .wordseg import Segmenter, segmenter


class SmoothedLexRankSummarizer(LexRankSummarizer):
    """LexRank whose idf stays positive on short texts.

    sumy's idf is log(n / (1 + n_j)) with each sentence as a document: in a 4-sentence abstract
    a word in 3 sentences weighs 0 and a word in 2 weighs log(4/3), so most similarities fall
    under the 0.1 threshold, the ranks tie, and ties keep document order: the summary is the
    first sentences. With two sentences that share no word every weight is 0 and the power
    method divides 0 by 0. Smoothing as in common tf-idf practice, log((1 + n) / (1 + n_j)) + 1,
    keeps every word's weight positive and shared words still weigh less than rare ones. On CSL
    abstracts of 3+ sentences the first sentence is chosen for 57% of them instead of 81%
    (benchmarks/summary_quality.py).
    """

    @staticmethod
    def _compute_idf(sentences: Sequence[Sequence[str]]) -> dict[str, float]:
        count = len(sentences)
        document_frequency: dict[str, int] = {}
        for sentence in sentences:
            for term in set(sentence):
                document_frequency[term] = document_frequency.get(term, 0) + 1
        return {term: math.log((1 + count) / (1 + df)) + 1 for term, df in document_frequency.items()}


#: Cue words for Edmundson's cue method. Bonus words mark what a paper did and found; stigma
#: words mark background, motivation and hedging, which open most abstracts. Chinese entries are
#: words as jieba splits them (结果表明 and 结果显示 are single words); English entries are
#: stemmed like the text, so inflections match.
EDMUNDSON_BONUS_WORDS = {
    "zh": (
        "本文 文中 本研究 笔者 提出 旨在 目的 基于 采用 建立 构建 设计 实现 首次 新 "
        "结果表明 结果显示 表明 显示 发现 证明 证实 揭示 结论 有效 显著 优于"
    ).split(),
    "en": (
        "paper article study propose present introduce develop establish design novel new "
        "result show demonstrate reveal find indicate prove confirm conclude conclusion "
        "effective significant outperform improve achieve"
    ).split(),
}
EDMUNDSON_STIGMA_WORDS = {
    "zh": (
        "随着 近年来 近年 目前 当前 传统 然而 但是 但 已经 日益 越来越 广泛 一直 往往 通常 "
        "可能 也许 此外 另外 例如 比如 众所周知 一般"
    ).split(),
    "en": (
        "however although though recently recent traditional conventional existing previous "
        "usually often widely increasingly may might perhaps example moreover furthermore"
    ).split(),
}

_SUMY_LANGUAGE = {"zh": "chinese", "en": "english"}


def _edmundson(stemmer: Callable[[str], str], lang: str, title_weight: float = 1.0) -> AbstractSummarizer:
    summarizer = EdmundsonSummarizer(
        stemmer, cue_weight=1.0, key_weight=0.0, title_weight=title_weight, location_weight=1.0
    )
    summarizer.bonus_words = EDMUNDSON_BONUS_WORDS[lang]
    summarizer.stigma_words = EDMUNDSON_STIGMA_WORDS[lang]
    # Null words are left out of the title's significant words: the stop words.
    summarizer.null_words = get_stop_words(_SUMY_LANGUAGE[lang])
    return summarizer


class CuePositionSummarizer(AbstractSummarizer):
    """Sentences scored on where they stand, their cue words and how central they are; digest's default.

    A sentence at position i (from 0) scores

        POSITION / (1 + i) ** 2 + CENTRALITY * cos(sentence, the rest of the text)
        + CUE * (bonus - stigma words, within -2..2) - LENGTH * log(characters)

    and sentences are picked best first, each next pick losing REDUNDANCY times its largest cosine
    with one already picked. Chinese abstracts open with their main claim, so the position weight
    makes the first sentence the usual one-sentence summary; a first sentence of background
    (随着, 近年来: stigma words) gives way to a later one that says what the paper did (本文提出,
    结果表明: bonus words). The position weight falls off fast, so from the second pick on cue words
    and centrality choose, from across the abstract. POSITION, CENTRALITY, CUE and LENGTH were
    tuned on the tuning half of the CSL abstracts (benchmarks/tune_weights.py); REDUNDANCY was
    set by hand (the benchmark has no score for longer summaries). The centrality leaves the sentence itself out of
    the text's word counts, and every part reads each word once: linear in the text's length.
    """

    POSITION = 1.0
    CENTRALITY = 0.5
    CUE = 0.4
    LENGTH = 0.1
    REDUNDANCY = 0.5

    def __init__(self, stemmer: Callable[[str], str], lang: str) -> None:
        super().__init__(stemmer)
        self.bonus_words = frozenset(map(self.stem_word, EDMUNDSON_BONUS_WORDS[lang]))
        self.stigma_words = frozenset(map(self.stem_word, EDMUNDSON_STIGMA_WORDS[lang]))
        self.stop_words: frozenset[str] = frozenset()

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        sentences = document.sentences
        normalized = [[word.lower() for word in sentence.words] for sentence in sentences]
        if self._stemmer is null_stemmer:
            stemmed = normalized
        else:
            stemmed = [[self._stemmer(word) for word in words] for words in normalized]
        content = [
            Counter(stem for word, stem in zip(words, stems) if word not in self.stop_words)
            for words, stems in zip(normalized, stemmed)
        ]
        total: Counter[str] = Counter()
        for counts in content:
            total.update(counts)
        total_square = sum(n * n for n in total.values())
        scores = []
        norms = []
        for index, (sentence, words, counts) in enumerate(zip(sentences, stemmed, content)):
            # cos(c, t - c) with |t - c|^2 = |t|^2 - 2 t.c + |c|^2: no pass over the whole vocabulary.
            shared = sum(n * total[word] for word, n in counts.items())
            own = sum(n * n for n in counts.values())
            norms.append(math.sqrt(own))
            rest = total_square - 2 * shared + own
            centrality = (shared - own) / math.sqrt(own * rest) if own and rest > 0 else 0.0
            cue = sum(word in self.bonus_words for word in words) - sum(word in self.stigma_words for word in words)
            scores.append(
                self.POSITION / (1 + index) ** 2
                + self.CENTRALITY * centrality
                + self.CUE * max(-2, min(2, cue))
                - self.LENGTH * math.log(max(1, len(str(sentence))))
            )
        # Best first; each pick lowers the others by REDUNDANCY times their cosine with it (the
        # largest over the picks so far).
        count = min(sentences_count, len(sentences))
        if count < 1:
            return ()
        overlap = [0.0] * len(sentences)
        left = list(range(len(sentences)))
        chosen: list[int] = []
        while True:
            best = max(left, key=lambda i: (scores[i] - self.REDUNDANCY * overlap[i], -i))
            chosen.append(best)
            left.remove(best)
            if len(chosen) == count:
                return tuple(sentences[i] for i in sorted(chosen))
            for i in left:
                if norms[i] and norms[best]:
                    overlap[i] = max(overlap[i], _dot(content[i], content[best]) / (norms[i] * norms[best]))


def _dot(a: Counter[str], b: Counter[str]) -> int:
    if len(b) < len(a):
        a, b = b, a
    return sum(n * b[word] for word, n in a.items() if word in b)


#: Every algorithm, by the name `--algorithm` takes: sumy's eight, then digest's own.
SUMMARIZERS: dict[str, Callable[[Callable[[str], str], str], AbstractSummarizer]] = {
    "lexrank": lambda stemmer, lang: SmoothedLexRankSummarizer(stemmer),
    "textrank": lambda stemmer, lang: TextRankSummarizer(stemmer),
    "lsa": lambda stemmer, lang: LsaSummarizer(stemmer),
    "luhn": lambda stemmer, lang: LuhnSummarizer(stemmer),
    "edmundson": _edmundson,
    "kl": lambda stemmer, lang: KLSummarizer(stemmer),
    "sumbasic": lambda stemmer, lang: SumBasicSummarizer(stemmer),
    "reduction": lambda stemmer, lang: ReductionSummarizer(stemmer),
    "cue-position": CuePositionSummarizer,
}
ALGORITHMS = tuple(SUMMARIZERS)
DEFAULT_ALGORITHM = "cue-position"

#: The longest text, in sentences, each algorithm is given; above it Edmundson, whose methods
#: each read every word once (0.15 s for 2,500 sentences), is used and the record says so. Each
#: limit keeps one call near a second (benchmarks/summary_quality.py --long): LexRank, TextRank
#: and Reduction compare every pair of sentences, SumBasic and KL rescan every sentence for each
#: pick (KL over the growing summary too), LSA and Luhn loop over words times sentences. Without
#: them a 100,000-character abstract of 2,500 sentences would take from seconds (Luhn, SumBasic)
#: to hours (KL).
MAX_SENTENCES = {
    "lexrank": 300,
    "textrank": 400,
    "lsa": 400,
    "luhn": 500,
    "kl": 75,
    "sumbasic": 800,
    "reduction": 200,
}
LONG_TEXT_ALGORITHM = "edmundson"


@dataclass(frozen=True)
class Summary:
    """Which sentences summarise a text (sorted indices) and the algorithm that chose them."""

    indices: list[int]
    algorithm: str


class _Words:
    """The tokenizer interface sumy's Sentence expects, over our own word splitting."""

    def __init__(self, lang: str, words: Segmenter) -> None:
        self.lang = lang
        self.words = words

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return self.words.cached_words(sentence, self.lang)


@cache
def _summarizer(algorithm: str, lang: str, titled: bool = False) -> AbstractSummarizer:
    language = _SUMY_LANGUAGE[lang]
    stemmer = Stemmer(language) if lang == "en" else null_stemmer
    if algorithm == "edmundson" and not titled:
        # With no title its title method scores every word 0: skip the work.
        summarizer = _edmundson(stemmer, lang, title_weight=0.0)
    else:
        summarizer = SUMMARIZERS[algorithm](stemmer, lang)
    if hasattr(summarizer, "stop_words"):
        summarizer.stop_words = get_stop_words(language)
    return summarizer


def summary_length(total: int, size: int | float) -> int:
    """How many of `total` sentences a summary has: `size` sentences (int) or that share of them (float).

    A share is rounded down (never more than asked) but is at least one sentence.
    """
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        raise TypeError(f"summary size must be a sentence count or a ratio, not {size!r}")
    if isinstance(size, int):
        if size < 1:
            raise ValueError(f"a summary needs at least 1 sentence, not {size}")
        return min(size, total)
    if not 0 < size <= 1:
        raise ValueError(f"a summary ratio must be above 0 and at most 1, not {size}")
    # The epsilon keeps 0.3 * 10 (3.0000000000000004 or 2.9999999999999996) at 3.
    return min(total, max(1, math.floor(size * total + 1e-9)))


def choose_sentences(
    sentences: Sequence[str],
    lang: str,
    size: int | float = 3,
    algorithm: str = DEFAULT_ALGORITHM,
    title: str | None = None,
    words: Segmenter | None = None,
) -> Summary:
    """The indices, in document order, of the sentences that summarise the text.

    `size` is a sentence count (int) or a ratio of the text's sentences (float, 0 < R <= 1); the
    summary has that many sentences, at least one, and a text with no more sentences than that
    is its own summary. `title` (same language) gives Edmundson its title words; the other
    algorithms ignore it. `words` splits sentences into words (default: no glossary).
    """
    if algorithm not in SUMMARIZERS:
        raise ValueError(f"unknown summary algorithm {algorithm!r}; choose one of: {', '.join(ALGORITHMS)}")
    if lang not in _SUMY_LANGUAGE:
        raise ValueError(f"summaries are made for zh and en text, not {lang!r}")
    count = summary_length(len(sentences), size)
    if len(sentences) <= count:
        return Summary(list(range(len(sentences))), algorithm)
    if len(sentences) > MAX_SENTENCES.get(algorithm, len(sentences)):
        algorithm = LONG_TEXT_ALGORITHM
    tokenizer = _Words(lang, words or segmenter())
    document_sentences = [Sentence(text, tokenizer) for text in sentences]
    headings = [Sentence(title, tokenizer, is_heading=True)] if title and algorithm == "edmundson" else []
    document = ObjectDocumentModel([Paragraph(headings + document_sentences)])
    position = {id(sentence): index for index, sentence in enumerate(document_sentences)}
    with warnings.catch_warnings():
        # LSA warns when a text has fewer distinct words than sentences; it still ranks them.
        warnings.filterwarnings("ignore", message="Number of words", category=UserWarning)
        chosen = _summarizer(algorithm, lang, bool(headings))(document, count)
    indices = sorted(position[id(sentence)] for sentence in chosen)[:count]
    if len(indices) < count:
        # LSA returns nothing when every word is a stop word: fill up from the start.
        indices = sorted(indices + [i for i in range(len(sentences)) if i not in indices][: count - len(indices)])
    return Summary(indices, algorithm)
