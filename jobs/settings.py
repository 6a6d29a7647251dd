"""Where the job keeps things: folders and their environment overrides, and whether its cache folder may be trusted.

What is in the cache folder decides the English (cached translations, the prepared gloss
dictionary), and a checksum cannot tell a file that someone rewrote from one that digest wrote.
So, as OpenSSH's StrictModes and git's `safe.directory` do, digest keeps no cache in a folder, and
reads no cache file, that is a symbolic link, belongs to another user or can be written by others;
nor, as StrictModes, in a folder below one that lets another user put their own folder in its place.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from shlex import quote
from typing import NamedTuple

import platformdirs

APP_NAME = "digest"
#: The mode of a cache folder digest creates: its user's alone.
PRIVATE_FOLDER_MODE = 0o700


def cache_dir() -> Path:
    """The user's cache folder for digest (`DIGEST_CACHE_DIR` overrides); it may not exist yet."""
    return Path(os.environ.get("DIGEST_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))


def make_private_folder(path: Path) -> None:
    """Create `path` and the missing folders above it, each for its user alone (as the XDG Base Directory spec asks).

    Not with the umask's mode, as `mkdir -p` would: under a umask of 002 the folders above would
    be writable by the group, and `distrust_parents` would refuse the cache below them.
    """
    absolute = Path(os.path.abspath(path))
    missing = [folder for folder in (absolute, *absolute.parents) if not os.path.lexists(folder)]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
    if not missing:
        path.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)  # raises as mkdir does when it is not a folder


class Distrust(NamedTuple):
    """Why digest must not use a cache folder or file, and what its user can do about it."""

    reason: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.reason}; {self.remedy}"


def distrust_all(found: Iterable[Distrust | None]) -> Distrust | None:
    """All that is found wrong, as one: every path in one warning with every command to run, not one a run."""
    problems = [problem for problem in found if problem is not None]
    if not problems:
        return None
    return Distrust(
        "; ".join(problem.reason for problem in problems), "; ".join(dict.fromkeys(p.remedy for p in problems))
    )


def distrust(path: Path, contents: bool = False) -> Distrust | None:
    """Why digest must not use `path`, a cache folder or file; None if it may (or it is missing).

    Refused: a symbolic link (never followed: pointed at /etc, digest would write there), anything
    owned by another user, and anything other users can write. `contents`: the folder is digest's
    cache folder, and the command to run also names the files in it that others can write (those an
    earlier digest made with the umask's modes), so that one command makes the folder usable.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return Distrust(f"{path} cannot be checked ({error.strerror})", "give digest a folder of its own")
    if stat.S_ISLNK(status.st_mode):
        return Distrust(
            f"{path} is a symbolic link, which digest does not follow to a cache", "give the path it leads to instead"
        )
    user = os.geteuid()
    if status.st_uid != user:
        return Distrust(
            f"{path} belongs to user id {status.st_uid}, not to user id {user} that runs digest",
            f"chown {user} {quote(str(path))}, or remove it",
        )
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        reason = f"{path} can be written by other users (mode {stat.S_IMODE(status.st_mode):o})"
        if not stat.S_ISDIR(status.st_mode):
            return Distrust(reason, f"chmod go-w {quote(str(path))}")
        if status.st_mode & stat.S_ISVTX:  # a folder shared by design, as /tmp: never digest's to change
            return Distrust(reason, "give digest a folder of its own (DIGEST_CACHE_DIR, --cache)")
        loose = _writable_files(path) if contents else []
        return Distrust(reason, "chmod go-w " + " ".join(quote(str(name)) for name in (path, *loose)))
    return None


def _writable_files(folder: Path) -> list[Path]:
    """The files directly in `folder`, of this user's, that others can write."""
    found = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        try:
            status = entry.lstat()
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid() and status.st_mode & 0o022:
            found.append(entry)
    return found


def distrust_parents(path: Path) -> list[Distrust]:
    """Why the folders above `path` would let another user put their own in its place; none if none would.

    Whoever can write a folder above can rename what is below it and put another folder there,
    between digest's checks and its use of the path. So, as OpenSSH's StrictModes checks the
    folders above `authorized_keys`, each (as written, and as its links lead) must belong to root
    or this user and be writable by no one else, unless it is sticky like /tmp, where only an
    entry's owner may rename it. A folder still missing is made by digest, for its user alone.
    """
    user = os.geteuid()
    absolute = Path(os.path.abspath(path))
    resolved = Path(os.path.realpath(absolute.parent))
    found = []
    for folder in dict.fromkeys([*absolute.parents, resolved, *resolved.parents]):
        try:
            status = os.lstat(folder)
        except FileNotFoundError:
            continue
        except OSError as error:
            found.append(Distrust(f"{folder}, above {path}, cannot be checked ({error.strerror})", _ELSEWHERE))
            continue
        if status.st_uid not in (0, user):
            reason = f"{folder}, above {path}, belongs to user id {status.st_uid}"
            found.append(Distrust(f"{reason}, who could put another folder in its place", _ELSEWHERE))
        elif stat.S_ISDIR(status.st_mode) and status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            if not status.st_mode & stat.S_ISVTX:
                reason = (
                    f"{folder}, above {path}, can be written by other users (mode {stat.S_IMODE(status.st_mode):o})"
                )
                found.append(
                    Distrust(f"{reason}, who could put another folder in its place", f"chmod go-w {quote(str(folder))}")
                )
    if found and not any(problem.remedy == _ELSEWHERE for problem in found):
        found[-1] = found[-1]._replace(remedy=f"{found[-1].remedy}, or {_ELSEWHERE}")
    return found


_ELSEWHERE = "keep digest's caches in a folder whose parents only you (or root) can change"


def _distrusted_folder(folder: Path) -> str | None:
    """Why digest must not keep caches in `folder` or the folders above it (one line), or None."""
    distrusted = distrust_all([distrust(folder, contents=True), *distrust_parents(folder)])
    return None if distrusted is None else str(distrusted)


def cache_dir_problem() -> str | None:
    """Why digest cannot keep caches in its cache folder (created here if missing, mode 0700): one warning line; None if it can."""
    folder = cache_dir()
    reason = _distrusted_folder(folder)
    if reason is None:
        try:
            make_private_folder(folder)
        except OSError as error:
            reason = f"{folder} cannot be created ({error.strerror})"
        else:  # checked again: someone else may have made the folder since, for mkdir to find it there
            reason = _distrusted_folder(folder)
    if reason is None and not folder.is_dir():
        reason = f"{folder} is not a folder"
    if reason is None and not os.access(
        folder, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids
    ):
        reason = (
            f"{folder} cannot be written by this user; make it writable, or set DIGEST_CACHE_DIR to a folder that is"
        )
    if reason is None:
        return None
    return (
        f"cache folder: {reason}. Going on without the caches kept there "
        "(the translation cache there is off; dictionaries are prepared in memory, which is slower)"
    )


def trusted_cache_dir() -> Path | None:
    """The cache folder, if digest may keep its caches there (see `cache_dir_problem`); else None."""
    return cache_dir() if cache_dir_problem() is None else None


def default_models_dir() -> Path:
    """Installed translation models: `DIGEST_MODELS_DIR`, else `./lang_models`."""
    return Path(os.environ.get("DIGEST_MODELS_DIR") or "lang_models")
