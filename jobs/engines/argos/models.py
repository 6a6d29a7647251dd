"""Translation models in the models folder: validate, install, list and remove Argos packages.

An Argos package (`.argosmodel`) is a zip of one folder holding `metadata.json` (language codes
and version), a CTranslate2 model in `model/`, and a tokenizer (`sentencepiece.model` or
`bpe.model`). Each installed pair lives in `<models_dir>/<from>_<to>/`. A package is checked
completely before anything is written (its members, sizes and compression, then its metadata),
unpacked beside the models into a hidden folder, loaded there as the `argos` engine loads it (in
a child process, `jobs.engines.load_check`), and only then swapped in by a rename, so the models
folder is never left half-installed nor holding a model that cannot be loaded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from ...errors import ConfigError, ModelPackageError
from ...limits import check_descriptors
from ...messages import Warn
from ..base import ModelInfo
from ..load_check import check_loads, failed, loading
from ..work_folders import new_work_folder, remove_leftovers, swap_in
from .package_file import PACKAGE_SUFFIX, ZIP_ERRORS, extract, inspect_archive, open_package

#: A dropped package that cannot be installed is renamed `<name>.argosmodel.rejected`.
REJECTED_SUFFIX = ".rejected"
_INDEX_TIMEOUT_SECONDS = 20

#: What the load check translates, with the package's own tokenizer.
_LOAD_CHECK_SAMPLE = "Test 测试 1."
#: A dropped file changed more recently than this may still be being copied in: if it cannot be
#: installed it is left for the next run rather than set aside.
DROPPED_SETTLE_SECONDS = 60


@dataclass(frozen=True)
class InstalledModel:
    """One installed language pair."""

    from_code: str
    to_code: str
    version: str
    path: Path

    @property
    def pair(self) -> str:
        return f"{self.from_code}_{self.to_code}"

    @property
    def name(self) -> str:
        """The package name as Argos's package manager spells it, e.g. `translate-zh_en`."""
        return f"translate-{self.pair}"

    @property
    def label(self) -> str:
        """Name and version, as records and messages name the model: `translate-zh_en 1.0`."""
        return f"{self.name} {self.version}"

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def info(self) -> ModelInfo:
        """The model as `digest models` shows it (its size counted now)."""
        return ModelInfo(
            engine="argos",
            kind="argos",
            name=self.pair,
            model=self.label,
            source_lang=self.from_code,
            target_lang=self.to_code,
            version=self.version,
            size_bytes=self.size_bytes,
            path=self.path,
        )


def installed_models(models_dir: Path) -> list[InstalledModel]:
    """Every installed pair, sorted by pair."""
    if not models_dir.is_dir():
        return []
    models = []
    for folder in sorted(models_dir.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
            models.append(
                InstalledModel(
                    str(metadata["from_code"]),
                    str(metadata["to_code"]),
                    str(metadata.get("package_version", "")),
                    folder,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a package folder
    return models


def find_model(models_dir: Path, from_code: str, to_code: str) -> InstalledModel | None:
    """The installed model for a pair, if any."""
    return next((m for m in installed_models(models_dir) if (m.from_code, m.to_code) == (from_code, to_code)), None)


def install_package(path: Path, models_dir: Path) -> InstalledModel:
    """Validate and install an `.argosmodel` file, replacing an installed version of the same pair."""
    check_descriptors()  # a load that fails for want of them would take a good package for a damaged one
    # One open file for checking and unpacking: what was checked is what is unpacked.
    with open_package(path) as archive:
        contents = inspect_archive(path, archive)
        argos_package_module()  # a missing argostranslate is a ConfigError of its own, not a bad package
        models_dir.mkdir(parents=True, exist_ok=True)
        remove_leftovers(models_dir)
        staging = new_work_folder(models_dir, f".install-{contents.pair}-")
        try:
            extract(path, archive, contents.prefix, staging)
            if not _ctranslate2().contains_model(str(staging / "model")):
                raise ModelPackageError(f"{path}: model/ is not a CTranslate2 model")
            check_loads(path, staging, _load_check_child)
            target = models_dir / contents.pair
            replaced = swap_in(staging, target, contents.pair)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
    metadata = contents.metadata
    return InstalledModel(metadata["from_code"], metadata["to_code"], metadata["package_version"], target)


def _load_check_child(folder_name: str) -> None:
    """The child process of `check_loads`: load the package as the `argos` engine does, step by step."""
    folder = Path(folder_name)
    argos = argos_package_module()
    ctranslate2 = _ctranslate2()
    loading("metadata.json (argostranslate)")
    # Whatever a loader raises on a bad file is the package's fault: their parsers raise
    # RuntimeError, OSError, ValueError, IndexError, KeyError...
    try:
        package = argos.Package(folder)
        tokenizer = getattr(package, "tokenizer", None)
        if tokenizer is None:
            raise ValueError("no tokenizer file")
        loading(f"{Path(getattr(tokenizer, 'model_file', 'the tokenizer')).name} (tokenizer)")
        tokens = tokenizer.encode(_LOAD_CHECK_SAMPLE)
        loading("model/model.bin (CTranslate2)")
        translator = ctranslate2.Translator(str(folder / "model"), device="cpu", inter_threads=1, intra_threads=1)
        prefix = package.target_prefix or ""
        translator.translate_batch(
            [tokens], target_prefix=[[prefix]] if prefix else None, beam_size=1, max_decoding_length=2
        )
    except Exception as error:
        failed(error)


def remove_model(models_dir: Path, pair: str) -> ModelInfo | None:
    """Uninstall a pair given as `zh_en`, `zh-en` or `zh->en`: what was removed, or None if no such pair is installed."""
    check_descriptors()  # rmtree opens each folder: out of descriptors, it would leave half a model
    codes = re.split(r"->|→|[-_ ]", pair.strip(), maxsplit=1)
    model = find_model(models_dir, *codes) if len(codes) == 2 else None
    if model is None:
        return None
    removed = model.info()
    shutil.rmtree(model.path)
    return removed


def install_dropped_packages(models_dir: Path, warn: Warn) -> list[InstalledModel]:
    """Install every `.argosmodel` file dropped into the models folder, removing each once installed.

    A bad package never stops the run: it gets one warning and is renamed `<name>.argosmodel.rejected`,
    so that later runs skip it, and the run goes on with the models already installed. A file changed
    in the last `DROPPED_SETTLE_SECONDS` (perhaps still being copied in), or one that failed for
    the machine's sake (disk full), is left in place for the next run instead.
    """
    installed: list[InstalledModel] = []
    if not models_dir.is_dir():
        return installed
    for package in sorted(models_dir.glob(f"*{PACKAGE_SUFFIX}")):
        if not package.is_file():  # a folder, a FIFO (opening it would wait forever), a link to nothing
            warn(_set_aside(package, f"{package}: not a package file (a folder, a FIFO or a link to nothing)"))
            continue
        try:
            model = install_package(package, models_dir)
        except ModelPackageError as error:
            warn(_set_aside(package, str(error)))
            continue
        except ZIP_ERRORS as error:  # install_package words these; a new kind must not stop the run either
            warn(_set_aside(package, f"{package}: cannot be installed ({type(error).__name__}: {error})"))
            continue
        except (ConfigError, OSError) as error:  # the machine's fault (disk full, no argostranslate), not the file's
            warn(f"{package}: cannot be installed now ({error}); it was left in place for the next run")
            continue
        package.unlink(missing_ok=True)  # a run on another output folder may have installed it too
        installed.append(model)
        warn(f"installed {model.label} from {package.name}")
    return installed


def _set_aside(package: Path, reason: str) -> str:
    """Rename a dropped package that cannot be installed, so that later runs skip it; the warning to give."""
    try:
        age = time.time() - package.lstat().st_mtime
    except OSError:
        return f"{reason}; no model was installed from it"
    if age < DROPPED_SETTLE_SECONDS:
        return (
            f"{reason}; it changed less than {DROPPED_SETTLE_SECONDS} s ago and may still be being copied, "
            "so it was left in place for the next run"
        )
    rejected = package.with_name(package.name + REJECTED_SUFFIX)
    number = 1
    while rejected.exists() or rejected.is_symlink():  # never replace what an earlier run set aside
        rejected = package.with_name(f"{package.name}{REJECTED_SUFFIX}-{number}")
        number += 1
    try:
        os.replace(package, rejected)
    except OSError as error:
        return f"{reason}; it could not be set aside ({error}) and will be tried again by the next run"
    return f"{reason}; no model was installed from it, and it was renamed {rejected.name} so that later runs skip it"


def install_from_index(from_code: str, to_code: str, models_dir: Path) -> InstalledModel:
    """Download the pair's package through argostranslate's own index, then install it from the file."""
    argos = argos_package_module()
    # The index and the package go to a folder of this call's own: an index left by an earlier
    # download (or by anyone) is never read, even when the new one cannot be fetched.
    with tempfile.TemporaryDirectory(prefix="digest-download-") as scratch, _argos_downloads_in(argos, Path(scratch)):
        with _network_timeout(_INDEX_TIMEOUT_SECONDS):
            argos.update_package_index()
            index_file = Path(argos.settings.local_package_index)
            if not index_file.exists():
                raise ConfigError(_offline_message(argos.settings.remote_package_index, from_code, to_code))
            matches = [p for p in argos.get_available_packages() if (p.from_code, p.to_code) == (from_code, to_code)]
            if not matches:
                raise ConfigError(f"the Argos package index has no {from_code}->{to_code} package")
            newest = max(matches, key=lambda p: _version_key(p.package_version))
            try:
                downloaded = Path(newest.download())
            except Exception as error:  # argostranslate raises bare Exception on a failed download
                raise ConfigError(_offline_message(", ".join(newest.links), from_code, to_code, error)) from None
        return install_package(downloaded, models_dir)


@contextmanager
def _argos_downloads_in(argos: ModuleType, folder: Path) -> Iterator[None]:
    """Point argostranslate's package index file and downloads folder into `folder` for the block."""
    settings = argos.settings
    saved = settings.local_package_index, settings.downloads_dir
    settings.local_package_index, settings.downloads_dir = folder / "index.json", folder
    try:
        yield
    finally:
        settings.local_package_index, settings.downloads_dir = saved


def _offline_message(where: str, from_code: str, to_code: str, error: object = None) -> str:
    reason = f" ({error})" if error else ""
    return (
        f"cannot reach the Argos package index at {where}{reason}: this machine looks offline. "
        f"Download the {from_code}->{to_code} package (translate-{from_code}_{to_code}-*.argosmodel) on a machine "
        f"with network, from https://www.argosopentech.com/argospm/index/, copy it here and run "
        f"`digest models install FILE{PACKAGE_SUFFIX}`."
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


@contextmanager
def _network_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


@cache
def argos_package_module() -> ModuleType:
    """Import `argostranslate.package` with its folders in a temporary folder, gone once it is imported.

    Importing argostranslate creates its data, config and cache folders under the user's home
    (~/.local/share, ~/.config, ~/.local/cache) and reads its settings from there. digest needs
    none of it (it loads packages from its models folder), so a run neither writes those folders
    nor reads settings or a package index that anyone could have left there, and a read-only
    cache folder or home costs nothing.
    """
    try:
        return _import_argos_package()
    except ImportError as error:
        raise ConfigError(_BROKEN_ARGOSTRANSLATE.format(error=error)) from None


#: pip lets `argostranslate` (upstream) and `argos-translate-lt` both install the module
#: `argostranslate`; uninstalling either one deletes the module the other still claims.
_BROKEN_ARGOSTRANSLATE = (
    "cannot import argostranslate ({error}). It is installed by the argos-translate-lt distribution; "
    "if upstream argostranslate was installed or removed in the same environment, the module's files may be "
    "gone. Repair it with: pip uninstall -y argostranslate && "
    "pip install --force-reinstall --no-deps 'argos-translate-lt>=1.12'"
)


def _import_argos_package() -> ModuleType:
    if "argostranslate.settings" not in sys.modules:
        with tempfile.TemporaryDirectory(prefix="digest-argos-") as scratch:
            root = Path(scratch)
            overrides = {
                "XDG_DATA_HOME": root / "data",
                "XDG_CONFIG_HOME": root / "config",
                "XDG_CACHE_HOME": root / "cache",
                "ARGOS_PACKAGES_DIR": root / "packages",
            }
            saved = {key: os.environ.get(key) for key in overrides}
            os.environ.update({key: str(value) for key, value in overrides.items()})
            try:
                import argostranslate.package
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
    import argostranslate.package

    # argostranslate logs failures itself (to stderr, as tuples); digest reports them in words.
    logging.getLogger("argostranslate.utils").setLevel(logging.CRITICAL)
    return argostranslate.package


def _ctranslate2() -> ModuleType:
    import ctranslate2

    return ctranslate2
