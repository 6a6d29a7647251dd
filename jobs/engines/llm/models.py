"""Decoder-only models for the `llm` engine: check a converted folder, install, list and remove.

A model is a folder as `ct2-transformers-converter` writes it for an instruction model (Qwen2,
Qwen2.5, Llama, Mistral...): `model.bin` (a CTranslate2 `TransformerDecoderSpec`), `config.json`,
`vocabulary.json`, and the model's own tokenizer files copied beside them with `--copy_files`:
`tokenizer.json`, and `tokenizer_config.json` with its `chat_template` (or `chat_template.jinja`),
`generation_config.json` if it has one. Installed models live in `<models_dir>/llm/<name>/`. A
folder is copied into a hidden folder beside them, loaded there as the engine loads it and asked
for a token (in a child process, `jobs.engines.load_check`, with the engine's `load_check_child`), and only then renamed into place, so
the models folder never holds half a model nor one that cannot be loaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError, ModelPackageError
from ...limits import check_descriptors
from ...writing import made_by_live_process
from ..base import ModelInfo
from ..load_check import check_loads
from ..neural import spec_name
from .template import TEMPLATE_FILE, TOKENIZER_CONFIG, read_tokenizer_config, template_source

#: The folder of the models folder that holds the `llm` engine's models.
LLM_FOLDER = "llm"
#: What CTranslate2 names the spec of a decoder-only model in `model.bin`.
DECODER_SPEC = "TransformerDecoderSpec"
#: The files a model folder must have (the vocabulary may be `vocabulary.txt` in older conversions).
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.json", "vocabulary.txt")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
_WORK_PREFIX = ".install-"


@dataclass(frozen=True)
class InstalledLlm:
    """One installed model: its name and folder."""

    name: str
    path: Path

    @property
    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.path.iterdir() if path.is_file())

    def info(self) -> ModelInfo:
        """The model as `digest models` shows it (its size counted now)."""
        return ModelInfo(
            engine="llm",
            kind="llm",
            name=self.name,
            model=self.name,
            source_lang="zh",
            target_lang="en",
            version="",
            size_bytes=self.size_bytes,
            path=self.path,
        )


def is_llm_folder(source: Path) -> bool:
    """Whether `source` is a folder holding a decoder-only CTranslate2 model (the `llm` engine's to install)."""
    return source.is_dir() and spec_name(source) == DECODER_SPEC


def installed_models(models_dir: Path) -> list[InstalledLlm]:
    """Every installed model, sorted by name."""
    root = models_dir / LLM_FOLDER
    if not root.is_dir():
        return []
    return [
        InstalledLlm(folder.name, folder)
        for folder in sorted(root.iterdir())
        if folder.is_dir() and not folder.name.startswith(".") and (folder / "model.bin").is_file()
    ]


def find_model(models_dir: Path, name: str) -> InstalledLlm | None:
    """The model called `name`, or (`name` empty) the first installed by name; None if there is none."""
    models = installed_models(models_dir)
    if not name:
        return models[0] if models else None
    return next((model for model in models if model.name == name), None)


def check_folder(source: Path) -> None:
    """ModelPackageError naming what a model folder lacks; nothing is loaded."""
    if not source.is_dir():
        raise ModelPackageError(f"{source}: not a folder")
    kind = spec_name(source)
    if kind != DECODER_SPEC:
        what = "no CTranslate2 model (model.bin)" if kind is None else f"a CTranslate2 {kind}, not a decoder-only model"
        raise ModelPackageError(f"{source}: {what}")
    missing = [name for name in REQUIRED_FILES if not (source / name).is_file()]
    if not any((source / name).is_file() for name in VOCABULARY_FILES):
        missing.append(VOCABULARY_FILES[0])
    if missing:
        raise ModelPackageError(
            f"{source}: missing {', '.join(missing)}; convert the model again with "
            "--copy_files tokenizer.json tokenizer_config.json (see the engines page of the docs)"
        )
    try:
        config = read_tokenizer_config(source)
        template = template_source(source, config)
    except ConfigError as error:
        raise ModelPackageError(str(error)) from None
    if template is None:
        raise ModelPackageError(
            f"{source}: no chat template ({TEMPLATE_FILE}, or chat_template in {TOKENIZER_CONFIG}); "
            "an instruction model's tokenizer_config.json has one: copy it into the folder"
        )


def install_model(source: Path, models_dir: Path, name: str | None, load_check: Callable[[str], None]) -> InstalledLlm:
    """Check the model folder `source`, copy it in as `name` (by default the folder's name) and load it; replaces a model of that name.

    `load_check` is the child process's function (`jobs.engines.load_check`): the engine's, which loads the copy as a run would.
    """
    check_descriptors()
    name = model_name(source, name)
    check_folder(source)
    root = models_dir / LLM_FOLDER
    root.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(root)
    staging = root / f"{_WORK_PREFIX}{name}-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    replaced: Path | None = None
    try:
        for path in sorted(source.iterdir()):
            if path.is_file():  # the converter writes files only; a link is copied as the file it leads to
                shutil.copyfile(path, staging / path.name)
        check_loads(source, staging, load_check)
        target = root / name
        if target.exists():
            replaced = root / f"{_WORK_PREFIX}{name}-{os.getpid()}-{secrets.token_hex(4)}"
            os.replace(target, replaced)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
    return InstalledLlm(name, target)


def model_name(source: Path, name: str | None) -> str:
    """The name a model is installed under: `name`, else the folder's, its odd characters made dashes."""
    if name is not None:
        if not _NAME.fullmatch(name):
            raise ConfigError(
                f"{name!r}: a model's name is 1 to 100 letters, digits, '.', '_', '+' or '-', not starting with a dot or dash"
            )
        return name
    cleaned = re.sub(r"[^A-Za-z0-9._+-]+", "-", source.resolve().name).strip(".-_+")[:100]
    return cleaned if _NAME.fullmatch(cleaned) else "llm"


def remove_model(models_dir: Path, name: str) -> ModelInfo | None:
    """Uninstall the model called `name`: what was removed, or None if there is none by that name."""
    check_descriptors()
    model = find_model(models_dir, name) if name else None
    if model is None:
        return None
    removed = model.info()
    shutil.rmtree(model.path)
    return removed


def files_fingerprint(folder: Path) -> str:
    """A short hash of the folder's files (name, size, time, inode): it changes with each install."""
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file():
            status = path.stat()
            digest.update(f"{path.name}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}\n".encode())
    return digest.hexdigest()[:16]


def _remove_leftovers(root: Path) -> None:
    """Remove the hidden folders of installs that were killed (never those of a live one)."""
    for folder in root.iterdir():
        if folder.is_dir() and folder.name.startswith(_WORK_PREFIX):
            parts = folder.name.rsplit("-", 2)
            if not (len(parts) == 3 and parts[1].isdigit() and made_by_live_process(folder, int(parts[1]))):
                shutil.rmtree(folder, ignore_errors=True)
