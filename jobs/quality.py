"""Checks on a translation that tell a reader how far to trust it."""

from __future__ import annotations

import re
from operator import eq

_TOKEN_RE = re.compile(r"\w+")  # words only: "...." is punctuation, not a loop
#: A token repeated this many times in a row, or a 2-4 token phrase repeated `_PHRASE_REPEATS`
#: times in a row, is the signature of a decoder stuck in a loop, not of real prose.
_TOKEN_REPEATS = 4
_PHRASE_REPEATS = 3


def is_repetitive(translation: str) -> bool:
    """Whether the translation loops: `the the the the`, `of the war of the war of the war`."""
    tokens = _TOKEN_RE.findall(translation.casefold())
    for size in range(1, 5):
        needed = _TOKEN_REPEATS if size == 1 else _PHRASE_REPEATS
        if len(tokens) < size * needed:
            break
        # A phrase of `size` tokens said `needed` times in a row is a stretch where each token is
        # the one `size` before it, `size * (needed - 1)` times running: one pass over the tokens.
        same = bytes(map(eq, tokens, tokens[size:]))
        if b"\x01" * (size * (needed - 1)) in same:
            return True
    return False
