"""A model's own SentencePiece files: sentences to the tokens the model reads, its tokens back to text."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Any

from .layouts import Direction, Layout


class Tokens:
    """One direction's tokenizers, with the tokens its family puts around a sentence (see `layouts`)."""

    def __init__(self, folder: Path, layout: Layout, direction: Direction) -> None:
        import sentencepiece

        self.direction = direction
        self.special = layout.special
        self.source: Any = sentencepiece.SentencePieceProcessor(model_file=str(folder / direction.source_tokenizer))
        self.target: Any = (
            self.source
            if direction.target_tokenizer == direction.source_tokenizer
            else sentencepiece.SentencePieceProcessor(model_file=str(folder / direction.target_tokenizer))
        )
        self._unknown = self.target.unk_id()

    @property
    def target_prefix(self) -> list[str] | None:
        return list(self.direction.target_prefix) or None

    def encode(self, sentences: list[str]) -> list[list[str]]:
        """Each sentence's source tokens, the family's tokens around it; none for a blank sentence."""
        prefix, suffix = list(self.direction.source_prefix), list(self.direction.source_suffix)
        pieces = self.source.encode(sentences, out_type=str)
        return [prefix + own + suffix if sentence.strip() else [] for sentence, own in zip(sentences, pieces)]

    def decode(self, tokens: list[str]) -> str:
        """The text of the model's output tokens, without the target prefix and the tokens that are no text.

        A piece the target tokenizer does not know (CTranslate2's `replace_unknowns` copies a
        source piece in place of `<unk>`) is kept as its text rather than decoded to ` ⁇ `.
        """
        prefix = list(self.direction.target_prefix)
        if prefix and tokens[: len(prefix)] == prefix:
            tokens = tokens[len(prefix) :]
        text = ""
        words = [token for token in tokens if not self.special.fullmatch(token)]
        for known, run in groupby(words, key=lambda token: self.target.piece_to_id(token) != self._unknown):
            pieces = list(run)
            part = self.target.decode(pieces) if known else "".join(pieces).replace("\u2581", " ")
            if text and pieces[0].startswith("\u2581"):
                text += " "
            text += part.strip()
        return " ".join(text.split())
