"""Where the job keeps things: folders and their environment overrides, and whether its cache folder may be trusted.

What is in the cache folder decides the English (cached translations, the prepared gloss
dictionary), and a checksum cannot tell a file that someone rewrote from one that digest wrote.
So, as OpenSSH's StrictModes and git's `safe.directory` do, digest keeps no cache in a folder, and
reads no cache file, that is a symbolic link, belongs to another user or can be written by others.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

import platformdirs

APP_NAME = "digest"
#: The mode of a cache folder digest creates: its user's alone.
PRIVATE_FOLDER_MODE = 0o700


def cache_dir() -> Path:
    """The user's cache folder for digest (`DIGEST_CACHE_DIR` overrides); it may not exist yet."""
    return Path(os.environ.get("DIGEST_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))


def make_private_folder(path: Path) -> None:
    """Create `path` (and missing folders above it) if missing, the last one readable by its user alone."""
    path.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)


class Distrust(NamedTuple):
    """Why digest must not use a cache folder or file, and what its user can do about it."""

    reason: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.reason}; {self.remedy}"


def distrust(path: Path) -> Distrust | None:
    """Why digest must not use `path`, a cache folder or file; None if it may (or it is missing).

    Refused: a symbolic link (never followed: pointed at /etc, digest would write there), anything
    owned by another user, and anything other users can write.
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
            f"chown {user} {path}, or remove it",
        )
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        mode = stat.S_IMODE(status.st_mode)
        return Distrust(f"{path} can be written by other users (mode {mode:o})", f"chmod go-w {path}")
    return None


def cache_dir_problem() -> str | None:
    """Why digest cannot keep caches in its cache folder (created here if missing, mode 0700): one warning line; None if it can."""
    folder = cache_dir()
    distrusted = distrust(folder)
    reason = None if distrusted is None else str(distrusted)
    if reason is None:
        try:
            make_private_folder(folder)
        except OSError as error:
            reason = f"{folder} cannot be created ({error.strerror})"
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
