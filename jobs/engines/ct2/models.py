"""CTranslate2 translator folders in the models folder: add (copied in, checked by loading), list, find, remove.

`digest models add PATH` copies the folder into `<models-dir>/ct2/<name>/` rather than recording
where it lies: a run then never depends on a folder someone may move, change or delete (a
converter's output folder, a download), the model that was checked is the one that runs, and Ray
workers get the installed folder as they get Argos packages. The copy costs disk space once (a
600M-parameter NLLB in int8 is about 0.6 GB), and its free space is checked first.

The copy is made in a hidden folder beside the models, loaded there in a child process
(`jobs.engines.load_check`) which tokenizes and translates a sentence each way the model goes and
writes what it found (`digest-model.json`: kind and language pairs), and only then renamed into
place. Nothing heavy is imported here at import time.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError, ModelPackageError
from ...limits import check_descriptors
from ..base import ModelInfo
from ..load_check import check_loads, failed, loading
from ..work_folders import new_work_folder, remove_leftovers, swap_in
from .layouts import Layout, detect, layout_as_json, layout_from_json

#: The folder of the models folder that holds the CTranslate2 models, one folder each.
SUBFOLDER = "ct2"
#: What `digest models add` writes into an installed model's folder once it has loaded.
MARKER = "digest-model.json"
#: A name: what `digest models list` shows and `--model` and `digest models remove` take.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
#: What `digest models remove` reads as an Argos pair (zh_en, zh-en): not a name a CTranslate2 model may have.
_PAIR = re.compile(r"[a-z]{2,3}[-_ ][a-z]{2,3}")
#: What the load check translates, each way.
_SAMPLES = {"zh": "本文研究中文摘要的翻译。", "en": "This paper studies the translation of abstracts."}
#: The strongest families first, for a pair with several models installed and no `--model`.
_KIND_RANK = ("ct2/madlad", "ct2/nllb", "ct2/m2m", "ct2/opus-mt")


@dataclass(frozen=True)
class InstalledCt2Model:
    """One installed CTranslate2 translator."""

    name: str
    path: Path
    layout: Layout

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    @property
    def label(self) -> str:
        """The model as records and messages name it: `nllb-200-distilled-600M (ct2/nllb)`."""
        return f"{self.name} ({self.layout.kind})"

    def info(self) -> ModelInfo:
        """The model as `digest models` shows it (its size counted now), under its first pair."""
        source_lang, target_lang = self.layout.pairs[0]
        return ModelInfo(
            engine="ct2",
            kind=self.layout.kind,
            name=self.name,
            model=self.label,
            source_lang=source_lang,
            target_lang=target_lang,
            version=" ".join(f"{s}->{t}" for s, t in self.layout.pairs),
            size_bytes=self.size_bytes,
            path=self.path,
        )


def installed_models(models_dir: Path) -> list[InstalledCt2Model]:
    """Every installed model, sorted by name; a folder without a readable marker is not one."""
    folder = models_dir / SUBFOLDER
    if not folder.is_dir():
        return []
    models = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue
        try:
            marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
            models.append(InstalledCt2Model(path.name, path, layout_from_json(marker)))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            continue
    return models


def find_model(models_dir: Path, source_lang: str, target_lang: str, name: str = "") -> InstalledCt2Model | None:
    """The model called `name` if it does the pair; without a name, the strongest installed that does it.

    Strongest: the family first (MADLAD-400, NLLB-200, M2M-100, OPUS-MT), then the larger model.
    """
    models = [m for m in installed_models(models_dir) if (source_lang, target_lang) in m.layout.pairs]
    if name:
        return next((m for m in models if m.name == name), None)
    if not models:
        return None
    return min(models, key=lambda m: (_KIND_RANK.index(m.layout.kind), -m.size_bytes, m.name))


def check_name(name: str) -> str:
    """`name` if a model may be called so; ConfigError saying what a name may be."""
    if not _NAME.fullmatch(name) or _PAIR.fullmatch(name):
        raise ConfigError(
            f"{name!r} cannot name a model: use letters, digits, '.', '_', '+' and '-' (up to 100, starting with "
            "a letter or digit), and not a language pair such as zh_en (Argos packages are named so); give --name"
        )
    return name


def add_model(source: Path, models_dir: Path, name: str | None = None) -> InstalledCt2Model:
    """Copy a converted model folder into the models folder, check it by loading it, and install it as `name`.

    A model of the same name is replaced; a folder that fails its checks leaves the models folder as it was.
    """
    check_descriptors()  # a load that fails for want of them would take a good model for a damaged one
    source = source.absolute()
    detect(source, read_tokenizers=False)  # quick refusals before anything is copied
    name = check_name(name if name is not None else source.name)
    files = _files(source)
    parent = models_dir / SUBFOLDER
    parent.mkdir(parents=True, exist_ok=True)
    _check_space(source, parent, sum(size for _, size in files))
    remove_leftovers(parent)
    staging = new_work_folder(parent, f".install-{name}-")
    try:
        for relative, _ in files:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, staging / relative)  # follows links: the copy holds the files
        check_loads(source, staging, _load_check_child)
        installed = InstalledCt2Model(name, parent / name, _read_marker(source, staging))
        replaced = swap_in(staging, installed.path, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
    return installed


def remove_model(models_dir: Path, name: str) -> ModelInfo | None:
    """Uninstall the model called `name`: what was removed, or None if no such model is installed."""
    check_descriptors()  # rmtree opens each folder: out of descriptors, it would leave half a model
    model = next((m for m in installed_models(models_dir) if m.name == name), None)
    if model is None:
        return None
    removed = model.info()
    shutil.rmtree(model.path)
    return removed


def _files(source: Path) -> list[tuple[Path, int]]:
    """The regular files under `source` (links followed) and their sizes; what is not a file is left out."""
    files = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.parts[0].startswith(".") or not path.is_file():  # .git, .cache of a download; folders, FIFOs
            continue
        files.append((relative, path.stat().st_size))
    return files


def _check_space(source: Path, parent: Path, size: int) -> None:
    free = shutil.disk_usage(parent).free
    if size > free:
        raise ConfigError(
            f"{source}: the model takes {size / 1e9:.1f} GB and {parent} has {free / 1e9:.1f} GB free; "
            "free some space or use another --models-dir"
        )


def _read_marker(source: Path, staging: Path) -> Layout:
    try:
        return layout_from_json(json.loads((staging / MARKER).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:  # the child wrote it: a bug if it is not there
        raise ModelPackageError(f"{source}: the load check left no usable {MARKER} ({error})") from None


def _load_check_child(folder_name: str) -> None:
    """The child process of `check_loads`: find the layout, load the tokenizers and the model, translate each way."""
    folder = Path(folder_name)
    # Whatever a loader raises on a bad file is the model's fault: SentencePiece raises OSError or
    # RuntimeError, CTranslate2 RuntimeError, ValueError...
    try:
        loading("config.json, the vocabulary and the SentencePiece models")
        layout = detect(folder)
        import ctranslate2

        from .tokens import Tokens

        tokenizers = [Tokens(folder, layout, direction) for direction in layout.directions]
        loading("model.bin (CTranslate2)")
        translator = ctranslate2.Translator(str(folder), device="cpu", inter_threads=1, intra_threads=1)
        for tokens in tokenizers:
            loading(f"a {tokens.direction.source_lang}->{tokens.direction.target_lang} sentence (translating)")
            [source] = tokens.encode([_SAMPLES[tokens.direction.source_lang]])
            prefix = tokens.target_prefix
            [result] = translator.translate_batch(
                [source], target_prefix=[prefix] if prefix else None, beam_size=1, max_decoding_length=8
            )
            tokens.decode(result.hypotheses[0])
    except ModelPackageError as error:
        print(f"failed: {' '.join(str(error).removeprefix(f'{folder}: ').split())}", flush=True)
        raise SystemExit(3) from None
    except Exception as error:
        failed(error)
    (folder / MARKER).write_text(json.dumps(layout_as_json(layout), ensure_ascii=False, indent=1) + "\n", "utf-8")
