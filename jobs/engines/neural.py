"""What the engines that run CTranslate2 translators share (`argos`, `ct2`): options, device, batching.

All sentences of a batch go to `Translator.translate_batch` at once, sorted by length and packed by
tokens (`batch_type="tokens"`), in one call per band of similar length (up to 8, 16, 32... tokens),
so that each band's decoding limit follows its own sources: at most `MAX_LENGTH_RATIO` times the
longest source of the band plus `EXTRA_TOKENS`.

Nothing here imports CTranslate2 at import time: a run with nothing new must not load it.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import EngineOption

#: A translation may be at most this many times as long as its source, plus `EXTRA_TOKENS`:
#: generous for real models (English runs ~1.3x Chinese in subword tokens), and it stops a broken
#: model from emitting hundreds of tokens for a ten-token sentence.
MAX_LENGTH_RATIO = 2
EXTRA_TOKENS = 10
#: Tokens per CTranslate2 batch (`batch_type="tokens"`).
MAX_BATCH_TOKENS = 2048

BEAM_SIZE = EngineOption("beam_size", 2, "Beam size of neural models.", kind=int, minimum=1)
THREADS = EngineOption("threads", 0, "CPU threads for neural models (0: all cores).", kind=int, minimum=0)
COMPUTE_TYPE = EngineOption(
    "compute_type",
    "int8",
    "CTranslate2 compute type for neural models.",
    choices=("int8", "int8_float32", "int16", "float32", "auto"),
)
DEVICE = EngineOption(
    "device",
    "auto",
    "Where neural models run (auto: a CUDA GPU when CTranslate2 sees one, else the CPU).",
    choices=("auto", "cpu", "cuda"),
)
#: The options of every engine that runs a CTranslate2 translator, defined once so that they are alike.
TRANSLATOR_OPTIONS = (BEAM_SIZE, THREADS, COMPUTE_TYPE, DEVICE)


def spec_name(folder: Path) -> str | None:
    """The model spec `folder/model.bin` says it holds (`TransformerSpec`, `TransformerDecoderSpec`...), or None if it is no CTranslate2 model.

    Read from the file's header, without CTranslate2: what tells a translator (`ct2`) from an
    instruction model (`llm`) before either is loaded.
    """
    try:
        with open(folder / "model.bin", "rb") as handle:
            header = handle.read(4 + 2 + 256)
    except OSError:
        return None
    if len(header) < 6:
        return None
    (length,) = struct.unpack_from("<H", header, 4)
    name = header[6 : 6 + length]
    if not 1 < length <= 256 or len(name) != length or not name.endswith(b"\0"):
        return None
    try:
        return name[:-1].decode("ascii")
    except UnicodeDecodeError:
        return None


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


def open_translator(folder: Path, device: str, compute_type: str, threads: int, named: Path, what: str) -> Any:
    """A `ctranslate2.Translator` on `folder`; ConfigError naming the model's folder `named` and `what` to do if it fails."""
    import ctranslate2

    try:
        return ctranslate2.Translator(
            str(folder), device=device, compute_type=compute_type, inter_threads=1, intra_threads=threads
        )
    except Exception as error:  # CTranslate2 raises RuntimeError, ValueError, IndexError... on damaged files
        raise ConfigError(f"{named}: cannot load the model ({type(error).__name__}: {error}); {what}") from None


def length_band(token_count: int) -> int:
    """The band of a source of `token_count` tokens: up to 8, 16, 32... tokens."""
    return max(3, math.ceil(math.log2(max(token_count, 1))))


def decoding_limit(longest: int) -> int:
    """The most tokens a translation may have when the longest source of its call has `longest`."""
    return MAX_LENGTH_RATIO * longest + EXTRA_TOKENS


def translate_tokens(
    translator: Any, sources: Sequence[list[str]], target_prefix: list[str] | None, beam_size: int
) -> list[list[str]]:
    """The best hypothesis's tokens for each source, in the sources' order (see the module's docstring).

    An empty source gets an empty hypothesis without a model call. A hypothesis starts with
    `target_prefix` when one is given (CTranslate2 returns it), for the caller to drop.
    """
    results: list[list[str]] = [[] for _ in sources]
    order = sorted((index for index, tokens in enumerate(sources) if tokens), key=lambda index: len(sources[index]))
    for _, members in groupby(order, key=lambda index: length_band(len(sources[index]))):
        band = list(members)
        outputs = translator.translate_batch(
            [sources[index] for index in band],
            target_prefix=[target_prefix] * len(band) if target_prefix else None,
            beam_size=beam_size,
            batch_type="tokens",
            max_batch_size=MAX_BATCH_TOKENS,
            max_decoding_length=decoding_limit(len(sources[band[-1]])),
            replace_unknowns=True,
        )
        for index, output in zip(band, outputs):
            results[index] = output.hypotheses[0]
    return results


def files_fingerprint(folder: Path) -> str:
    """A short hash of every file of an installed model: name, size, time and inode.

    Every install writes new files (a rename swaps the folder in), so this changes with each
    install, at the cost of a stat per file rather than reading hundreds of megabytes; a model
    installed again must never be served the translations cached for the one it replaced.
    """
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            status = path.stat()
            relative = path.relative_to(folder).as_posix()
            digest.update(f"{relative}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}\n".encode())
    return digest.hexdigest()[:16]
