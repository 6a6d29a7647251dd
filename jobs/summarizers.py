"""The summary algorithms, on sumy's document model: sumy's eight and digest's cue-position.

Imported by `jobs.summarize.choose_sentences` when it first makes a summary: sumy's stemmers import
all of NLTK and numpy, which a run with nothing to summarise (a cron run with nothing new) never needs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

from sumy.models.dom import ObjectDocumentModel, Sentence
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

from .summarize import ALGORITHMS, EDMUNDSON_BONUS_WORDS, EDMUNDSON_STIGMA_WORDS, SUMY_LANGUAGE


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


def _edmundson(stemmer: Callable[[str], str], lang: str, title_weight: float = 1.0) -> AbstractSummarizer:
    summarizer = EdmundsonSummarizer(
        stemmer, cue_weight=1.0, key_weight=0.0, title_weight=title_weight, location_weight=1.0
    )
    summarizer.bonus_words = EDMUNDSON_BONUS_WORDS[lang]
    summarizer.stigma_words = EDMUNDSON_STIGMA_WORDS[lang]
    # Null words are left out of the title's significant words: the stop words.
    summarizer.null_words = get_stop_words(SUMY_LANGUAGE[lang])
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
if tuple(SUMMARIZERS) != ALGORITHMS:  # the names `--algorithm` offers before this module is imported
    raise ImportError("jobs.summarize.ALGORITHMS must list the algorithms of jobs.summarizers.SUMMARIZERS")


@cache
def summarizer(algorithm: str, lang: str, titled: bool = False) -> AbstractSummarizer:
    language = SUMY_LANGUAGE[lang]
    stemmer = Stemmer(language) if lang == "en" else null_stemmer
    if algorithm == "edmundson" and not titled:
        # With no title its title method scores every word 0: skip the work.
        summarizer = _edmundson(stemmer, lang, title_weight=0.0)
    else:
        summarizer = SUMMARIZERS[algorithm](stemmer, lang)
    if hasattr(summarizer, "stop_words"):
        summarizer.stop_words = get_stop_words(language)
    return summarizer
