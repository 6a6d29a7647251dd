"""Extractive summaries with sumy, over the project's own sentences, as sentence indices.

The pipeline picks indices once, on the source language, and emits both languages' summaries
from them, so the Chinese and English summaries are the same sentences. sumy's own parsers are
not used: its document is built here from our segmentation and our word tokenizers, which need
no NLTK data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer, null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.utils import get_stop_words

from .wordseg import words

SUMMARIZERS: dict[str, type[AbstractSummarizer]] = {
    "lexrank": LexRankSummarizer,
    "luhn": LuhnSummarizer,
}
DEFAULT_ALGORITHM = "lexrank"

#: LexRank compares every sentence with every other in Python: about 1 s at 400 sentences and
#: a minute at 2,500 (a whole paper pasted into an abstract field). Above this, Luhn (linear)
#: is used instead, and the record says so.
LEXRANK_MAX_SENTENCES = 400
_LONG_TEXT_ALGORITHM = "luhn"

_SUMY_LANGUAGE = {"zh": "chinese", "en": "english"}


@dataclass(frozen=True)
class Summary:
    """Which sentences summarise a text (sorted indices) and the algorithm that chose them."""

    indices: list[int]
    algorithm: str


class _Words:
    """The tokenizer interface sumy's Sentence expects, over our own word splitting."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def to_words(self, sentence: str) -> list[str]:
        return words(sentence, self.lang)


@cache
def _summarizer(algorithm: str, lang: str) -> AbstractSummarizer:
    language = _SUMY_LANGUAGE[lang]
    stemmer = Stemmer(language) if lang == "en" else null_stemmer
    summarizer = SUMMARIZERS[algorithm](stemmer)
    if hasattr(summarizer, "stop_words"):
        summarizer.stop_words = get_stop_words(language)
    return summarizer


def choose_sentences(
    sentences: Sequence[str], lang: str, count: int, algorithm: str = DEFAULT_ALGORITHM
) -> Summary:
    """The indices, in document order, of at most `count` sentences that summarise the text.

    A text of `count` sentences or fewer is its own summary.
    """
    if len(sentences) <= count:
        return Summary(list(range(len(sentences))), algorithm)
    if algorithm == "lexrank" and len(sentences) > LEXRANK_MAX_SENTENCES:
        algorithm = _LONG_TEXT_ALGORITHM
    tokenizer = _Words(lang)
    document_sentences = [Sentence(text, tokenizer) for text in sentences]
    document = ObjectDocumentModel([Paragraph(document_sentences)])
    position = {id(sentence): index for index, sentence in enumerate(document_sentences)}
    chosen = _summarizer(algorithm, lang)(document, count)
    return Summary(sorted(position[id(sentence)] for sentence in chosen), algorithm)
