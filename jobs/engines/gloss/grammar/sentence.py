"""A sentence as the grammar rules see it, and what they decide about it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dictionary import GlossData
from ..glosses import Glosses
from ..rules import CLAUSE, CLAUSE_END, PHRASE_END, PLURAL_NOUNS
from ..tokens import Token

#: The kinds of token that can be content words.
_CONTENT = frozenset(("han", "latin", "term", "name"))
#: Where a token has no successor: what the rules see after the last one.
END = Token("mark", "")


@dataclass(slots=True)
class Sentence:
    """A sentence's tokens and their words, and the English the rules decide: `fixed` maps a token's
    index to the English in its place ("" drops it), `before` to English put before it.

    A token's word is its simplified Chinese for a Chinese word, CLAUSE for a mark that ends a
    clause, and "" for anything else.
    """

    tokens: list[Token]
    words: list[str]
    glosses: Glosses
    data: GlossData
    fixed: dict[int, str] = field(default_factory=dict)
    before: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tokens: list[Token], glosses: Glosses) -> Sentence:
        """A sentence of these tokens, with nothing decided yet."""
        simplified = glosses.data.simplified
        words = [
            simplified.get(text, text) if kind == "han" else CLAUSE if text in CLAUSE_END else ""
            for kind, text in tokens
        ]
        return cls(tokens, words, glosses, glosses.data)

    def following(self, index: int) -> Token:
        """The token after the one at `index`, or END."""
        return self.tokens[index + 1] if index + 1 < len(self.tokens) else END

    def gloss(self, index: int) -> str:
        """The gloss of the word at `index`, whatever grammar fixed there."""
        return self.glosses.text(self.tokens[index].text)

    def english(self, index: int) -> str:
        """The English of the content token at `index`: a word's, a glossary term's, or the token as it is."""
        return self.glosses.english(self.tokens[index])

    def content(self, index: int) -> bool:
        """Whether the token at `index` is a content word no rule has taken: a word, a term, a name."""
        kind, text = self.tokens[index]
        fixed = self.fixed
        if (index in fixed and not (self.words[index] in PLURAL_NOUNS and fixed[index])) or kind not in _CONTENT:
            return False
        return kind != "han" or (
            bool(self.words[index]) and text not in PHRASE_END and not self.glosses.is_function_word(text)
        )
