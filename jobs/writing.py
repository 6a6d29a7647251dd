"""Output files that are either complete or absent: write to a temporary file, then rename."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from .errors import OutputError

if TYPE_CHECKING:
    import jsonlines

_TEMP_SUFFIX = ".partial"
#: Digits of the largest process id on Linux (PID_MAX_LIMIT, 4194304), and of tempfile's random part.
_PID_DIGITS = 7
_RANDOM_CHARACTERS = 8
#: What writing a file can fail with, when the error names no file (not EPIPE from a closed stderr).
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EPERM, errno.EACCES}


@contextmanager
def atomic_text_file(path: Path, permissions: int | None = None) -> Iterator[TextIO]:
    """Yield a file in `path`'s folder that replaces `path` only once the block has finished.

    A run killed at any moment leaves either the old file or the new one, never half of one;
    what it leaves behind is a hidden `*.partial` file that `remove_partial_files` clears. The
    rename replaces a symbolic link at `path` rather than writing through it. An OS error while
    writing (disk full, read-only folder) raises OutputError naming `path`, the old file intact.
    The file gets `permissions` (a cache: 0o600), else those of an ordinary new file.
    """
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=_TEMP_SUFFIX
        )
        # mkstemp makes 0600; outputs are ordinary files
        os.fchmod(descriptor, 0o666 & ~_umask() if permissions is None else permissions)
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


def longest_temporary_name(name: str) -> str:
    """The longest name `atomic_text_file` may give the temporary file of a file called `name`."""
    return f".{name}.{'9' * _PID_DIGITS}.{'x' * _RANDOM_CHARACTERS}{_TEMP_SUFFIX}"


def _is_about(error: OSError, path: Path) -> bool:
    """Whether an OSError concerns writing `path` (its folder, its temporary file, or no file named)."""
    if error.filename is None:  # write() and fsync() name no file: go by what went wrong
        return error.errno in _WRITE_ERRNOS
    named, target = Path(os.path.abspath(os.fsdecode(error.filename))), Path(os.path.abspath(path))
    return named in (target, target.parent) or named.parent == target.parent


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder: the next run's remove_partial_files tries again


def sync(handle: TextIO) -> None:
    """Flush a file opened by `atomic_text_file` to disk now (it is synced again when it closes)."""
    handle.flush()
    os.fsync(handle.fileno())


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
    import jsonlines  # here, not above: a run with nothing new writes no JSON lines

    with atomic_text_file(path) as handle, jsonlines.Writer(handle, dumps=dumps) as writer:
        yield writer


def write_json(path: Path, value: Any) -> None:
    """Replace `path` atomically with `value` as indented JSON."""
    with atomic_text_file(path) as handle:
        handle.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def append_jsonl(path: Path, value: Any) -> None:
    """Append one JSON line, as one write; on any failure the file is cut back to where it was.

    A symbolic link at `path` is refused, never followed; a file with other hard links (a backup
    made with `cp -al`) is first replaced by a copy of its own, so that only this one changes. A
    last line left unfinished by an earlier failure is closed first, so the new line stands alone.
    """
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(path, "is a symbolic link; digest never writes through one") from None
        raise OutputError.from_os_error(path, error) from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(path, "is not a regular file")
        if status.st_nlink > 1:
            os.close(descriptor)
            descriptor = -1
            _copy_to_own_inode(path)
            append_jsonl(path, value)
            return
        size = status.st_size
        unfinished = size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"
        line = ("\n" if unfinished else "") + dumps(value) + "\n"
        data = line.encode("utf-8")
        try:
            if os.write(descriptor, data) != len(data):
                raise OSError(errno.ENOSPC, "short write (disk full?)")
            os.fsync(descriptor)
        except OSError:
            os.ftruncate(descriptor, size)  # never leave half a line behind
            raise
    except OSError as error:
        raise OutputError.from_os_error(path, error) from None
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def _copy_to_own_inode(path: Path) -> None:
    """Replace a hard-linked file by a copy of it, atomically, leaving the other links as they are."""
    with path.open("rb") as source, atomic_text_file(path) as copy:
        shutil.copyfileobj(source, copy.buffer)


def open_regular(path: Path) -> BinaryIO:
    """Open one of digest's own files for reading, refusing anything but a regular file (OSError)."""
    return os.fdopen(regular_file_descriptor(path), "rb")


def regular_file_descriptor(path: Path, flags: int = 0, mode: int = 0o666) -> int:
    """A descriptor (read-only, plus `flags` such as O_CREAT) of `path`, refusing anything but a regular file.

    A FIFO or a device placed where digest's file should be would otherwise block or never end.
    Raises OSError (as a missing file does).
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | flags, mode)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


#: Line and paragraph separators and NEL are valid inside JSON strings, but readers that split
#: lines with str.splitlines() (or JavaScript before ES2019) would cut a record there.
_LINE_BREAKERS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def dumps(value: Any) -> str:
    """One strict JSON text (RFC 8259: no NaN or Infinity), UTF-8 as is, on one line for any reader.

    Raises ValueError for NaN, infinities, and text that cannot be written as UTF-8.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if "\u2028" in text or "\u2029" in text or "\u0085" in text:  # rare: translate() is slow on Chinese text
        text = text.translate(_LINE_BREAKERS)
    text.encode("utf-8")  # a lone surrogate fails here, before anything is written
    return text


def remove_partial_files(folder: Path) -> list[Path]:
    """Delete temporary files left in `folder` by runs that were killed; return them.

    A temporary file carries its writer's process id: one of a process that is still alive (and
    not this one) is left alone, so that a run never removes another live run's work, unless that
    process started after the file was last written (its id was reused, after a reboot perhaps).
    """
    leftovers = sorted(folder.glob(f".*{_TEMP_SUFFIX}")) if folder.is_dir() else []
    removed = []
    for leftover in leftovers:
        if _writer_is_alive(leftover) or leftover.is_dir():
            continue
        try:
            leftover.unlink(missing_ok=True)
        except OSError as error:
            # An append-only folder (chattr +a) lets files be made but not renamed or removed:
            # every run would leave another full-size partial file. Stop before writing one.
            raise OutputError(
                leftover, f"cannot be removed ({error.strerror}); no output can be replaced here"
            ) from None
        removed.append(leftover)
    return removed


def _writer_is_alive(temporary: Path) -> bool:
    parts = temporary.name.removesuffix(_TEMP_SUFFIX).rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False  # written by an older digest, which named no process
    return made_by_live_process(temporary, int(parts[1]))


def made_by_live_process(path: Path, pid: int) -> bool:
    """Whether `path` (a file or folder named with its maker's process id) may be the work of a live
    process other than this one: `pid` is alive and started no later than `path` was last changed. A
    process that started after that is not its maker: the id was reused, after a reboot perhaps."""
    if not another_process_is_alive(pid):
        return False
    started = process_start_time(pid)
    try:
        changed = path.stat().st_mtime
    except OSError:
        return False  # gone already
    # The boot time /proc gives is whole seconds: a margin keeps a maker that started just before.
    return started is None or started <= changed + _START_TIME_MARGIN


#: Seconds by which a process's start time, as /proc tells it, may be late.
_START_TIME_MARGIN = 2.0


def process_start_time(pid: int) -> float | None:
    """When process `pid` started, in seconds since the epoch, from Linux's /proc; None where it cannot be told."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
        # After the command name in parentheses (which may itself hold ")"), field 3 onwards; field
        # 22 is the start time in clock ticks after boot.
        ticks = int(stat.rpartition(")")[2].split()[19])
        return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, IndexError, ValueError):
        return None


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
