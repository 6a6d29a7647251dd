"""What an LLM engine is asked: the system prompt of each direction, the numbered segments, the glossary's terms.

`PROMPT_VERSION` is part of every LLM engine's cache key: change it whenever the prompts, the way
segments are numbered or the way answers are read (`answers.py`) change, so that no translation
asked for one way is served for another.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The version of the prompts and of the reading of answers (in the cache key and the docs).
PROMPT_VERSION = "2"

_FORMAT = (
    "You receive numbered segments. Answer with exactly one line per segment, in the same order, each line "
    "starting with the segment's number, as in `1. translation`. Do not merge, split, skip or add segments. "
    "Write only the translations: no explanations, notes, headings, or the original text."
)

#: The system prompt of each direction.
SYSTEM_PROMPTS: dict[tuple[str, str], str] = {
    ("zh", "en"): (
        "You translate Chinese academic texts (the titles, abstracts and keywords of journal articles and "
        "theses) into English for researchers. Translate accurately and completely, in the formal style of an "
        "English-language journal, with the standard English terms of each field. Keep numbers, units, "
        "statistics, formulas, gene, protein and chemical names, and abbreviations exactly as written.\n\n" + _FORMAT
    ),
    ("en", "zh"): (
        "You translate English academic texts (the titles, abstracts and keywords of journal articles and "
        "theses) into Simplified Chinese for researchers. Translate accurately and completely, in the formal "
        "style of a Chinese journal, with the standard Chinese terms of each field. Keep numbers, units, "
        "statistics, formulas, gene, protein and chemical names, and abbreviations exactly as written.\n\n" + _FORMAT
    ),
}

_LANGUAGE_NAMES = {"zh": "Simplified Chinese", "en": "English"}


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat conversation, as chat templates and OpenAI-compatible servers take it."""

    #: `system`, `user` or `assistant`.
    role: str
    content: str

    def as_json(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatRequest:
    """One conversation to complete, and the most tokens its answer may take.

    `max_tokens` follows the source's length (see `ChatEngine.request`), so that a model that
    loops or rambles stops there.
    """

    messages: tuple[ChatMessage, ...]
    max_tokens: int

    def key(self) -> str:
        """The conversation as text, for cache keys: every role and content, in order."""
        return json.dumps([[message.role, message.content] for message in self.messages], ensure_ascii=False)


def one_line(text: str) -> str:
    """A segment as one line: the numbered format has no room for a line break inside a segment."""
    return " ".join(text.split())


def glossary_terms(segments: Sequence[str], glossary: Mapping[str, str], source_lang: str) -> list[tuple[str, str]]:
    """The glossary's (source term, target term) pairs whose source term occurs in the segments, longest first.

    The glossary maps Chinese to English; from English its pairs are read the other way round,
    the English term found whatever its case.
    """
    text = "\n".join(segments)
    if source_lang == "zh":
        pairs = [(zh, en) for zh, en in glossary.items() if zh in text]
    else:
        folded = text.casefold()
        pairs = [(en, zh) for zh, en in glossary.items() if en.casefold() in folded]
    return sorted(pairs, key=lambda pair: (-len(pair[0]), pair))


def messages(
    segments: Sequence[str], source_lang: str, target_lang: str, glossary: Mapping[str, str]
) -> tuple[ChatMessage, ...]:
    """The system prompt and the user's message: the segments numbered from 1, the glossary's terms they hold first."""
    count = len(segments)
    noun = "numbered segment" if count == 1 else f"{count} numbered segments"
    lines = [f"Translate the {noun} below into {_LANGUAGE_NAMES[target_lang]}."]
    terms = glossary_terms(segments, glossary, source_lang)
    if terms:
        lines.append("Translate these terms exactly as given:")
        lines += [f"- {source} → {target}" for source, target in terms]
    lines.append("")
    lines += [f"{number}. {one_line(segment)}" for number, segment in enumerate(segments, start=1)]
    return (
        ChatMessage("system", SYSTEM_PROMPTS[(source_lang, target_lang)]),
        ChatMessage("user", "\n".join(lines)),
    )
