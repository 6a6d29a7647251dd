"""Reading an LLM's answer: its numbered lines back into segments, without reasoning or chatter.

Whatever the model writes, nothing but translations may reach a record: reasoning blocks
(`<think>…</think>`, one left open, or one closed whose opening was in the prompt), code fences,
a preamble ("Here is the translation:"), notes after the answer, and the source echoed back are
taken out. An answer whose numbered lines do not match the segments sent (a number missing,
repeated or out of order, two segments merged on a line, a line without a number between
numbered ones) is refused (`numbered_lines` gives None), and the engine translates the segments
again one by one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Reasoning blocks, closed.
_REASONING = re.compile(r"<(think|thinking|reasoning)>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
#: The close of a block opened in the prompt (templates that start the answer inside `<think>`).
_CLOSE = re.compile(r"^.*</(?:think|thinking|reasoning)\s*>", re.IGNORECASE | re.DOTALL)
#: A block left open (the model stopped, or ran out of tokens, while reasoning).
_OPEN = re.compile(r"<(?:think|thinking|reasoning)>.*$", re.IGNORECASE | re.DOTALL)
_FENCE = re.compile(r"^\s*(```|~~~)")

_DIGITS = "0-9０-９"
#: A line's number: `1.` `1．` `1。` `1、` `1)` `1）` `1:` `1：` or `(1)` `（1）` `[1]` `【1】`, after a
#: list bullet or Markdown emphasis if any; `1.5 mg` is not a number 1.
_NUMBERED = re.compile(
    rf"""^\s*(?:[-*•>#]+\s*)?(?:\*\*|__)?
    (?:[(\[（【]\s*(?P<bracketed>[{_DIGITS}]{{1,4}})\s*[)\]）】]
      |(?P<plain>[{_DIGITS}]{{1,4}})\s*(?:[.．。](?![{_DIGITS}])|[、:：)）]))
    (?:\*\*|__)?\s*(?P<text>.*?)\s*$""",
    re.VERBOSE,
)
#: Lines a model adds around its answer.
_CHATTER = re.compile(
    r"""^\s*[(（*]*\s*(?:note|notes|translator'?s?\s+note|please\s+note|i\s+hope|let\s+me\s+know|if\s+you
    |here\s+(?:is|are)|sure|certainly|of\s+course|okay|the\s+(?:english\s+|chinese\s+)?translations?
    |(?:english\s+|chinese\s+)?translations?\s*[:：]|注[:：意]|说明|以下是|译文[:：]?\s*$|翻译[:：如]|中文[:：]|英文[:：])""",
    re.IGNORECASE | re.VERBOSE,
)
#: A label before a lone translation: `Translation: …`, `English: …`, `译文：…`.
_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:(?:here\s+is\s+)?the\s+)?(?:(?:english|chinese)\s+)?(?:translation|english|chinese|译文|翻译|中文|英文)"
    r"(?:\s+is)?\s*(?:\*\*\s*[:：]|[:：]\s*(?:\*\*)?)\s*",
    re.IGNORECASE,
)


def strip_reasoning(answer: str) -> str:
    """The answer without reasoning blocks: closed ones, one whose opening was in the prompt, one left open."""
    text = _REASONING.sub("", answer)
    text = _CLOSE.sub("", text)
    return _OPEN.sub("", text)


def _lines(answer: str) -> list[str]:
    """The answer's non-empty lines, stripped, without reasoning or code fences."""
    return [line.strip() for line in strip_reasoning(answer).splitlines() if line.strip() and not _FENCE.match(line)]


def _numbered(line: str) -> tuple[int, str] | None:
    match = _NUMBERED.match(line)
    if match is None:
        return None
    return int(match.group("bracketed") or match.group("plain")), match.group("text")


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def numbered_lines(answer: str, segments: Sequence[str]) -> list[str] | None:
    """The translation of each segment, read from the answer's numbered lines; None when they do not match the segments.

    Lines before the first numbered one are a preamble and are dropped, as are notes after the
    last; anything else unnumbered, a number missing, repeated or out of order, or an empty line
    refuses the answer. A numbered line that repeats its segment word for word, where the number
    comes again, is the source echoed and is dropped.
    """
    lines = _lines(answer)
    read = [_numbered(line) for line in lines]
    places = [index for index, item in enumerate(read) if item is not None]
    if not places:
        return None
    if any(item is None for item in read[places[0] : places[-1]]):
        return None  # text between numbered lines: a segment broken over lines, or something added
    if any(not _CHATTER.match(line) for line in lines[places[-1] + 1 :]):
        return None
    entries = [item for item in read[places[0] : places[-1] + 1] if item is not None]
    numbers = [number for number, _ in entries]
    entries = [
        (number, text)
        for number, text in entries
        if not (numbers.count(number) > 1 and 1 <= number <= len(segments) and _same(text, segments[number - 1]))
    ]
    if [number for number, _ in entries] != list(range(1, len(segments) + 1)):
        return None
    texts = [text for _, text in entries]
    return None if any(not text for text in texts) else texts


def lone_translation(answer: str, source: str, target_lang: str) -> str:
    """The translation of a single segment out of an answer in any shape (numbered or not); "" when there is none.

    Each line loses a number `1.` or a label (`Translation:`) before its text; chatter lines and
    lines that repeat the source (the prompt's `1. source` echoed, number and all) go, when
    anything else is left; the lines left are joined.
    """
    lines = [(line, _lone_text(line)) for line in _lines(answer)]
    unwanted_tests = (
        lambda line, _: bool(_CHATTER.match(line)) and not _LABEL.match(line),
        lambda _, text: _same(text, source),
    )
    for unwanted in unwanted_tests:
        kept = [(line, text) for line, text in lines if not unwanted(line, text)]
        lines = kept or lines
    return ("" if target_lang == "zh" else " ").join(text for _, text in lines if text)


def _lone_text(line: str) -> str:
    """A line of a lone answer without its number 1 or its label."""
    numbered = _numbered(line)
    text = numbered[1] if numbered is not None and numbered[0] == 1 else line
    return _LABEL.sub("", text).strip()
