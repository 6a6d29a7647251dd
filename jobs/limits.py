"""The limits a run must fit in: the largest input file digest reads, free file descriptors, and the length of
names and paths.

Each is checked before the work it limits starts, so that running out of one half-way never stops every run
with a traceback, or with a message that blames something else (a model "to reinstall").
"""

from __future__ import annotations

import errno
import os
import resource
from pathlib import Path

from .errors import ConfigError

#: The largest input file digest reads, 1 GiB: far above any real export (CNKI exports at most 500
#: records, about 2 MB; all 396,209 abstracts of the CSL corpus are about 320 MB as JSON lines), and
#: small enough that a text export, which is read whole, fits in memory.
MAX_INPUT_BYTES = 1 << 30
#: File descriptors a run needs free. digest holds about ten at once at most (the lock, an input,
#: an output and its folder, the translation cache and its journal, a model's files as it loads);
#: three times that leaves room for what the libraries open.
MIN_FREE_DESCRIPTORS = 32
#: The soft limit on open files most systems give a process (`ulimit -Sn`).
USUAL_SOFT_LIMIT = 1024
#: File descriptors a local Ray instance needs free: its raylet and GCS server, started with the
#: run's limit, hold sockets to every worker and to each other, and fail to start (a traceback
#: after 30 s) with 48. Ray asks for 8192; a local instance with a few workers needs far fewer.
RAY_FREE_DESCRIPTORS = 256
#: What Linux allows where a file system does not say: bytes in a file name, and in a path (with its final NUL).
DEFAULT_NAME_MAX = 255
DEFAULT_PATH_MAX = 4096


def check_descriptors(needed: int = MIN_FREE_DESCRIPTORS, who: str = "digest") -> None:
    """Raise ConfigError when fewer than `needed` file descriptors are left (`ulimit -n` too low) for `who`.

    A soft limit below the hard one is raised first, as far as needed (to 1024, the usual default,
    at least) and as the hard limit allows: that is what a soft limit is for, and refusing would
    make the operator edit a crontab for what digest may do itself.
    """
    free, limit = free_descriptors()
    if free < needed:
        _raise_soft_limit(max(limit + needed - free, USUAL_SOFT_LIMIT))
        free, limit = free_descriptors()
    if free < needed:
        raise ConfigError(
            f"too many open files: {who} needs {needed} free file descriptors and has {free} "
            f"(ulimit -n is {limit}); raise ulimit -n"
        )


def _raise_soft_limit(wanted: int) -> None:
    """Raise this process's soft limit on open files towards `wanted`, never past its hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError):  # a limit the kernel will not give (above fs.nr_open): keep the one there is
            pass


def free_descriptors() -> tuple[int, int]:
    """How many more files this process may open, and its limit (`ulimit -n`)."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit == resource.RLIM_INFINITY:
        limit = os.sysconf("SC_OPEN_MAX")
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            open_now = len(os.listdir(listing)) - 1  # less the listing's own descriptor
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENFILE):
                return 0, limit
            continue
        return max(0, limit - open_now), limit
    return max(0, limit - 3), limit  # no listing: count stdin, stdout and stderr


def check_working_folder() -> None:
    """Raise ConfigError when the current folder has been deleted (cron started digest in a folder since removed).

    Relative paths cannot be found from it, and libraries that look up their own files by it
    (jieba, through pkg_resources) fail with a traceback.
    """
    try:
        os.getcwd()
    except FileNotFoundError:
        raise ConfigError(
            "the current folder no longer exists (it was deleted); run digest from a folder that exists"
        ) from None


def nearest_folder(path: Path) -> Path:
    """`path`, or the nearest folder above it that exists (where a folder not made yet will be)."""
    for candidate in (path, *Path(os.path.abspath(path)).parents):
        if os.path.isdir(candidate):  # False, not an error, for a path too long to look up
            return candidate
    return Path("/")


def name_max(folder: Path | None) -> int:
    """The most bytes a file name may have in `folder` (or where it will be made), by its file system."""
    return _pathconf(folder, "PC_NAME_MAX", DEFAULT_NAME_MAX)


def path_max(folder: Path | None) -> int:
    """The most bytes a path may have (with its final NUL) on `folder`'s file system."""
    return _pathconf(folder, "PC_PATH_MAX", DEFAULT_PATH_MAX)


def _pathconf(folder: Path | None, name: str, default: int) -> int:
    if folder is None:
        return default
    try:
        value = os.pathconf(nearest_folder(folder), name)
    except (OSError, ValueError):
        return default
    return value if value > 0 else default


def check_output_path(folder: Path) -> None:
    """Raise ConfigError when files in the output folder could not be named within the system's limits.

    Outputs are written to temporary files named by their full path (Python's tempfile makes them
    absolute), so the folder's full path must leave room for a file name of the longest kind.
    """
    longest, names = path_max(folder), name_max(folder)
    try:
        os.stat(folder)
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            raise ConfigError(f"output folder {shown(folder)}: {error.strerror}; give a shorter path") from None
    # A name is looked up only once the folders before it are found: a folder not made yet can hide one.
    if any(len(os.fsencode(part)) > names for part in folder.parts):
        raise ConfigError(
            f"output folder {shown(folder)}: a name in its path is too long (the file system allows {names} "
            "bytes); give a shorter path"
        )
    try:
        full = len(os.fsencode(os.path.abspath(folder)))
    except OSError as error:  # the working folder's own path is too long to be told
        raise ConfigError(f"output folder {shown(folder)}: {error.strerror}; give a shorter path") from None
    if full + 1 + names >= longest:
        raise ConfigError(
            f"output folder {shown(folder)}: its full path is {full} bytes, too long for files in it "
            f"(PATH_MAX is {longest}, and a file name may take {names}); give a shorter path"
        )


def path_too_long(path: Path) -> str:
    """Why a file whose path passes PATH_MAX cannot be read, and what to do."""
    return (
        f"{shown(path)}: the path is {len(os.fsencode(path))} bytes, too long for the system (PATH_MAX is "
        f"{path_max(path.parent)}); give the input folder by a shorter path to process it"
    )


def shown(path: Path | str, most: int = 160) -> str:
    """A path for a message: whole, or its start and end when it is longer than `most` characters."""
    text = str(path)
    return text if len(text) <= most else f"{text[: most // 2 - 1]}…{text[-(most // 2 - 1) :]}"
