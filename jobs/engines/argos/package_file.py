"""Reading an `.argosmodel` file safely: check every member, the layout and metadata, then unpack.

A package comes from outside (a download, a USB stick, a file dropped into the models folder):
everything in it is checked before a byte is unpacked (names, encryption, compression methods,
sizes and ratios against zip bombs, the metadata), and unpacking counts the bytes it really
writes and never writes outside its destination. Installing it is `models`' job.
"""

from __future__ import annotations

import json
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import ModelPackageError

PACKAGE_SUFFIX = ".argosmodel"

_CODE_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?")  # fullmatch only: `$` matches before a final "\n"
_TOKENIZER_FILES = ("sentencepiece.model", "bpe.model")
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
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, KeyError)
_COPY_CHUNK_BYTES = 2**20


@dataclass(frozen=True)
class PackageContents:
    """What a valid package file holds: its metadata and where its folder starts in the zip."""

    metadata: dict[str, Any]
    prefix: str  # "" or "topfolder/"

    @property
    def pair(self) -> str:
        return f"{self.metadata['from_code']}_{self.metadata['to_code']}"


def inspect_package(path: Path) -> PackageContents:
    """Check that `path` is an installable Argos package, reading only; raise ModelPackageError if not."""
    with open_package(path) as archive:
        return inspect_archive(path, archive)


def open_package(path: Path) -> zipfile.ZipFile:
    """The package file opened as a zip; ModelPackageError if it is not one."""
    if not path.is_file():
        raise ModelPackageError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelPackageError(f"{path}: not a zip archive (an {PACKAGE_SUFFIX} file is a zip of the package folder)")
    try:
        return zipfile.ZipFile(path)
    except (*ZIP_ERRORS, OSError) as error:  # e.g. a name flagged UTF-8 that is not: UnicodeDecodeError
        raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None


def inspect_archive(path: Path, archive: zipfile.ZipFile) -> PackageContents:
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
    except (*ZIP_ERRORS, OSError) as error:
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
    except (*ZIP_ERRORS, OSError) as error:
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


def _is_inside(target: Path, folder: Path) -> bool:
    resolved, root = target.resolve(), folder.resolve()
    return resolved != root and root in resolved.parents


def extract(path: Path, archive: zipfile.ZipFile, prefix: str, destination: Path, limit: int | None = None) -> None:
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
        except ZIP_ERRORS as error:  # not OSError: writing may fail for reasons of the disk's own
            raise ModelPackageError(f"{path}: the archive is damaged ({error})") from None
