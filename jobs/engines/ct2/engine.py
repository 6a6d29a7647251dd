"""The `ct2` engine: a CTranslate2 translator folder (OPUS-MT, NLLB-200, M2M-100, MADLAD-400) from the models folder.

The model's own SentencePiece files tokenize, with the tokens its family puts around a sentence
(`layouts`); CTranslate2 translates all sentences of a batch at once, sorted by length, packed by
tokens, in length bands (`jobs.engines.neural`), as the `argos` engine does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from ...errors import ConfigError
from ...limits import check_descriptors
from ...messages import Warn
from ..base import MODEL_OPTION, EngineOption, EngineSettings, ModelInfo, TranslationEngine
from ..neural import (
    EXTRA_TOKENS,
    MAX_LENGTH_RATIO,
    TRANSLATOR_OPTIONS,
    files_fingerprint,
    open_translator,
    resolve_device,
    spec_name,
    translate_tokens,
)
from ..work_folders import remove_leftovers
from .layouts import TRANSLATOR_SPEC
from .models import SUBFOLDER, InstalledCt2Model, add_model, find_model, installed_models, remove_model


class Ct2Engine(TranslationEngine):
    """Neural translation with a CTranslate2 translator folder added with `digest models add`."""

    name: ClassVar[str] = "ct2"
    cacheable: ClassVar[bool] = True
    uses_device: ClassVar[bool] = True
    glossary_placeholders: ClassVar[bool] = True
    options: ClassVar[tuple[EngineOption, ...]] = (*TRANSLATOR_OPTIONS, MODEL_OPTION)

    def __init__(self, model: InstalledCt2Model, source_lang: str, target_lang: str, settings: EngineSettings) -> None:
        super().__init__(source_lang, target_lang)
        from .tokens import Tokens

        direction = model.layout.direction(source_lang, target_lang)
        if direction is None:  # find_model chose it for the pair
            raise ConfigError(f"{model.path}: does not translate {source_lang}->{target_lang}")
        self.installed = model
        self.files_fingerprint = files_fingerprint(model.path)
        self.beam_size: int = settings.option(Ct2Engine, "beam_size")
        self.compute_type: str = settings.option(Ct2Engine, "compute_type")
        self.device = resolve_device(settings.option(Ct2Engine, "device"))
        try:
            self.tokens = Tokens(model.path, model.layout, direction)
        except (OSError, RuntimeError) as error:
            raise ConfigError(
                f"{model.path}: cannot load its tokenizer ({' '.join(str(error).split())}); add the model again"
            ) from None
        self.translator = open_translator(
            model.path,
            self.device,
            self.compute_type,
            settings.option(Ct2Engine, "threads"),
            named=model.path,
            what="add the model again with `digest models add`",
        )

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        return _find(source_lang, target_lang, settings) is not None

    @classmethod
    def unavailable_message(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> str:
        wanted = settings.option(cls, "model")
        installed = ", ".join(m.name for m in installed_models(settings.models_dir)) or "none"
        if wanted:
            return (
                f"no CTranslate2 model {wanted!r} that translates {source_lang}->{target_lang} is installed in "
                f"{settings.models_dir} (installed: {installed})"
            )
        return (
            f"no CTranslate2 model for {source_lang}->{target_lang} is installed in {settings.models_dir}; "
            "convert one (see the docs, 'Translation engines', ct2) and add it with `digest models add FOLDER`"
        )

    @classmethod
    def installed_files(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Path | None:
        model = _find(source_lang, target_lang, settings)
        return None if model is None else model.path

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Ct2Engine:
        check_descriptors()  # a model whose files cannot be opened for want of them would be called damaged
        model = _find(source_lang, target_lang, settings)
        if model is None:
            raise ConfigError(cls.unavailable_message(source_lang, target_lang, settings))
        return cls(model, source_lang, target_lang, settings)

    @classmethod
    def prepare(cls, settings: EngineSettings, warn: Warn) -> None:
        folder = settings.models_dir / SUBFOLDER
        if folder.is_dir():
            remove_leftovers(folder)  # of adds that were killed

    @classmethod
    def claims(cls, source: Path) -> bool:
        return source.is_dir() and spec_name(source) == TRANSLATOR_SPEC

    @classmethod
    def install(cls, source: Path, settings: EngineSettings, name: str | None = None) -> ModelInfo:
        return add_model(source, settings.models_dir, name).info()

    @classmethod
    def installed_models(cls, settings: EngineSettings) -> list[ModelInfo]:
        return [model.info() for model in installed_models(settings.models_dir)]

    @classmethod
    def remove(cls, name: str, settings: EngineSettings) -> ModelInfo | None:
        return remove_model(settings.models_dir, name)

    @property
    def model(self) -> str:
        return self.installed.label

    @property
    def cache_identity(self) -> str:
        return (
            f"{self.name}|{self.model}|{self.source_lang}->{self.target_lang}|files={self.files_fingerprint}"
            f"|beam={self.beam_size}|compute={self.compute_type}|device={self.device}"
            f"|max_length={MAX_LENGTH_RATIO}x+{EXTRA_TOKENS}"
        )

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Translate all sentences, sorted by length and packed by tokens, in length bands (`neural.translate_tokens`)."""
        sources = self.tokens.encode(list(sentences))
        outputs = translate_tokens(self.translator, sources, self.tokens.target_prefix, self.beam_size)
        return [self.tokens.decode(tokens) if source else "" for source, tokens in zip(sources, outputs)]


def _find(source_lang: str, target_lang: str, settings: EngineSettings) -> InstalledCt2Model | None:
    return find_model(settings.models_dir, source_lang, target_lang, settings.option(Ct2Engine, "model"))
