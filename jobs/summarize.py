"""Extractive summaries with sumy, over the project's own sentences, as sentence indices.

The pipeline picks indices once, on the source language, and emits both languages' summaries
from them, so the Chinese and English summaries are the same sentences (aligned mode). For
independent summaries it calls `choose_sentences` once per language on that language's
sentences. sumy's own parsers are not used: its document is built here from our segmentation and
our word tokenizers (jieba for Chinese, a regex and the Snowball stemmer for English), which need
no NLTK data. The algorithms themselves are in `jobs.summarizers`, imported with the first summary:
sumy imports NLTK and numpy, which a run with nothing to summarise never needs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from .wordseg import Segmenter, segmenter

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

SUMY_LANGUAGE = {"zh": "chinese", "en": "english"}

#: Every algorithm, by the name `--algorithm` takes: sumy's eight, then digest's own (their
#: classes are `jobs.summarizers.SUMMARIZERS`, in this order).
ALGORITHMS = ("lexrank", "textrank", "lsa", "luhn", "edmundson", "kl", "sumbasic", "reduction", "cue-position")
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
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown summary algorithm {algorithm!r}; choose one of: {', '.join(ALGORITHMS)}")
    if lang not in SUMY_LANGUAGE:
        raise ValueError(f"summaries are made for zh and en text, not {lang!r}")
    count = summary_length(len(sentences), size)
    if len(sentences) <= count:
        return Summary(list(range(len(sentences))), algorithm)
    if len(sentences) > MAX_SENTENCES.get(algorithm, len(sentences)):
        algorithm = LONG_TEXT_ALGORITHM
    # Here, not above: sumy (with NLTK and numpy) is loaded for the first text that needs a choice.
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    from .summarizers import summarizer

    tokenizer = _Words(lang, words or segmenter())
    document_sentences = [Sentence(text, tokenizer) for text in sentences]
    headings = [Sentence(title, tokenizer, is_heading=True)] if title and algorithm == "edmundson" else []
    document = ObjectDocumentModel([Paragraph(headings + document_sentences)])
    position = {id(sentence): index for index, sentence in enumerate(document_sentences)}
    with warnings.catch_warnings():
        # LSA warns when a text has fewer distinct words than sentences; it still ranks them.
        warnings.filterwarnings("ignore", message="Number of words", category=UserWarning)
        chosen = summarizer(algorithm, lang, bool(headings))(document, count)
    indices = sorted(position[id(sentence)] for sentence in chosen)[:count]
    if len(indices) < count:
        # LSA returns nothing when every word is a stop word: fill up from the start.
        indices = sorted(indices + [i for i in range(len(sentences)) if i not in indices][: count - len(indices)])
    return Summary(indices, algorithm)
