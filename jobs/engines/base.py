"""The translation engine interface: one batch method, plus who the engine is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


@dataclass(frozen=True)
class EngineOption:
    """One option of an engine's own, offered as `--NAME` (underscores as dashes) by `digest run`."""

    name: str
    default: Any
    help: str
    #: int or str; `choices` and `minimum` narrow it.
    kind: type = str
    choices: tuple[str, ...] = ()
    minimum: int | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class EngineSettings:
    """What engines are given: the models folder, the glossary, and values of their own options."""

    models_dir: Path = Path("lang_models")
    #: Forced Chinese -> English terms (`--glossary`); engines that can, apply them.
    glossary: Mapping[str, str] = field(default_factory=dict)
    #: Values of engines' own options by name (see `TranslationEngine.options`); an option not
    #: given has its default.
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, engine: type[TranslationEngine], name: str) -> Any:
        """The value of one of `engine`'s own options."""
        declared = next((option for option in engine.options if option.name == name), None)
        if declared is None:
            raise KeyError(f"the {engine.name!r} engine has no option {name!r}")
        return self.options.get(name, declared.default)


class TranslationEngine(ABC):
    """Translates sentences from `source_lang` to `target_lang`, one output per input.

    Subclasses implement `translate_batch` only; the pipeline hands it every sentence of a
    batch at once so that engines that batch internally (CTranslate2) can sort and pack them.
    """

    #: Registry name, used by `--engine NAME` and recorded in every output record.
    name: ClassVar[str]
    #: Flags every record translated by this engine carries (e.g. `gloss`).
    record_flags: ClassVar[tuple[str, ...]] = ()
    #: True for a stand-in that `auto` takes only with a warning (the dictionary gloss).
    is_fallback: ClassVar[bool] = False
    #: Whether results are worth keeping in the translation cache (a model call is costly).
    cacheable: ClassVar[bool] = False
    #: The engine's own options (beam size, threads...), offered by `digest run` as flags.
    options: ClassVar[tuple[EngineOption, ...]] = ()
    #: Whether the engine runs on the `device` option's device (a Ray worker then asks for a GPU).
    uses_device: ClassVar[bool] = False

    def __init__(self, source_lang: str, target_lang: str) -> None:
        self.source_lang = source_lang
        self.target_lang = target_lang

    @classmethod
    @abstractmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        """Whether this engine can translate the pair with what is installed now."""

    @classmethod
    @abstractmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> TranslationEngine:
        """Build a ready engine for the pair; raise ConfigError if it cannot."""

    @classmethod
    def installed_files(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Path | None:
        """The folder of `settings.models_dir` the engine loads for the pair, if it loads one from there.

        A worker on another machine gets a copy of it (see `jobs.ray_executor`); engines whose
        data comes with the Python package (the gloss) return None.
        """
        return None

    @classmethod
    def unavailable_message(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> str:
        """What to tell the user when `--engine NAME` cannot translate the pair."""
        return f"the '{cls.name}' engine cannot translate {source_lang}->{target_lang}"

    @property
    @abstractmethod
    def model(self) -> str | None:
        """Identity of the model or data behind the engine (name and version), for records."""

    @abstractmethod
    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Translate every sentence; the result has the same length and order as the input."""

    @property
    def cache_identity(self) -> str:
        """What, besides the sentence, decides the output: engine, model and decoding options."""
        return f"{self.name}|{self.model}"

    def translate(self, sentence: str) -> str:
        """Translate one sentence (convenience over `translate_batch`)."""
        return self.translate_batch([sentence])[0]
