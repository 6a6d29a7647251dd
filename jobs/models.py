"""Translation models in the models folder: validate, install, list and remove Argos packages.

An Argos package (`.argosmodel`) is a zip of one folder holding `metadata.json` (language codes
and version), a CTranslate2 model in `model/`, and a tokenizer (`sentencepiece.model` or
`bpe.model`). Each installed pair lives in `<models_dir>/<from>_<to>/`. A package is checked
completely before anything is written (its members, sizes and compression, then its metadata),
unpacked beside the models into a hidden folder, loaded there as the `argos` engine loads it, and
only then swapped in by a rename, so the models folder is never left half-installed nor holding a
model that cannot be loaded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from .errors import ConfigError, ModelPackageError
from .settings import cache_dir
from .writing import another_process_is_alive

PACKAGE_SUFFIX = ".argosmodel"
#: A dropped package that cannot be installed is renamed `<name>.argosmodel.rejected`.
REJECTED_SUFFIX = ".rejected"
_CODE_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?")  # fullmatch only: `$` matches before a final "\n"
_TOKENIZER_FILES = ("sentencepiece.model", "bpe.model")
_HIDDEN_WORK_PREFIXES = (".install-", ".replaced-")
_INDEX_TIMEOUT_SECONDS = 20

#: Limits on what a package may unpack to. Real Argos packages unpack to 100-400 MB in a dozen
#: files; these leave ample room for them and stop zip bombs before anything is written.
MAX_UNPACKED_BYTES = 4 * 2**30
MAX_MEMBERS = 1000
MAX_METADATA_BYTES = 2**20
#: A member larger than `_RATIO_CHECK_MIN_BYTES` may unpack to at most this many times its
#: compressed size: model weights and tokenizers hardly compress (real ratios are below 5:1),
#: while a zip bomb's filler compresses about 1000:1.
MAX_COMPRESSION_RATIO = 200
#: Low enough that MAX_MEMBERS members just under it unpack to little (1,000 x 64 KiB = 64 MiB):
#: otherwise a package of many members a little under the threshold unpacks to gigabytes.
_RATIO_CHECK_MIN_BYTES = 64 * 2**10
#: Name limits: a path component over 255 bytes cannot be created on common file systems.
_MAX_NAME_BYTES = 1024
_MAX_NAME_PART_BYTES = 255
_MAX_VERSION_LENGTH = 64
#: Stored and deflated are what `zip` and argospm write. Encrypted members and other methods
#: (bzip2, LZMA, PPMd, Zstandard...) are refused up front: zipfile raises on them only once a
#: member is read, and each other decompressor raises its own exception types.
_SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_COMPRESSION_NAMES = {12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "xz", 97: "WavPack", 98: "PPMd", 99: "AES"}
_ENCRYPTED_FLAGS = 0x1 | 0x40  # traditional PKWARE encryption | strong encryption
#: What zipfile and its decompressors raise on a malformed archive.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, KeyError)
_COPY_CHUNK_BYTES = 2**20
#: Loading a real model takes a few seconds; a load that hangs is a broken package. Each dropped
#: package is checked before any batch, so this bounds how long it can delay a run.
_LOAD_CHECK_TIMEOUT_SECONDS = 120
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
    with _open_package(path) as archive:
        return _inspect_archive(path, archive)


def _open_package(path: Path) -> zipfile.ZipFile:
    """The package file opened as a zip; ModelPackageError if it is not one."""
    if not path.is_file():
        raise ModelPackageError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelPackageError(f"{path}: not a zip archive (an {PACKAGE_SUFFIX} file is a zip of the package folder)")
    try:
        return zipfile.ZipFile(path)
    except (*_ZIP_ERRORS, OSError) as error:  # e.g. a name flagged UTF-8 that is not: UnicodeDecodeError
        raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None


def _inspect_archive(path: Path, archive: zipfile.ZipFile) -> PackageContents:
    """Check every member's header, the sizes, the checksums and the metadata, in that order."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ModelPackageError(
            f"{path}: {len(members):,} members, more than the {MAX_MEMBERS:,} a package may hold "
            "(real Argos packages hold a dozen files)"
        )
    for member in members:
        _check_member(path, member)
    _check_layout(path, members)
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ModelPackageError(
            f"{path}: the package would unpack to {unpacked:,} bytes, more than the limit of "
            f"{MAX_UNPACKED_BYTES:,} (real Argos packages unpack to a few hundred MB)"
        )
    # Headers are checked before any member is decompressed: testzip decompresses every one.
    try:
        damaged = archive.testzip()
    except (*_ZIP_ERRORS, OSError) as error:
        raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None
    if damaged is not None:
        raise ModelPackageError(f"{path}: the archive is damaged (bad checksum for {damaged})")
    names = {m.filename for m in members}
    prefix = _package_prefix(path, names)
    metadata = _read_metadata(path, archive, prefix + "metadata.json")
    _check_metadata(path, metadata)
    if prefix + "model/model.bin" not in names:
        raise ModelPackageError(f"{path}: no CTranslate2 model (expected {prefix}model/model.bin)")
    if not any(prefix + name in names for name in _TOKENIZER_FILES):
        raise ModelPackageError(f"{path}: no tokenizer (expected {prefix}sentencepiece.model or {prefix}bpe.model)")
    return PackageContents(metadata, prefix)


def _check_member(path: Path, member: zipfile.ZipInfo) -> None:
    """Refuse a member that would land outside the package, or that digest could not unpack safely."""
    name = member.filename
    # zipfile cuts a name at its first NUL, a trick to show one name and unpack another.
    if "\x00" in member.orig_filename:
        raise ModelPackageError(f"{path}: member name {member.orig_filename!r} holds a NUL character")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in name):
        raise ModelPackageError(f"{path}: member name {name!r} holds control characters")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    # Every component must be a real name: `top//etc/x` becomes the absolute `/etc/x` once the
    # package's top folder is cut off, and `.` or `..` lead elsewhere.
    pieces = name.replace("\\", "/").rstrip("/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or any(p in ("", ".", "..") for p in pieces):
        raise ModelPackageError(f"{path}: member {name!r} would be written outside the models folder")
    if len(name.encode()) > _MAX_NAME_BYTES or any(len(part.encode()) > _MAX_NAME_PART_BYTES for part in parts):
        raise ModelPackageError(f"{path}: member name {name[:80]!r}... is too long to be a file name")
    file_type = stat.S_IFMT(member.external_attr >> 16)
    if file_type == stat.S_IFLNK:
        raise ModelPackageError(f"{path}: member {name!r} is a symbolic link; packages may hold only files and folders")
    if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ModelPackageError(f"{path}: member {name!r} is a special file; packages may hold only files and folders")
    if member.flag_bits & _ENCRYPTED_FLAGS:
        raise ModelPackageError(
            f"{path}: member {name!r} is encrypted; digest installs only packages without a password "
            "(unpack it with its password and zip the folder again)"
        )
    if member.compress_type not in _SUPPORTED_COMPRESSION:
        method = _COMPRESSION_NAMES.get(member.compress_type, "unknown")
        raise ModelPackageError(
            f"{path}: member {name!r} is compressed with method {member.compress_type} ({method}); digest reads "
            "only stored and deflated members, as `zip` writes them (zip the package folder again)"
        )
    if member.file_size > _RATIO_CHECK_MIN_BYTES and member.file_size > MAX_COMPRESSION_RATIO * member.compress_size:
        ratio = member.file_size / max(member.compress_size, 1)
        raise ModelPackageError(
            f"{path}: member {name!r} would unpack from {member.compress_size:,} to {member.file_size:,} bytes, "
            f"a ratio of {ratio:,.0f}:1, more than the {MAX_COMPRESSION_RATIO}:1 a model file can have (a zip bomb?)"
        )


def _check_layout(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse two members that unpack to the same path, and a path that is both a file and a folder."""
    seen: dict[str, str] = {}
    files: dict[str, str] = {}
    folders: set[str] = set()
    for member in members:
        # Spelled apart (`a//b`, `a/./b`, `A/B`) but one file on disk, or on a case-insensitive one.
        parts = PurePosixPath(member.filename.replace("\\", "/")).parts
        key = "/".join(parts).casefold()
        if key in seen:
            raise ModelPackageError(
                f"{path}: members {seen[key]!r} and {member.filename!r} unpack to the same file; "
                "which one a tool takes differs, so the package is refused"
            )
        seen[key] = member.filename
        folders.update("/".join(parts[:i]).casefold() for i in range(1, len(parts)))
        if member.is_dir():
            folders.add(key)
        else:
            files[key] = member.filename
    for key in files.keys() & folders:
        raise ModelPackageError(f"{path}: member {files[key]!r} is both a file and a folder")


def _package_prefix(path: Path, names: set[str]) -> str:
    if "metadata.json" in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        prefix = f"{tops.pop()}/"
        if prefix + "metadata.json" in names:
            return prefix
    raise ModelPackageError(f"{path}: no metadata.json at the top of the package")


def _read_metadata(path: Path, archive: zipfile.ZipFile, name: str) -> Any:
    """The parsed metadata.json, read only up to `MAX_METADATA_BYTES` (a real one is a few hundred bytes)."""
    if archive.getinfo(name).file_size > MAX_METADATA_BYTES:
        raise ModelPackageError(f"{path}: metadata.json is larger than {MAX_METADATA_BYTES:,} bytes")
    try:
        with archive.open(name) as source:
            data = source.read(MAX_METADATA_BYTES + 1)
    except (*_ZIP_ERRORS, OSError) as error:
        raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None
    if len(data) > MAX_METADATA_BYTES:
        raise ModelPackageError(f"{path}: metadata.json is larger than {MAX_METADATA_BYTES:,} bytes")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # RecursionError: "[[[[..." nested thousands deep
        raise ModelPackageError(f"{path}: metadata.json is not valid JSON ({error})") from None


def _check_metadata(path: Path, metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise ModelPackageError(f"{path}: metadata.json must hold a JSON object")
    for key in ("from_code", "to_code", "package_version"):
        if not isinstance(metadata.get(key), str) or not metadata[key]:
            raise ModelPackageError(f"{path}: metadata.json has no {key}")
    for key in ("from_code", "to_code"):
        if not _CODE_RE.fullmatch(metadata[key]):
            raise ModelPackageError(f"{path}: metadata.json has an invalid {key} {metadata[key]!r}")
    # The version is shown in `digest models list` and written into every record it translates.
    version = metadata["package_version"]
    if len(version) > _MAX_VERSION_LENGTH or not version.isprintable():
        raise ModelPackageError(f"{path}: metadata.json has an invalid package_version {version[:80]!r}")
    if metadata.get("type", "translate") != "translate":
        raise ModelPackageError(f"{path}: a {metadata['type']!r} package, not a translation package")


def install_package(path: Path, models_dir: Path) -> InstalledModel:
    """Validate and install an `.argosmodel` file, replacing an installed version of the same pair."""
    # One open file for checking and unpacking: what was checked is what is unpacked.
    with _open_package(path) as archive:
        contents = _inspect_archive(path, archive)
        argos_package_module()  # a missing argostranslate is a ConfigError of its own, not a bad package
        models_dir.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(models_dir)
        staging = _new_work_folder(models_dir, f".install-{contents.pair}-")
        try:
            _extract(path, archive, contents.prefix, staging)
            if not _ctranslate2().contains_model(str(staging / "model")):
                raise ModelPackageError(f"{path}: model/ is not a CTranslate2 model")
            _check_package_loads(path, staging)
            target = models_dir / contents.pair
            replaced = None
            if target.exists():
                replaced = _new_work_folder(models_dir, f".replaced-{contents.pair}-")
                os.replace(target, replaced / "old")
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
    metadata = contents.metadata
    return InstalledModel(metadata["from_code"], metadata["to_code"], metadata["package_version"], target)


def _new_work_folder(models_dir: Path, prefix: str) -> Path:
    """A new hidden folder with ordinary permissions.

    Not tempfile.mkdtemp: its folders are 0700, which the rename into place would keep, so an
    installed model would be unreadable to the other accounts that run digest.
    """
    folder = models_dir / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()  # 0o777 less the umask, like the folders and files unpacked into it
    return folder


def _is_inside(target: Path, folder: Path) -> bool:
    resolved, root = target.resolve(), folder.resolve()
    return resolved != root and root in resolved.parents


def _extract(path: Path, archive: zipfile.ZipFile, prefix: str, destination: Path, limit: int | None = None) -> None:
    """Unpack the package folder, counting the bytes really written: sizes in the headers are claims."""
    limit = MAX_UNPACKED_BYTES if limit is None else limit
    written = 0
    for member in archive.infolist():
        relative = member.filename[len(prefix) :]
        if not member.filename.startswith(prefix) or not relative:
            continue
        target = destination / relative
        if not _is_inside(target, destination):  # whatever the checks before missed, never write elsewhere
            raise ModelPackageError(f"{path}: member {member.filename!r} would be written outside the models folder")
        if member.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        member_written = 0
        try:
            with archive.open(member) as source, target.open("wb") as sink:
                while chunk := source.read(_COPY_CHUNK_BYTES):
                    member_written += len(chunk)
                    written += len(chunk)
                    if member_written > member.file_size:
                        raise ModelPackageError(
                            f"{path}: member {member.filename!r} unpacks to more than the {member.file_size:,} "
                            "bytes its header gives; the archive is damaged or crafted"
                        )
                    if written > limit:
                        raise ModelPackageError(
                            f"{path}: unpacking wrote more than the limit of {limit:,} bytes; the archive is "
                            "damaged or crafted"
                        )
                    sink.write(chunk)
        except _ZIP_ERRORS as error:  # not OSError: writing may fail for reasons of the disk's own
            raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None


def _check_package_loads(path: Path, folder: Path) -> None:
    """Load the unpacked package as the `argos` engine does, in a child process; ModelPackageError if it fails.

    A child process, because a crafted or damaged model.bin can crash CTranslate2 outright
    (a segmentation fault, not an exception), and a dropped package must not take the run down.
    """
    source_root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")])),
        "PYTHONIOENCODING": "utf-8",
    }
    command = [sys.executable, "-c", f"import sys; from {__name__} import _load_check_child as c; c(sys.argv[1])"]
    try:
        result = subprocess.run(
            [*command, str(folder)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            timeout=_LOAD_CHECK_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise ModelPackageError(
            f"{path}: loading the model took more than {_LOAD_CHECK_TIMEOUT_SECONDS} s; the package is broken"
        ) from None
    if result.returncode == 0:
        return
    lines = result.stdout.splitlines()
    steps = [line.removeprefix("loading ") for line in lines if line.startswith("loading ")]
    step = steps[-1] if steps else "the package"
    errors = [line.removeprefix("failed: ") for line in lines if line.startswith("failed: ")]
    if errors:
        reason = errors[-1].replace(f"{folder}{os.sep}", "")  # the unpacked copy is gone once this is read
    elif result.returncode < 0:
        reason = f"the loader crashed with {_signal_name(-result.returncode)}"
    else:
        reason = f"exit code {result.returncode}: {result.stderr.strip()[-300:]}"
    raise ModelPackageError(f"{path}: {step} cannot be loaded ({reason}); the file is damaged or not a model")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _load_check_child(folder_name: str) -> None:
    """The child process of `_check_package_loads`: print each step, and what failed (exit 3)."""
    folder = Path(folder_name)
    argos = argos_package_module()
    ctranslate2 = _ctranslate2()
    print("loading metadata.json (argostranslate)", flush=True)
    # Whatever a loader raises on a bad file is the package's fault: their parsers raise
    # RuntimeError, OSError, ValueError, IndexError, KeyError...
    try:
        package = argos.Package(folder)
        tokenizer = getattr(package, "tokenizer", None)
        if tokenizer is None:
            raise ValueError("no tokenizer file")
        print(f"loading {Path(getattr(tokenizer, 'model_file', 'the tokenizer')).name} (tokenizer)", flush=True)
        tokens = tokenizer.encode(_LOAD_CHECK_SAMPLE)
        print("loading model/model.bin (CTranslate2)", flush=True)
        translator = ctranslate2.Translator(str(folder / "model"), device="cpu", inter_threads=1, intra_threads=1)
        prefix = package.target_prefix or ""
        translator.translate_batch(
            [tokens], target_prefix=[[prefix]] if prefix else None, beam_size=1, max_decoding_length=2
        )
    except Exception as error:
        print(f"failed: {type(error).__name__}: {' '.join(str(error).split())}", flush=True)  # one line
        sys.exit(3)


def _remove_leftovers(models_dir: Path) -> None:
    """Remove the hidden work folders of installs that were killed (never those of a live one)."""
    for folder in models_dir.iterdir():
        if folder.is_dir() and folder.name.startswith(_HIDDEN_WORK_PREFIXES) and not _owner_is_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _owner_is_alive(folder: Path) -> bool:
    # Work folders are named `<prefix><pair>-<pid>-<hex>` by `_new_work_folder`.
    parts = folder.name.rsplit("-", 2)
    return len(parts) == 3 and parts[1].isdigit() and another_process_is_alive(int(parts[1]))


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

    A bad package never stops the run: it gets one warning and is renamed `<name>.argosmodel.rejected`,
    so that later runs skip it, and the run goes on with the models already installed. A file changed
    in the last `DROPPED_SETTLE_SECONDS` (perhaps still being copied in), or one that failed for
    the machine's sake (disk full), is left in place for the next run instead.
    """
    installed: list[InstalledModel] = []
    if not models_dir.is_dir():
        return installed
    for package in sorted(models_dir.glob(f"*{PACKAGE_SUFFIX}")):
        if not package.is_file():
            continue
        try:
            model = install_package(package, models_dir)
        except ModelPackageError as error:
            warn(_set_aside(package, str(error)))
            continue
        except _ZIP_ERRORS as error:  # install_package words these; a new kind must not stop the run either
            warn(_set_aside(package, f"{package}: cannot be installed ({type(error).__name__}: {error})"))
            continue
        except (ConfigError, OSError) as error:  # the machine's fault (disk full, no argostranslate), not the file's
            warn(f"{package}: cannot be installed now ({error}); it was left in place for the next run")
            continue
        package.unlink(missing_ok=True)  # a run on another output folder may have installed it too
        installed.append(model)
        warn(f"installed {model.name} {model.version} from {package.name}")
    return installed


def _set_aside(package: Path, reason: str) -> str:
    """Rename a dropped package that cannot be installed, so that later runs skip it; the warning to give."""
    try:
        age = time.time() - package.stat().st_mtime
    except OSError:
        return f"{reason}; no model was installed from it"
    if age < DROPPED_SETTLE_SECONDS:
        return (
            f"{reason}; it changed less than {DROPPED_SETTLE_SECONDS} s ago and may still be being copied, "
            "so it was left in place for the next run"
        )
    rejected = package.with_name(package.name + REJECTED_SUFFIX)
    try:
        os.replace(package, rejected)
    except OSError as error:
        return f"{reason}; it could not be set aside ({error}) and will be tried again by the next run"
    return f"{reason}; no model was installed from it, and it was renamed {rejected.name} so that later runs skip it"


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
