"""Glossary terms through a translation model that cannot be told them: a placeholder in, the term put back out.

A neural model (`argos`, `ct2`) takes no instructions, so a glossary term of a Chinese sentence is
replaced by a placeholder before the sentence goes to the model: `ZX1`, `ZX2`... numbered by the
terms' order in the sentence. A Latin code like this is what translation models copy through
unchanged, as they copy the acronyms, gene names and model numbers that fill Chinese abstracts, and
every SentencePiece or BPE tokenizer keeps it as plain letters and digits (never `<unk>`). Each
placeholder found in the English is replaced by the term's English, as often as the model wrote it.

A model may lose a placeholder (drop it, or garble it past recognition). Such a sentence goes to
the model a second time with the lost terms left in Chinese, so that the model translates them as
it would have (the terms found the first time are protected again); a placeholder lost the second
time leaves its term out of the English. Either way the glossary check (`Glossary.misses`) flags
the record `glossary_miss` when the English lacks a term, for every engine. A placeholder the
model made up (a number no term of the sentence has, or one in a sentence without terms) is removed,
unless it is a term's placeholder glued to a number of the source (`ZX110` for `ZX1 10`): then the
number is kept after the term.

A sentence that holds text of the placeholders' shape already is translated as it is, and its
translation kept as the model writes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: What a placeholder looks like in the model's output: `ZX1`, also `ZX 1` or `zx1` as a
#: tokenizer or a model may space or case it, and glued to the word before it as a model may write
#: it (`theZX1`); not inside a longer number. A source with text of this shape of its own (a gene
#: `HZX1`) is translated as it is, so nothing of its own is ever taken for a placeholder.
_PLACEHOLDER = re.compile(r"[Zz][Xx] ?(\d{1,3})(?!\d)")
_SPACES = re.compile(r"[ \t]{2,}")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_DIGITS = re.compile(r"\d+")


def placeholder(number: int) -> str:
    """The placeholder of a sentence's `number`-th term."""
    return f"ZX{number}"


@dataclass(frozen=True)
class Protected:
    """A sentence with its glossary terms replaced by placeholders."""

    text: str
    #: Each placeholder's number -> the Chinese term it stands for.
    terms: dict[int, str] = field(default_factory=dict)
    #: Whether the sentence has text of a placeholder's shape of its own (then none is put back nor removed).
    as_written: bool = False


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern that finds the terms, longest first (so that a term inside a longer one is not taken alone); None for none."""
    wanted = sorted({term for term in terms if term}, key=lambda term: (-len(term), term))
    return re.compile("|".join(map(re.escape, wanted))) if wanted else None


def protect(sentence: str, terms: re.Pattern[str] | None) -> Protected:
    """`sentence` with each term `terms` finds (see `term_pattern`) replaced by a placeholder.

    Terms are matched left to right without overlaps; one term gets one number however often
    it occurs. A sentence that has a placeholder's shape already is left as it is.
    """
    if _PLACEHOLDER.search(sentence):
        return Protected(sentence, as_written=True)
    if terms is None:
        return Protected(sentence)
    numbers: dict[str, int] = {}
    pieces: list[str] = []
    end = 0
    for match in terms.finditer(sentence):
        number = numbers.setdefault(match.group(), len(numbers) + 1)
        before, after = sentence[match.start() - 1 : match.start()], sentence[match.end() : match.end() + 1]
        # Kept apart from Latin letters and digits around it, so that it reads as a word of its own.
        pieces += [sentence[end : match.start()], " " if _ASCII_WORD.match(before) else ""]
        pieces += [placeholder(number), " " if _ASCII_WORD.match(after) else ""]
        end = match.end()
    pieces.append(sentence[end:])
    return Protected("".join(pieces), {number: term for term, number in numbers.items()})


def restore(translation: str, protected: Protected, glossary: Mapping[str, str]) -> tuple[str, set[int]]:
    """The translation with each placeholder replaced by its term's English; and the numbers not found in it."""
    found: set[int] = set()
    # The source's own numbers: a placeholder glued to one of them (ZX110 for "ZX1 10") keeps it.
    numbers = set(_DIGITS.findall(_PLACEHOLDER.sub(" ", protected.text)))

    def english(match: re.Match[str]) -> str:
        digits = match.group(1)
        for cut in range(len(digits), 0, -1):
            number, rest = int(digits[:cut]), digits[cut:]
            if number in protected.terms and (not rest or rest in numbers):
                found.add(number)
                return glossary[protected.terms[number]] + (f" {rest}" if rest else "")
        return ""  # made up by the model

    if protected.as_written:
        return translation, set()
    text = _PLACEHOLDER.sub(english, translation)
    if text != translation:
        text = _SPACES.sub(" ", text).strip()
    return text, set(protected.terms) - found


def translate_with_glossary(
    translate: Callable[[list[str]], list[str]], sentences: Sequence[str], glossary: Mapping[str, str]
) -> list[str]:
    """`translate(sentences)` with the glossary's terms protected by placeholders (see the module's docstring).

    `translate` is called once, and a second time with the sentences that lost a placeholder.
    """
    every_term = term_pattern(glossary)
    first = [protect(sentence, every_term) for sentence in sentences]
    results: list[str] = []
    lost_terms: dict[int, set[str]] = {}
    for index, (protected, output) in enumerate(zip(first, translate([p.text for p in first]))):
        text, lost = restore(output, protected, glossary)
        results.append(text)
        if lost:
            lost_terms[index] = {protected.terms[number] for number in lost}
    if lost_terms:
        # The lost terms stay in Chinese for the model to translate; the others are protected again.
        again = {
            index: protect(sentences[index], term_pattern(set(glossary) - lost)) for index, lost in lost_terms.items()
        }
        for (index, protected), output in zip(again.items(), translate([p.text for p in again.values()])):
            results[index] = restore(output, protected, glossary)[0]
    return results
