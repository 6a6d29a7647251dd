"""The translation engine interface: one batch method, who the engine is, and the models it installs."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ConfigError
from ..messages import Warn


@dataclass(frozen=True)
class EngineOption:
    """One option of an engine's own, offered as `--NAME` (underscores as dashes) by `digest run`."""

    name: str
    default: Any
    help: str
    #: int, float, str or bool (a flag, given or not, whose default is False); `choices` and
    #: `minimum` narrow it.
    kind: type = str
    choices: tuple[str, ...] = ()
    minimum: int | float | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any) -> None:
        """ConfigError for a value `digest run` would refuse for the option (its choices, its kind, its minimum)."""
        if self.choices and value not in self.choices:
            raise ConfigError(f"{self.flag} {value!r}: choose one of: {', '.join(self.choices)}")
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{self.flag} must be a whole number, not {value!r}")
        if self.kind is float and (isinstance(value, bool) or not isinstance(value, int | float) or value != value):
            raise ConfigError(f"{self.flag} must be a number, not {value!r}")
        if self.kind is bool and not isinstance(value, bool):
            raise ConfigError(f"{self.flag} is given or not (True or False), not {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(f"{self.flag} must be at least {self.minimum}, not {value}")


#: `--model NAME`: which of its installed models an engine that holds several uses (the name `digest
#: models list` shows). One option for every such engine, so that they define it alike.
MODEL_OPTION = EngineOption(
    "model",
    "",
    "The model to use: an installed one by the name `digest models list` shows (default: ct2 the strongest "
    "installed for the language pair, llm the first by name), or for --engine openai one the server serves, "
    "by the name its /v1/models lists (default: its only one).",
)


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


@dataclass(frozen=True)
class DocumentTranslation:
    """One document's translation: a text for each of its sentences, in order, and whether it had to be repaired.

    `repaired` is True when the engine could not take the sentences' alignment from its first
    answer (an LLM whose numbered lines did not match) and translated them again one by one: the
    record is flagged `realigned`.
    """

    sentences: list[str]
    repaired: bool = False


@dataclass(frozen=True)
class ModelInfo:
    """One model installed for an engine, as `digest models` shows it."""

    #: The registry name of the engine that loads it.
    engine: str
    #: What sort of model it is (the KIND column of `digest models list`): `argos` for a package.
    kind: str
    #: What `digest models list` shows first and `digest models remove` takes (`zh_en` for Argos).
    name: str
    #: The model as records and messages name it: name and version (`translate-zh_en 1.0`).
    model: str
    source_lang: str
    target_lang: str
    version: str
    size_bytes: int
    path: Path

    def as_json(self) -> dict[str, Any]:
        """The object `digest models list --json` writes for it."""
        return {
            "pair": f"{self.source_lang}_{self.target_lang}",
            "from": self.source_lang,
            "to": self.target_lang,
            "version": self.version,
            "size_bytes": self.size_bytes,
            "path": str(self.path),
            "name": self.name,
            "engine": self.engine,
            "kind": self.kind,
        }


class TranslationEngine(ABC):
    """Translates sentences from `source_lang` to `target_lang`, one output per input.

    Subclasses implement `translate_batch` only; the pipeline hands it every sentence of a
    batch at once so that engines that batch internally (CTranslate2) can sort and pack them.
    An engine whose translation of a sentence depends on the sentences around it (an LLM, given a
    whole abstract for context) sets `document_level` and overrides `translate_documents`: the
    pipeline then hands it each record's texts as documents, and caches each document whole.

    An engine whose models are installed in the models folder also implements the model hooks
    (`prepare`, `claims`, `install`, `download`, `installed_models`, `remove`), which `digest models`
    and the run use through the registry (`jobs.engines`); engines without models (the gloss)
    inherit ones that do nothing.
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
    #: Whether a sentence's translation depends on its document (see `translate_documents`): the
    #: pipeline then sends whole documents and caches each document as one entry.
    document_level: ClassVar[bool] = False
    #: Whether glossary terms are enforced by placeholders (`jobs.placeholders`): a translation
    #: model that cannot be told a term gets a protected token in its place, and the term is put
    #: back in its output.
    glossary_placeholders: ClassVar[bool] = False

    def __init__(self, source_lang: str, target_lang: str) -> None:
        self.source_lang = source_lang
        self.target_lang = target_lang

    @classmethod
    @abstractmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        """Whether this engine can translate the pair with what is installed now."""

    @classmethod  # noqa: B027 (most engines have nothing to check beyond each option's value)
    def check_settings(cls, settings: EngineSettings) -> None:
        """Refuse settings the engine cannot run with (ConfigError, UsageError), before a run reads anything.

        Called by `RunOptions.check` for the engine named by `--engine`, after each option's own
        check: for what depends on several options, or on the machine (the `openai` engine's
        server address).
        """

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

    @classmethod  # noqa: B027 (engines without models have nothing to prepare)
    def prepare(cls, settings: EngineSettings, warn: Warn) -> None:
        """Make the models folder ready before the run chooses engines (install what was dropped there).

        Called by every run, with nothing new or not, for every registered engine, whichever it
        uses: it must return at once, importing nothing heavy, when there is nothing to do. A
        problem with one model is a warning (`warn`), never an exception: the run goes on.
        """

    @classmethod
    def claims(cls, source: Path) -> bool:
        """Whether `digest models install SOURCE` is this engine's to do (a file or folder it takes models from)."""
        return False

    @classmethod
    def install(cls, source: Path, settings: EngineSettings, name: str | None = None) -> ModelInfo:
        """Check the model at `source` and install it into `settings.models_dir`; ConfigError if it cannot be.

        `name` is what the user calls it (`digest models add --name`), for engines whose models have
        no name of their own; the registry passes it only when one is given. Nothing is left
        half-installed: a model that fails its checks leaves the folder as it was.
        """
        raise ConfigError(f"the '{cls.name}' engine installs no models")

    @classmethod
    def download(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> ModelInfo | None:
        """Download and install a model for the pair from the engine's own index; None if it has no index."""
        return None

    @classmethod
    def installed_models(cls, settings: EngineSettings) -> list[ModelInfo]:
        """The engine's models installed in `settings.models_dir`, sorted by name."""
        return []

    @classmethod
    def remove(cls, name: str, settings: EngineSettings) -> ModelInfo | None:
        """Uninstall the engine's model called `name` (as `installed_models` names it); None if it has none by that name."""
        return None

    @property
    @abstractmethod
    def model(self) -> str | None:
        """Identity of the model or data behind the engine (name and version), for records."""

    @abstractmethod
    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Translate every sentence; the result has the same length and order as the input."""

    def translate_documents(self, documents: Sequence[Sequence[str]]) -> list[DocumentTranslation]:
        """Translate documents (each a list of sentences); one `DocumentTranslation` per document, in order.

        By default every sentence of every document goes to `translate_batch` in one call (so an
        engine that sorts and packs sentences still gets them all at once), and nothing is repaired.
        """
        flat = [sentence for document in documents for sentence in document]
        translations = iter(self.translate_batch(flat) if flat else [])
        return [DocumentTranslation([next(translations) for _ in document]) for document in documents]

    @property
    def cache_identity(self) -> str:
        """What, besides the sentence, decides the output: engine, model and decoding options."""
        return f"{self.name}|{self.model}"

    def document_key(self, sentences: Sequence[str]) -> str:
        """What, besides `cache_identity`, decides a document's translation (for a `document_level` engine's cache).

        The sentences themselves; an engine whose output depends on more (the glossary terms its
        prompt names) adds it.
        """
        return json.dumps(list(sentences), ensure_ascii=False)

    def translate(self, sentence: str) -> str:
        """Translate one sentence (convenience over `translate_batch`)."""
        return self.translate_batch([sentence])[0]
