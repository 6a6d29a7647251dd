"""Translation models in the models folder: validate, install, list and remove Argos packages.

An Argos package (`.argosmodel`) is a zip of one folder holding `metadata.json` (language codes
and version), a CTranslate2 model in `model/`, and a tokenizer (`sentencepiece.model` or
`bpe.model`). Each installed pair lives in `<models_dir>/<from>_<to>/`. A package is checked
completely before anything is written, and an install replaces the old version of the pair by a
rename, so the models folder is never left half-installed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from .errors import ConfigError
from .settings import cache_dir

PACKAGE_SUFFIX = ".argosmodel"
_CODE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?$")
_TOKENIZER_FILES = ("sentencepiece.model", "bpe.model")
_HIDDEN_WORK_PREFIXES = (".install-", ".replaced-")
_INDEX_TIMEOUT_SECONDS = 20


class ModelPackageError(ConfigError):
    """An `.argosmodel` file that cannot be installed; nothing was written."""


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
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def as_json(self) -> dict[str, Any]:
        return {
            "pair": self.pair,
            "from": self.from_code,
            "to": self.to_code,
            "version": self.version,
            "size_bytes": self.size_bytes,
            "path": str(self.path),
        }


@dataclass(frozen=True)
class PackageContents:
    """What a valid package file holds: its metadata and where its folder starts in the zip."""

    metadata: dict[str, Any]
    prefix: str  # "" or "topfolder/"

    @property
    def pair(self) -> str:
        return f"{self.metadata['from_code']}_{self.metadata['to_code']}"


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


def inspect_package(path: Path) -> PackageContents:
    """Check that `path` is an installable Argos package, reading only; raise ModelPackageError if not."""
    if not path.is_file():
        raise ModelPackageError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelPackageError(f"{path}: not a zip archive (an {PACKAGE_SUFFIX} file is a zip of the package folder)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            for member in members:
                _check_member(path, member)
            damaged = archive.testzip()
            if damaged is not None:
                raise ModelPackageError(f"{path}: the archive is damaged (bad checksum for {damaged})")
            names = {m.filename for m in members}
            prefix = _package_prefix(path, names)
            try:
                metadata = json.loads(archive.read(prefix + "metadata.json").decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                raise ModelPackageError(f"{path}: metadata.json is not valid JSON ({error})") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
        raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None
    _check_metadata(path, metadata)
    if prefix + "model/model.bin" not in names:
        raise ModelPackageError(f"{path}: no CTranslate2 model (expected {prefix}model/model.bin)")
    if not any(prefix + name in names for name in _TOKENIZER_FILES):
        raise ModelPackageError(f"{path}: no tokenizer (expected {prefix}sentencepiece.model or {prefix}bpe.model)")
    return PackageContents(metadata, prefix)


def _check_member(path: Path, member: zipfile.ZipInfo) -> None:
    name = member.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise ModelPackageError(f"{path}: member {name!r} would be written outside the models folder")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise ModelPackageError(f"{path}: member {name!r} is a symbolic link; packages may hold only files and folders")


def _package_prefix(path: Path, names: set[str]) -> str:
    if "metadata.json" in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        prefix = f"{tops.pop()}/"
        if prefix + "metadata.json" in names:
            return prefix
    raise ModelPackageError(f"{path}: no metadata.json at the top of the package")


def _check_metadata(path: Path, metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise ModelPackageError(f"{path}: metadata.json must hold a JSON object")
    for key in ("from_code", "to_code", "package_version"):
        if not isinstance(metadata.get(key), str) or not metadata[key]:
            raise ModelPackageError(f"{path}: metadata.json has no {key}")
    for key in ("from_code", "to_code"):
        if not _CODE_RE.match(metadata[key]):
            raise ModelPackageError(f"{path}: metadata.json has an invalid {key} {metadata[key]!r}")
    if metadata.get("type", "translate") != "translate":
        raise ModelPackageError(f"{path}: a {metadata['type']!r} package, not a translation package")


def install_package(path: Path, models_dir: Path) -> InstalledModel:
    """Validate and install an `.argosmodel` file, replacing an installed version of the same pair."""
    contents = inspect_package(path)
    models_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(models_dir)
    staging = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".install-{contents.pair}-"))
    try:
        _extract(path, contents.prefix, staging)
        if not _ctranslate2().contains_model(str(staging / "model")):
            raise ModelPackageError(f"{path}: model/ is not a CTranslate2 model")
        target = models_dir / contents.pair
        replaced = None
        if target.exists():
            replaced = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".replaced-{contents.pair}-"))
            os.replace(target, replaced / "old")
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
    metadata = contents.metadata
    return InstalledModel(metadata["from_code"], metadata["to_code"], metadata["package_version"], target)


def _extract(path: Path, prefix: str, destination: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            relative = member.filename[len(prefix) :]
            if not member.filename.startswith(prefix) or not relative:
                continue
            target = destination / relative
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)


def _remove_leftovers(models_dir: Path) -> None:
    """Remove the hidden work folders of an install that was killed."""
    for folder in models_dir.iterdir():
        if folder.is_dir() and folder.name.startswith(_HIDDEN_WORK_PREFIXES):
            shutil.rmtree(folder, ignore_errors=True)


def remove_model(models_dir: Path, pair: str) -> InstalledModel:
    """Uninstall a pair given as `zh_en`, `zh-en` or `zh->en`."""
    codes = re.split(r"->|→|[-_ ]", pair.strip(), maxsplit=1)
    model = find_model(models_dir, *codes) if len(codes) == 2 else None
    if model is None:
        installed = ", ".join(m.pair for m in installed_models(models_dir)) or "none"
        raise ConfigError(f"no model {pair!r} is installed in {models_dir} (installed: {installed})")
    shutil.rmtree(model.path)
    return model


def install_dropped_packages(models_dir: Path, warn: Callable[[str], None]) -> list[InstalledModel]:
    """Install every `.argosmodel` file dropped into the models folder, removing each once installed.

    A file that cannot be installed stays where it is, with a warning on every run until it is
    replaced or removed.
    """
    installed: list[InstalledModel] = []
    if not models_dir.is_dir():
        return installed
    for package in sorted(models_dir.glob(f"*{PACKAGE_SUFFIX}")):
        try:
            model = install_package(package, models_dir)
        except ModelPackageError as error:
            warn(f"{error}; the file was left in place and no model was installed from it")
            continue
        package.unlink()
        installed.append(model)
        warn(f"installed {model.name} {model.version} from {package.name}")
    return installed


def install_from_index(from_code: str, to_code: str, models_dir: Path) -> InstalledModel:
    """Download the pair's package through argostranslate's own index, then install it from the file."""
    argos = argos_package_module()
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
    try:
        return install_package(downloaded, models_dir)
    finally:
        downloaded.unlink(missing_ok=True)


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
    """Import `argostranslate.package` with its folders inside digest's cache folder.

    Importing argostranslate creates its data, config and cache folders under the user's home
    (~/.local/share, ~/.config, ~/.local/cache); digest points them into its own cache folder, so
    a run creates nothing outside the models, input and output folders and that cache.
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
        root = cache_dir() / "argos-translate"
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
