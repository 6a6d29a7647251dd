"""Joining into English: a sentence's tokens as pieces of output (each word's gloss, or the English
the grammar fixed in its place), then the pieces as one text with English spacing and capitals."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .glosses import Glosses
from .grammar.headings import HEADINGS
from .tokens import Piece, Token

#: Punctuation (after NFKC) as (English text, glued to what precedes, glued to what follows).
PUNCTUATION: dict[str, tuple[str, bool, bool]] = {
    "。": (".", True, False),
    "、": (",", True, False),
    "《": ('"', False, True),
    "》": ('"', True, False),
    "“": ('"', False, True),
    "”": ('"', True, False),
    "‘": ("'", False, True),
    "’": ("'", True, False),
    "「": ('"', False, True),
    "」": ('"', True, False),
    "『": ('"', False, True),
    "』": ('"', True, False),
    "【": ("[", False, True),
    "】": ("]", True, False),
    "〔": ("[", False, True),
    "〕": ("]", True, False),
    "〈": ("<", False, True),
    "〉": (">", True, False),
    "~": ("-", True, True),
    "-": ("-", True, True),
    "/": ("/", True, True),
    "°": ("°", True, True),
    "·": ("", False, False),
    "・": ("", False, False),
}
PUNCTUATION.update({mark: (mark, True, False) for mark in ",.;:!?%)]}"})
PUNCTUATION.update({mark: (mark, False, True) for mark in "([{"})
_SENTENCE_END = frozenset(".!?")
#: A word that takes "an": "an amino acid", "an animal", but "a unit", "a user", "a European", "a one".
_VOWEL_SOUND = re.compile(r"(?i)(?:[ai]|e(?!u)|o(?!ne\b)|u(?!ni|s[aeiu]))")
#: Where a token has no successor.
_END = Token("mark", "")


def render(tokens: list[Token], fixed: dict[int, str], before: dict[int, str], glosses: Glosses) -> list[Piece]:
    """The output pieces of a sentence's tokens, with the English that grammar fixed in place
    (`fixed`, by token index; "" drops the token) and put before tokens (`before`)."""
    pieces: list[Piece] = []
    quoting = False  # inside straight double quotes, which open and close alike
    for index, token in enumerate(tokens):
        if index in before:
            pieces.append(Piece(before[index], capitalise=True))
        if index in fixed:
            if fixed[index]:
                pieces.append(Piece(fixed[index], capitalise=True))
        elif token == ("mark", '"'):
            pieces.append(Piece('"', glue_left=quoting, glue_right=not quoting))
            quoting = not quoting
        elif index == 1 and token == ("mark", ":") and tokens[0].text in HEADINGS:
            # A heading's colon: the word after it takes a capital, as English abstracts write it
            # ("Methods: Mice …"); a term keeps its case ("Conclusion: eIF3A …").
            after = tokens[2] if len(tokens) > 2 else _END
            pieces.append(Piece(":", glue_left=True, opens_sentence=after.kind == "han"))
        else:
            pieces.extend(_pieces(token, glosses))
    return pieces


def _pieces(token: Token, glosses: Glosses) -> tuple[Piece, ...]:
    """The output pieces of one token, as the dictionary, the glossary or the punctuation table gives them."""
    kind, text = token
    if kind == "han":
        return glosses.pieces(text)
    if kind == "term":
        return (Piece(glosses.glossary[text]),)
    if kind == "unit":
        return (Piece(text, capitalise=True),) if text else ()
    if kind == "dash":
        return (Piece("-"),)
    if kind == "mark":
        return _mark(text)
    if kind == "name":  # an author's English name for a term: a capital only on a plain word
        return (Piece(text, capitalise=text[: text.find(" ") % (len(text) + 1)].islower()),)
    # Numbers and Latin script pass through as they are; number words may take a capital.
    return (Piece(text, capitalise=kind != "latin"),)


def _mark(mark: str) -> tuple[Piece, ...]:
    """A punctuation mark or symbol as English punctuation; none for a control or space character."""
    if mark in PUNCTUATION:
        english, left, right = PUNCTUATION[mark]
        return (Piece(english, left, right),) if english else ()
    if not unicodedata.category(mark).startswith(("C", "Z")):
        return (Piece(mark),)
    return ()


def join(pieces: Sequence[Piece]) -> str:
    """Pieces joined with English spacing, with a capital at the start of each sentence."""
    out: list[str] = []
    glue = True
    capital = True
    article = -1  # where in `out` a glossed "a" stands, if it is the last word
    for piece in pieces:
        text = piece.text
        if capital and (piece.capitalise or text[:1].isalnum()):
            if piece.capitalise:
                text = text[:1].upper() + text[1:]
            capital = False
        if article >= 0 and piece.capitalise and _VOWEL_SOUND.match(text):
            out[article] += "n"  # 一种氨基酸 "an amino acid"
        if not (glue or piece.glue_left):
            out.append(" ")
        article = len(out) if piece.capitalise and text in ("a", "A") else -1
        out.append(text)
        glue = piece.glue_right
        if text in _SENTENCE_END or piece.opens_sentence:
            capital = True
    return "".join(out)
