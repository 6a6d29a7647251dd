"""The `argos` engine: an installed Argos Translate package, run offline through CTranslate2.

argostranslate's own `translate()` splits sentences with models it downloads and joins the
output into one string, so it is not used. The package is loaded through argostranslate's package
API (its tokenizer, `target_prefix` and model folder) and CTranslate2 runs the model directly on
the project's own sentences: all sentences of a batch, sorted by length, packed by tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from ...errors import ConfigError
from ...limits import check_descriptors
from ...messages import Warn
from ..base import EngineOption, EngineSettings, ModelInfo, TranslationEngine
from ..neural import (
    EXTRA_TOKENS,
    MAX_LENGTH_RATIO,
    TRANSLATOR_OPTIONS,
    files_fingerprint,
    open_translator,
    resolve_device,
    translate_tokens,
)
from .models import (
    InstalledModel,
    argos_package_module,
    find_model,
    install_dropped_packages,
    install_from_index,
    install_package,
    installed_models,
    remove_model,
)
from .package_file import PACKAGE_SUFFIX


class ArgosEngine(TranslationEngine):
    """Neural translation with an Argos package installed in the models folder."""

    name: ClassVar[str] = "argos"
    cacheable: ClassVar[bool] = True
    uses_device: ClassVar[bool] = True
    options: ClassVar[tuple[EngineOption, ...]] = TRANSLATOR_OPTIONS
    glossary_placeholders: ClassVar[bool] = True

    def __init__(self, model: InstalledModel, settings: EngineSettings) -> None:
        super().__init__(model.from_code, model.to_code)
        self.installed = model
        #: Which install of the package this is: another package with the same name and version
        #: (rebuilt, or corrected) must never be served this one's cached translations.
        self.files_fingerprint = files_fingerprint(model.path)
        self.beam_size: int = settings.option(ArgosEngine, "beam_size")
        self.compute_type: str = settings.option(ArgosEngine, "compute_type")
        self.package = argos_package_module().Package(model.path)
        if not hasattr(self.package, "tokenizer"):
            raise ConfigError(f"{model.path}: the package has no tokenizer; reinstall it")
        self.target_prefix: str = self.package.target_prefix or ""
        self.device = resolve_device(settings.option(ArgosEngine, "device"))
        self.translator = open_translator(
            model.path / "model",
            self.device,
            self.compute_type,
            settings.option(ArgosEngine, "threads"),
            named=model.path,
            what="reinstall the package",
        )

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        return find_model(settings.models_dir, source_lang, target_lang) is not None

    @classmethod
    def unavailable_message(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> str:
        return (
            f"no Argos model for {source_lang}->{target_lang} is installed in {settings.models_dir}; "
            "install one with `digest models install FILE.argosmodel`"
        )

    @classmethod
    def installed_files(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Path | None:
        model = find_model(settings.models_dir, source_lang, target_lang)
        return None if model is None else model.path

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> ArgosEngine:
        # A model whose files cannot be opened for want of descriptors would be called damaged.
        check_descriptors()
        model = find_model(settings.models_dir, source_lang, target_lang)
        if model is None:
            raise ConfigError(cls.unavailable_message(source_lang, target_lang, settings))
        return cls(model, settings)

    @classmethod
    def prepare(cls, settings: EngineSettings, warn: Warn) -> None:
        install_dropped_packages(settings.models_dir, warn)

    @classmethod
    def claims(cls, source: Path) -> bool:
        return source.suffix == PACKAGE_SUFFIX  # other files come here too, as the fallback installer

    @classmethod
    def install(cls, source: Path, settings: EngineSettings, name: str | None = None) -> ModelInfo:
        if name is not None:
            raise ConfigError(f"{source}: an Argos package is named by its language pair; --name is not taken")
        return install_package(source, settings.models_dir).info()

    @classmethod
    def download(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> ModelInfo:
        return install_from_index(source_lang, target_lang, settings.models_dir).info()

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
            f"{self.name}|{self.model}|files={self.files_fingerprint}|beam={self.beam_size}"
            f"|compute={self.compute_type}|device={self.device}|max_length={MAX_LENGTH_RATIO}x+{EXTRA_TOKENS}"
        )

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Translate all sentences, sorted by length and packed by tokens, in length bands (`neural.translate_tokens`)."""
        tokenizer = self.package.tokenizer
        sources = [tokenizer.encode(sentence) if sentence.strip() else [] for sentence in sentences]
        prefix = [self.target_prefix] if self.target_prefix else None
        outputs = translate_tokens(self.translator, sources, prefix, self.beam_size)
        return [self._decode(tokens) if source else "" for source, tokens in zip(sources, outputs)]

    def _decode(self, tokens: list[Any]) -> str:
        # CTranslate2 returns the target prefix as the first token; drop it before decoding, as
        # argostranslate's SentencePiece decoding would turn `__en__` into `  en  `.
        if self.target_prefix and tokens[:1] == [self.target_prefix]:
            tokens = tokens[1:]
        text: str = self.package.tokenizer.decode(tokens)
        return text.strip()
