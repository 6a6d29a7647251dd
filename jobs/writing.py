"""Output files that are either complete or absent: write to a temporary file, then rename."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import jsonlines

_TEMP_SUFFIX = ".partial"


@contextmanager
def atomic_text_file(path: Path) -> Iterator[TextIO]:
    """Yield a file in `path`'s folder that replaces `path` only once the block has finished.

    A run killed at any moment leaves either the old file or the new one, never half of one;
    what it leaves behind is a hidden `*.partial` file that `remove_partial_files` clears.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
    try:
        os.fchmod(descriptor, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


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
    """Append one JSON line; a single small write, so a kill cannot leave half a line in practice."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(dumps(value) + "\n")


dumps = partial(json.dumps, ensure_ascii=False)


def remove_partial_files(folder: Path) -> list[Path]:
    """Delete temporary files left in `folder` by a run that was killed; return them."""
    leftovers = sorted(folder.glob(f".*{_TEMP_SUFFIX}")) if folder.is_dir() else []
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers
