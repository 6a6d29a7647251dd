"""One run at a time per output folder: an exclusive flock on `output/.digest.lock`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import RunInProgress

LOCK_NAME = ".digest.lock"


@contextmanager
def exclusive_run(output_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock for the block; raise RunInProgress at once if it is held.

    The kernel releases a flock when its process dies, so a run killed with `kill -9` never
    leaves a stale lock behind.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_NAME
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunInProgress(f"another digest run is in progress (it holds the lock {path}); nothing was done") from None
    try:
        yield
    finally:
        lock.release()
