"""Output files that are either complete or absent: write to a temporary file, then rename."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import jsonlines

from .errors import OutputError

_TEMP_SUFFIX = ".partial"


@contextmanager
def atomic_text_file(path: Path) -> Iterator[TextIO]:
    """Yield a file in `path`'s folder that replaces `path` only once the block has finished.

    A run killed at any moment leaves either the old file or the new one, never half of one;
    what it leaves behind is a hidden `*.partial` file that `remove_partial_files` clears. The
    rename replaces a symbolic link at `path` rather than writing through it. An OS error while
    writing (disk full, read-only folder) raises OutputError naming `path`, the old file intact.
    """
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=_TEMP_SUFFIX
        )
        os.fchmod(descriptor, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    except OSError as error:
        if temporary is not None:
            _unlink_quietly(Path(temporary))
        if not _is_about(error, path):
            raise  # an error about another file, met inside the block: not this write's
        raise OutputError.from_os_error(path, error) from None
    except BaseException:
        if temporary is not None:
            _unlink_quietly(Path(temporary))
        raise


def _is_about(error: OSError, path: Path) -> bool:
    """Whether an OSError concerns writing `path` (its folder, its temporary file, or no file named)."""
    if error.filename is None:
        return True  # write() and fsync() name no file
    named, target = Path(os.path.abspath(os.fsdecode(error.filename))), Path(os.path.abspath(path))
    return named in (target, target.parent) or named.parent == target.parent


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder: the next run's remove_partial_files tries again


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def atomic_jsonl(path: Path) -> Iterator[jsonlines.Writer]:
    """A jsonlines writer (UTF-8, no ASCII escapes) on an atomically replaced file."""
    with atomic_text_file(path) as handle, jsonlines.Writer(handle, dumps=dumps) as writer:
        yield writer


def write_json(path: Path, value: Any) -> None:
    """Replace `path` atomically with `value` as indented JSON."""
    with atomic_text_file(path) as handle:
        handle.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def append_jsonl(path: Path, value: Any) -> None:
    """Append one JSON line; a single small write, so a kill cannot leave half a line in practice.

    A symbolic link at `path` is refused, never followed.
    """
    line = (dumps(value) + "\n").encode("utf-8")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(path, "is a symbolic link; digest never writes through one") from None
        raise OutputError.from_os_error(path, error) from None
    try:
        if os.write(descriptor, line) != len(line):
            raise OutputError(path, "cannot be written: short write (disk full?)")
    except OSError as error:
        raise OutputError.from_os_error(path, error) from None
    finally:
        os.close(descriptor)


# Strict JSON (RFC 8259) only: NaN and infinities raise ValueError instead of being written as
# bare NaN/Infinity, which Python reads back but strict parsers reject. Reading refuses them.
#: Line and paragraph separators and NEL are valid inside JSON strings, but readers that split
#: lines with str.splitlines() (or JavaScript before ES2019) would cut a record there.
_LINE_BREAKERS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def dumps(value: Any) -> str:
    """One strict JSON text (RFC 8259: no NaN or Infinity), UTF-8 as is, on one line for any reader.

    Raises ValueError for NaN, infinities, and text that cannot be written as UTF-8.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_LINE_BREAKERS)
    text.encode("utf-8")  # a lone surrogate fails here, before anything is written
    return text


def remove_partial_files(folder: Path) -> list[Path]:
    """Delete temporary files left in `folder` by runs that were killed; return them.

    A temporary file carries its writer's process id: one of a process that is still alive (and
    not this one) is left alone, so that a run never removes another live run's work.
    """
    leftovers = sorted(folder.glob(f".*{_TEMP_SUFFIX}")) if folder.is_dir() else []
    removed = []
    for leftover in leftovers:
        if _writer_is_alive(leftover) or leftover.is_dir():
            continue
        _unlink_quietly(leftover)
        removed.append(leftover)
    return removed


def _writer_is_alive(temporary: Path) -> bool:
    parts = temporary.name.removesuffix(_TEMP_SUFFIX).rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False  # written by an older digest, which named no process
    return another_process_is_alive(int(parts[1]))


def another_process_is_alive(pid: int) -> bool:
    """Whether `pid` is a live process other than this one (whose leftovers must then be spared)."""
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    except OverflowError:
        return False  # not a pid at all
    return True
