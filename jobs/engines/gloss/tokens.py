"""The units the engine works in: the tokens a sentence is cut into, and the pieces of English it puts out."""

from __future__ import annotations

from typing import NamedTuple


class Token(NamedTuple):
    """A piece of the source, of a `kind`: han, term, num, ord, latin, name, unit, mark or dash.

    han is a word jieba cut, term a glossary's, num and ord a number (units and measure words
    after it become unit tokens), latin a run of Latin script passed through as it is, name the
    author's own English for the Chinese term before it (非小细胞肺癌（non-small cell lung cancer）).
    """

    kind: str
    text: str


class Piece(NamedTuple):
    """A piece of output: its text, whether it sticks to its neighbours, whether it may take a capital,
    and whether what follows it starts a sentence (the colon after a heading: "Methods: Mice …")."""

    text: str
    glue_left: bool = False
    glue_right: bool = False
    capitalise: bool = False
    opens_sentence: bool = False
