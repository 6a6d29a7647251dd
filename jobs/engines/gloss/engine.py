"""The `gloss` engine itself: its face to the registry, and each sentence's way through the modules.

A call glosses its sentences in the field they are in (rules.text_field), with that field's
`Glosses`, which remembers the English of every word it has given. Each sentence is normalised,
cut into tokens (scanner.py), given the English that grammar fixes (grammar/), and its pieces
joined into English (joining.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from ...errors import ConfigError
from ...language import normalise_whitespace
from ..base import EngineSettings, TranslationEngine
from .dictionary import GlossData, shared_gloss_data
from .glosses import Glosses
from .grammar import apply_grammar
from .grammar.headings import set_off
from .joining import join, render
from .numerals import PERCENT, chinese_number
from .rules import Field, text_field
from .scanner import Scanner
from .tokens import Token


class GlossEngine(TranslationEngine):
    """A rough word-by-word dictionary gloss (CC-CEDICT), for when no translation model is installed.

    Not a translation: word order stays Chinese and grammar is ignored, so every record is flagged.
    """

    name = "gloss"
    record_flags = ("gloss",)
    is_fallback = True

    def __init__(
        self, source_lang: str, target_lang: str, data: GlossData, glossary: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(source_lang, target_lang)
        self._data = data
        self._glossary = {unicodedata.normalize("NFKC", zh).strip(): en for zh, en in (glossary or {}).items()}
        self._glossary.pop("", None)
        self._scanner = Scanner(data, self._glossary)
        # The English of words seen before, by field: abstracts repeat their terms.
        self._glosses_by_field: dict[str, Glosses] = {}
        self._glosses = self._glosses_of(None)

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        """Chinese to English only."""
        return _language(source_lang) == "zh" and _language(target_lang) == "en"

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> GlossEngine:
        """The engine on the dictionary and tokenizer shared by the whole process."""
        if not cls.supports(source_lang, target_lang, settings):
            pair = f"{source_lang}->{target_lang}"
            raise ConfigError(f"the gloss engine translates Chinese to English only, not {pair}")
        return cls(source_lang, target_lang, shared_gloss_data(), settings.glossary)

    @property
    def model(self) -> str:
        """The dictionary's date and the package that ships it."""
        return self._data.model

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Gloss every sentence, each word in the sense it has in the sentences' field; blank input gives ""."""
        self._glosses = self._glosses_of(text_field(sentences))
        return [self._gloss(sentence) for sentence in sentences]

    def _glosses_of(self, field: Field | None) -> Glosses:
        """The glosses of a field (or of none), made at its first call."""
        name = field.name if field else ""
        glosses = self._glosses_by_field.get(name)
        if glosses is None:
            glosses = self._glosses_by_field[name] = Glosses(self._data, field, self._glossary)
        return glosses

    def _gloss(self, sentence: str) -> str:
        """The gloss of one sentence; never "" for a sentence that is not blank."""
        text = unicodedata.normalize("NFKC", sentence).strip()
        if not text:
            return ""
        text = set_off(text)  # "目的 观察…": the heading of a structured abstract, set off by a space
        if " " in text or "\n" in text:
            # Chinese puts no space between words: one between two characters is a line break or a
            # PDF's justification ("饮 食"), and would cut a word in two.
            text = normalise_whitespace(text)
        if "百分之" in text:  # 百分之二十 "20%"
            text = PERCENT.sub(lambda m: f"{chinese_number(m.group(1))}%", text)
        tokens = self._scanner.tokens(text, self._glosses)
        glossed = self._english(tokens)
        if not any(char.isalnum() for char in glossed):
            # Nothing but particles and punctuation: show the particles' senses rather than nothing.
            senses = self._data.senses
            shown = [Token("unit", senses.get(t.text, t.text)) if t.kind == "han" else t for t in tokens]
            glossed = self._english(shown)
        return glossed or text

    def _english(self, tokens: list[Token]) -> str:
        """The English of a sentence's tokens: their glosses with what grammar fixes, joined."""
        fixed, before = apply_grammar(tokens, self._glosses)
        return join(render(tokens, fixed, before, self._glosses))


def _language(code: str) -> str:
    """The language of a code without region or script: "zh-TW" -> "zh"."""
    return code.lower().replace("_", "-").split("-")[0]
