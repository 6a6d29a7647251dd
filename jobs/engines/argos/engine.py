"""The `argos` engine: an installed Argos Translate package, run offline through CTranslate2.

argostranslate's own `translate()` splits sentences with models it downloads and joins the
output into one string, so it is not used. The package is loaded through argostranslate's package
API (its tokenizer, `target_prefix` and model folder) and CTranslate2 runs the model directly on
the project's own sentences: all sentences of a batch, sorted by length, packed by tokens.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any, ClassVar

from ...errors import ConfigError
from ...limits import check_descriptors
from ...messages import Warn
from ..base import EngineOption, EngineSettings, ModelInfo, TranslationEngine
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

#: A translation may be at most this many times as long as its source, plus `_EXTRA_TOKENS`:
#: generous for real models (English runs ~1.3x Chinese in subword tokens), and it stops a broken
#: model from emitting hundreds of tokens for a ten-token sentence.
MAX_LENGTH_RATIO = 2
_EXTRA_TOKENS = 10
#: Tokens per CTranslate2 batch (`batch_type="tokens"`).
MAX_BATCH_TOKENS = 2048


class ArgosEngine(TranslationEngine):
    """Neural translation with an Argos package installed in the models folder."""

    name: ClassVar[str] = "argos"
    cacheable: ClassVar[bool] = True
    uses_device: ClassVar[bool] = True
    options: ClassVar[tuple[EngineOption, ...]] = (
        EngineOption("beam_size", 2, "Beam size of neural models.", kind=int, minimum=1),
        EngineOption("threads", 0, "CPU threads for neural models (0: all cores).", kind=int, minimum=0),
        EngineOption(
            "compute_type",
            "int8",
            "CTranslate2 compute type for neural models.",
            choices=("int8", "int8_float32", "int16", "float32", "auto"),
        ),
        EngineOption(
            "device",
            "auto",
            "Where neural models run (auto: a CUDA GPU when CTranslate2 sees one, else the CPU).",
            choices=("auto", "cpu", "cuda"),
        ),
    )

    def __init__(self, model: InstalledModel, settings: EngineSettings) -> None:
        super().__init__(model.from_code, model.to_code)
        import ctranslate2

        self.installed = model
        #: Which install of the package this is: another package with the same name and version
        #: (rebuilt, or corrected) must never be served this one's cached translations.
        self.files_fingerprint = _files_fingerprint(model.path)
        self.beam_size: int = settings.option(ArgosEngine, "beam_size")
        self.compute_type: str = settings.option(ArgosEngine, "compute_type")
        self.package = argos_package_module().Package(model.path)
        if not hasattr(self.package, "tokenizer"):
            raise ConfigError(f"{model.path}: the package has no tokenizer; reinstall it")
        self.target_prefix: str = self.package.target_prefix or ""
        self.device = resolve_device(settings.option(ArgosEngine, "device"))
        try:
            self.translator = ctranslate2.Translator(
                str(model.path / "model"),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=settings.option(ArgosEngine, "threads"),
            )
        except Exception as error:  # CTranslate2 raises RuntimeError, ValueError, IndexError... on damaged files
            raise ConfigError(
                f"{model.path}: cannot load the model ({type(error).__name__}: {error}); reinstall the package"
            ) from None

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
            f"|compute={self.compute_type}|device={self.device}|max_length={MAX_LENGTH_RATIO}x+{_EXTRA_TOKENS}"
        )

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Translate all sentences, sorted by length and packed by tokens.

        Sentences go to CTranslate2 in a few calls, one per band of similar length (up to 8, 16,
        32... tokens), so that each band's decoding limit follows its own source length.
        """
        results = [""] * len(sentences)
        encoded = [(i, self.package.tokenizer.encode(s)) for i, s in enumerate(sentences) if s.strip()]
        encoded.sort(key=lambda item: len(item[1]))
        for _, band_items in groupby(encoded, key=lambda item: _length_band(len(item[1]))):
            band = list(band_items)
            longest = len(band[-1][1])
            outputs = self.translator.translate_batch(
                [tokens for _, tokens in band],
                target_prefix=[[self.target_prefix]] * len(band) if self.target_prefix else None,
                beam_size=self.beam_size,
                batch_type="tokens",
                max_batch_size=MAX_BATCH_TOKENS,
                max_decoding_length=MAX_LENGTH_RATIO * longest + _EXTRA_TOKENS,
                replace_unknowns=True,
            )
            for (index, _), output in zip(band, outputs):
                results[index] = self._decode(output.hypotheses[0])
        return results

    def _decode(self, tokens: list[Any]) -> str:
        # CTranslate2 returns the target prefix as the first token; drop it before decoding, as
        # argostranslate's SentencePiece decoding would turn `__en__` into `  en  `.
        if self.target_prefix and tokens[:1] == [self.target_prefix]:
            tokens = tokens[1:]
        text: str = self.package.tokenizer.decode(tokens)
        return text.strip()


def cuda_devices() -> int:
    """How many CUDA devices CTranslate2 can use here (0 without a GPU or a CUDA build)."""
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # no CUDA runtime at all
        return 0


def resolve_device(device: str) -> str:
    """`cpu` or `cuda`: `auto` is CUDA where CTranslate2 sees a device; `cuda` without one is an error."""
    if device == "auto":
        return "cuda" if cuda_devices() else "cpu"
    if device == "cuda" and not cuda_devices():
        raise ConfigError("--device cuda: CTranslate2 sees no CUDA device here; use --device cpu or auto")
    return device


def _length_band(token_count: int) -> int:
    return max(3, math.ceil(math.log2(max(token_count, 1))))


def _files_fingerprint(folder: Path) -> str:
    """A short hash of every file of an installed package: name, size, time and inode.

    Every install unpacks new files (a rename swaps the folder in), so this changes with each
    install, at the cost of a stat per file rather than reading hundreds of megabytes.
    """
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            status = path.stat()
            relative = path.relative_to(folder).as_posix()
            digest.update(f"{relative}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}\n".encode())
    return digest.hexdigest()[:16]
