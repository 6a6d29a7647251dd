"""The hidden work folders of model installs: made beside the models, swapped in by a rename, cleaned after a kill.

A model is unpacked or copied into a hidden folder of the folder it is installed in, checked there,
and only then renamed into place, so that the models folder never holds half a model. Work folders
are named `<prefix><name>-<pid>-<hex>`, so that a later install removes those of killed installs and
never those of a live one.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from ..writing import made_by_live_process

#: The prefixes of work folders: a model being installed, and one being replaced.
HIDDEN_WORK_PREFIXES = (".install-", ".replaced-")


def new_work_folder(parent: Path, prefix: str) -> Path:
    """A new hidden folder with ordinary permissions.

    Not tempfile.mkdtemp: its folders are 0700, which the rename into place would keep, so an
    installed model would be unreadable to the other accounts that run digest.
    """
    folder = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()  # 0o777 less the umask, like the folders and files unpacked into it
    return folder


def remove_leftovers(parent: Path) -> None:
    """Remove the hidden work folders of installs that were killed (never those of a live one)."""
    for folder in parent.iterdir():
        if folder.is_dir() and folder.name.startswith(HIDDEN_WORK_PREFIXES) and not _owner_is_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)


def swap_in(staging: Path, target: Path, name: str) -> Path | None:
    """Rename `staging` to `target`, the model there before moved aside: the folder to remove once all is done, if any."""
    replaced = None
    if target.exists():
        replaced = new_work_folder(target.parent, f".replaced-{name}-")
        os.replace(target, replaced / "old")
    os.replace(staging, target)
    return replaced


def _owner_is_alive(folder: Path) -> bool:
    parts = folder.name.rsplit("-", 2)
    return len(parts) == 3 and parts[1].isdigit() and made_by_live_process(folder, int(parts[1]))
