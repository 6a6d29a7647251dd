"""The glosses of the words of one field, each looked up once: abstracts repeat their terms."""

from __future__ import annotations

from collections.abc import Mapping

from .dictionary import GlossData
from .english import FUNCTION_ENGLISH, stems
from .lookup import word_pieces
from .rules import ACADEMIC_WORDS, CIRCUMPOSITIONS, CLOSERS, FUNCTION_WORDS, Field
from .tokens import Piece, Token


class Glosses:
    """What the engine and its rules ask of words in one field (rules.FIELDS, or none), remembered.

    A word's pieces and text are looked up once (lookup.py chooses its sense). Two rules keep what
    they compute from a word's English here too, in dictionaries of their own: the articles its
    shape (`shapes`, grammar/articles.py) and the modifiers its attributive forms (`attributives`,
    grammar/modifiers.py).
    """

    def __init__(self, data: GlossData, field: Field | None, glossary: Mapping[str, str]) -> None:
        self.data = data
        self.field = field
        self.glossary = glossary  # the forced English of each glossary term, as the scanner finds it
        self._pieces: dict[str, tuple[Piece, ...]] = {}
        self._texts: dict[str, str] = {}
        self.shapes: dict[str, tuple[str, str, bool]] = {}
        self.attributives: dict[str, tuple[str, str]] = {}

    def pieces(self, word: str) -> tuple[Piece, ...]:
        """The output pieces for one segmented word."""
        pieces = self._pieces.get(word)
        if pieces is None:
            pieces = self._pieces[word] = tuple(word_pieces(word, self.data, self.field))
        return pieces

    def text(self, word: str) -> str:
        """The English of one word, as text."""
        text = self._texts.get(word)
        if text is None:
            text = self._texts[word] = " ".join(piece.text for piece in self.pieces(word))
        return text

    def english(self, token: Token) -> str:
        """The English of one content token, as text: a word's, a glossary term's, or the token as it is."""
        if token.kind == "han":
            return self.text(token.text)
        return self.glossary[token.text] if token.kind == "term" else token.text

    def stems(self, word: str) -> frozenset[str]:
        """The stems of one word's English."""
        return stems(self.text(word))

    def is_function_word(self, word: str) -> bool:
        """Whether a word is grammar rather than content: a particle, preposition or conjunction."""
        simplified = self.data.simplified.get(word, word)
        if simplified in FUNCTION_WORDS or simplified in CIRCUMPOSITIONS or simplified in CLOSERS:
            return True
        sense = ACADEMIC_WORDS.get(simplified) or self.data.senses.get(word)  # 针对 "for"
        return sense is not None and FUNCTION_ENGLISH.issuperset(sense.lower().split())
