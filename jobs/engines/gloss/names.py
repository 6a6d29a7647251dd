"""An author's English name for a term, in parentheses after it (肺癌（lung cancer, LC）), in place of
the gloss of the Chinese words it names."""

from __future__ import annotations

import re

from .english import stems
from .glosses import Glosses
from .rules import FUNCTION_WORDS
from .tokens import Token

#: A term's English name in parentheses after it, with perhaps an abbreviation: (lung cancer, LC).
ENGLISH_NAME = re.compile(
    r"(?<=[\u3400-\u9fff\uf900-\ufaff\d])\(\s*"
    r"((?:[A-Za-z][\w'-]*(?: [\w'-]+)+)|[a-z][a-z-]{3,})"  # two words or more, or one lowercase word
    r"\s*(?:[,;]\s*([^()\u3400-\u9fff=<>]*?))?\s*\)"
)


def english_name(tokens: list[Token], english: str, abbreviation: str | None, glosses: Glosses) -> bool:
    """Put the author's English name for a term (肺癌（lung cancer, LC）) in place of its gloss.

    False, with `tokens` as they were, when there is no term to replace (the parenthesis
    follows a glossary term, a particle or a mark).
    """
    start = _named_start(tokens, english, glosses)
    if start == len(tokens):
        return False
    del tokens[start:]
    tokens.append(Token("name", english))
    if abbreviation:
        tokens.extend([Token("mark", "("), Token("latin", abbreviation), Token("mark", ")")])
    return True


def _named_start(tokens: list[Token], english: str, glosses: Glosses) -> int:
    """Where the Chinese words an English name replaces start: the content words just before it,
    as many as the English has words, and more while their glosses share a stem with the English."""
    budget = len(english.split())
    english_stems = stems(english)
    taken = 0
    start = len(tokens)
    while start > 0:
        words = _named_words(tokens, start - 1, taken < budget, english_stems, glosses)
        if words is None:
            break
        taken += words
        start -= 1
    return start


def _named_words(
    tokens: list[Token], index: int, short: bool, english_stems: frozenset[str], glosses: Glosses
) -> int | None:
    """How many English words the token at `index` counts for in a name, or None if the name
    cannot reach back over it; `short`: the name has fewer Chinese words than English ones so far."""
    kind, text = tokens[index]
    simplified = glosses.data.simplified.get(text, text)
    if kind == "num" and short:
        return 1
    if kind != "han":
        return None
    if simplified == "的":
        # 转录介导的扩增 "transcription mediated amplification": 的 inside the name
        before = tokens[index - 1] if index > 0 else None
        if before is None or before.kind != "han" or not english_stems & glosses.stems(before.text):
            return None
        return 0
    if FUNCTION_WORDS.get(simplified, "").endswith("-"):
        return 0  # a prefix (非 "non-") belongs to the word after it
    if glosses.is_function_word(text):
        return None
    if short or english_stems & glosses.stems(text):
        return len(glosses.text(text).split())
    return None
