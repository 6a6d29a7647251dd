"""Caches that digest derives from data files (jieba's prefix dictionary, the gloss data), in its cache folder.

Each file is a header and a `marshal` payload. The header holds digest's format version, the
SHA-256 of everything the payload was built from (the data files, the versions and code that read
them), and the payload's length and CRC-32. A file is loaded only when its header matches what it
would be built from now and its payload passes its check; otherwise (missing, stale, empty,
truncated, damaged, not ours) the caller rebuilds it, and the rebuilt file replaces it atomically.

The check finds accidents and stale files. It cannot find a file that someone who can write the
cache folder rebuilt on purpose, header and all: that is why the folder and each file are refused
when they are links, another user's, or writable by others (`settings.distrust`).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import OutputError
from .messages import defer_warning
from .settings import distrust
from .writing import atomic_text_file, regular_file_descriptor, remove_partial_files

MAGIC = b"digest derived\n\0"
#: Changes whenever the header or the way payloads are written changes.
FORMAT_VERSION = 1
#: magic, format version, SHA-256 of the source, payload length, payload CRC-32.
_HEADER = struct.Struct(f">{len(MAGIC)}sI32sQI")
#: Cache files digest no longer uses are removed once unused this long: two digest versions on one
#: machine (two virtual environments) share the cache folder and must not delete each other's.
STALE_SECONDS = 30 * 24 * 3600


def source_hash(*parts: bytes) -> bytes:
    """The SHA-256 of what a cache is built from; each part is length-prefixed, so parts cannot run into each other."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.digest()


def file_name(prefix: str, source: bytes) -> str:
    """`<prefix>-<16 hex digits of the source hash>.marshal`: each source its own file."""
    return f"{prefix}-{source.hex()[:16]}.marshal"


def load(path: Path, source: bytes, what: str) -> Any | None:
    """The value `store` kept at `path` for `source`, or None (missing, refused, stale or damaged: rebuild it).

    A file that is a link, another user's or writable by others is never read; it gets one warning
    (once per process) and the rebuilt file replaces it.
    """
    distrusted = distrust(path)
    if distrusted is not None:  # in a folder digest may trust: replacing it needs no one's help
        defer_warning(f"{what}: {distrusted.reason}; digest did not read it and replaces it with a new one")
        return None
    try:
        with os.fdopen(regular_file_descriptor(path, os.O_NOFOLLOW), "rb") as handle:
            # The header first: a file that is not the one expected, of whatever size, is never read whole.
            header = handle.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return None
            magic, version, built_from, length, checksum = _HEADER.unpack(header)
            size = os.fstat(handle.fileno()).st_size - _HEADER.size
            if (magic, version, built_from, length) != (MAGIC, FORMAT_VERSION, source, size):
                return None
            payload = handle.read(length + 1)  # a byte more: a file that grew since is not the one kept
    except OSError:
        return None
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    try:
        value = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    _mark_used(path)
    return value


def store(path: Path, source: bytes, value: Any, what: str) -> None:
    """Keep `value` at `path` for `source`, replacing what is there at once (never writing through a link).

    A file that cannot be written costs one warning (once per process): the value is used from
    memory, and the next process prepares it again.
    """
    payload = marshal.dumps(value)
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, source, len(payload), zlib.crc32(payload))
    try:
        remove_partial_files(path.parent)  # what a process killed while writing one left behind
        with atomic_text_file(path, permissions=0o600) as handle:
            handle.buffer.write(header)
            handle.buffer.write(payload)
    except OutputError as error:
        defer_warning(f"{what} could not be kept ({error}); it is prepared again by each run")


def remove_stale(folder: Path, prefix: str, keep: Iterable[Path]) -> list[Path]:
    """Delete `<prefix>-*` files other than `keep` unused for `STALE_SECONDS`; return them."""
    kept = {path.name for path in keep}
    removed = []
    for path in folder.glob(f"{prefix}-*"):
        if path.name in kept:
            continue
        try:
            if time.time() - path.lstat().st_mtime < STALE_SECONDS:
                continue  # another version used it lately (loading marks the files used)
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _mark_used(path: Path) -> None:
    """Set the file's modification time to now (once a day at most), as `remove_stale` reads it."""
    try:
        if time.time() - path.stat().st_mtime > 24 * 3600:
            os.utime(path)
    except OSError:
        pass  # a read-only cache folder: nothing removes files there either
