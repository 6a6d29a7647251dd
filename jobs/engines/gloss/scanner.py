"""The source side: a sentence cut into tokens, with glossary terms kept whole, an author's English
names in place of the terms they name (names.py), numbers with their units (numerals.py), and
jieba's words for the rest of each Han run."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .dictionary import GlossData
from .glosses import Glosses
from .names import ENGLISH_NAME, english_name
from .numerals import DIGIT_RUN, digit_run_value, digit_runs, number_unit, number_words, numeral_tokens, unit_token
from .tokens import Token

#: Runs of a sentence: numbers, Latin-script words, Han text, whitespace, dashes, anything else.
RUNS = re.compile(
    r"(?P<num>\d+(?:\.\d+)?(?![A-Za-z\d]))"
    r"|(?P<latin>[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff]+(?:['’.+\-][A-Za-z0-9\u00c0-\u024f\u0370-\u03ff]+)*)"
    r"|(?P<han>[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+)"
    r"|(?P<space>\s+)"
    r"|(?P<dash>—+|―+|-{2,})"
    r"|(?P<mark>.)",
    re.DOTALL,
)


class Scanner:
    """Cuts sentences into tokens on the gloss data's tokenizer, a glossary's terms kept whole."""

    def __init__(self, data: GlossData, terms: Iterable[str]) -> None:
        self._data = data
        # Forced terms are split off before jieba sees the text, so no segmentation can break them.
        longest_first = sorted(terms, key=len, reverse=True)
        self._terms = re.compile("|".join(map(re.escape, longest_first))) if longest_first else None

    def tokens(self, text: str, glosses: Glosses) -> list[Token]:
        """The tokens of a sentence, an author's English names in place of the terms they name."""
        tokens: list[Token] = []
        position = 0
        for name in ENGLISH_NAME.finditer(text) if "(" in text else ():
            self._scan_terms(text[position : name.start()], tokens)
            if not english_name(tokens, name.group(1), name.group(2), glosses):
                self._scan(name.group(), tokens)  # nothing to replace: the parenthesis stays as it is
            position = name.end()
        self._scan_terms(text[position:], tokens)
        return tokens

    def _scan_terms(self, text: str, tokens: list[Token]) -> None:
        """Add the tokens of a stretch of text, its glossary terms kept whole."""
        position = 0
        for term in self._terms.finditer(text) if self._terms else ():
            self._scan(text[position : term.start()], tokens)
            tokens.append(Token("term", term.group()))
            position = term.end()
        self._scan(text[position:], tokens)

    def _scan(self, text: str, tokens: list[Token]) -> None:
        """Add the tokens of a stretch of text: runs of script, Han runs cut into words by jieba."""
        for match in RUNS.finditer(text):
            kind, run = match.lastgroup or "mark", match.group()
            if kind == "han":
                for part in digit_runs(run) if DIGIT_RUN.search(run) else (run,):
                    self._scan_han(part, tokens)
            elif kind == "num" and tokens and tokens[-1] == ("han", "第") and run.isdigit():
                tokens[-1] = Token("ord", number_words(int(run), ordinal=True))  # 第3 "3rd"
            elif kind != "space":
                tokens.append(Token(kind, run))

    def _scan_han(self, run: str, tokens: list[Token]) -> None:
        """Add the tokens of a run of Han characters: a number written digit by digit, or jieba's words."""
        value = digit_run_value(run)
        if value is not None:
            tokens.append(Token("num", str(value)))
            return
        if tokens and tokens[-1].kind in ("num", "ord"):
            run = number_unit(tokens, run)
        for word in self._data.tokenizer.cut(run, HMM=False):
            tokens.extend(self._word_tokens(tokens, word))

    def _word_tokens(self, tokens: list[Token], word: str) -> list[Token]:
        """A segmented word as tokens: a Chinese numeral (with its measure word) as a number and a unit."""
        unit = unit_token(tokens, word)
        if unit is not None:
            return [unit]
        known_word = len(word) > 1 and word in self._data.senses
        return numeral_tokens(self._data.simplified.get(word, word), known_word) or [Token("han", word)]
