"""Extractive summaries with sumy, over the project's own sentences, as sentence indices.

The pipeline picks indices once, on the source language, and emits both languages' summaries
from them, so the Chinese and English summaries are the same sentences (aligned mode). For
independent summaries it calls `choose_sentences` once per language on that language's
sentences. sumy's own parsers are not used: its document is built here from our segmentation and
our word tokenizers (jieba for Chinese, a regex and the Snowball stemmer for English), which need
no NLTK data. digest's own algorithm, cue-position (the default), is here and needs no sumy; sumy's
eight are in `jobs.summarizers`, imported with the first summary one of them makes: sumy imports
NLTK and numpy (0.5 s), which Chinese cue-position summaries and a run with nothing new never need.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from .cue_words import EDMUNDSON_BONUS_WORDS, EDMUNDSON_STIGMA_WORDS
from .wordseg import SUMY_LANGUAGE, Segmenter, segmenter, stop_words

#: Every algorithm, by the name `--algorithm` takes: sumy's eight (`jobs.summarizers.SUMMARIZERS`,
#: in this order), then digest's own.
ALGORITHMS = ("lexrank", "textrank", "lsa", "luhn", "edmundson", "kl", "sumbasic", "reduction", "cue-position")
CUE_POSITION = "cue-position"
DEFAULT_ALGORITHM = CUE_POSITION


class CuePositionSummarizer:
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

    def __init__(self, stemmer: Callable[[str], str] | None, lang: str) -> None:
        self.stemmer = stemmer  # None: words are only put in lower case
        self.bonus_words = frozenset(map(self.stem_word, EDMUNDSON_BONUS_WORDS[lang]))
        self.stigma_words = frozenset(map(self.stem_word, EDMUNDSON_STIGMA_WORDS[lang]))
        self.stop_words = stop_words(lang)

    def stem_word(self, word: str) -> str:
        return word.lower() if self.stemmer is None else self.stemmer(word.lower())

    def __call__(self, sentences: Sequence[str], words: Sequence[Sequence[str]], sentences_count: int) -> list[int]:
        """The indices, in document order, of the `sentences_count` sentences chosen (`words`: each one's words)."""
        normalized = [[word.lower() for word in sentence_words] for sentence_words in words]
        if self.stemmer is None:
            stemmed = normalized
        else:
            stemmed = [[self.stemmer(word) for word in sentence_words] for sentence_words in normalized]
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
                - self.LENGTH * math.log(max(1, len(sentence.strip())))
            )
        # Best first; each pick lowers the others by REDUNDANCY times their cosine with it (the
        # largest over the picks so far).
        count = min(sentences_count, len(sentences))
        if count < 1:
            return []
        overlap = [0.0] * len(sentences)
        left = list(range(len(sentences)))
        chosen: list[int] = []
        while True:
            best = max(left, key=lambda i: (scores[i] - self.REDUNDANCY * overlap[i], -i))
            chosen.append(best)
            left.remove(best)
            if len(chosen) == count:
                return sorted(chosen)
            for i in left:
                if norms[i] and norms[best]:
                    overlap[i] = max(overlap[i], _dot(content[i], content[best]) / (norms[i] * norms[best]))


def _dot(a: Counter[str], b: Counter[str]) -> int:
    if len(b) < len(a):
        a, b = b, a
    return sum(n * b[word] for word, n in a.items() if word in b)


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
    if algorithm == CUE_POSITION:
        splitter = words or segmenter()
        words_of = [splitter.cached_words(sentence.strip(), lang) for sentence in sentences]
        return Summary(_cue_position(lang)(sentences, words_of, count), algorithm)
    # Here, not above: sumy (with NLTK and numpy) is loaded for the first text that needs one of its algorithms.
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


@cache
def _cue_position(lang: str) -> CuePositionSummarizer:
    """digest's summarizer for a language; English words are stemmed as by sumy's other algorithms."""
    if lang != "en":
        return CuePositionSummarizer(None, lang)
    # Here, not above: NLTK takes 0.4 s to import, and Chinese never needs it. sumy's English
    # stemmer is this one (sumy.nlp.stemmers.Stemmer("english")), without sumy.utils' requests.
    from nltk.stem.snowball import EnglishStemmer

    return CuePositionSummarizer(EnglishStemmer().stem, lang)
