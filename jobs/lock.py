"""One run at a time per output folder: an exclusive flock on the output folder itself.

The lock is taken on the folder's own file descriptor, not on a lock file inside it: a lock file
can be deleted during a run (and the next run would lock a new file and start beside it), or be
replaced by a symbolic link that opening it would follow. A folder cannot be deleted while it
holds the run's files, and the kernel drops a flock when its process dies, so a killed run never
leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError, RunInProgress


@contextmanager
def exclusive_run(output_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock for the block; raise RunInProgress at once if it is held.

    Creates the folder if needed (an output folder may be a symbolic link to one elsewhere).
    """
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(output_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise OutputError.from_os_error(output_dir, error) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(
                f"another digest run is in progress (it holds the lock on {output_dir}); nothing was done"
            ) from None
        except OSError as error:  # ENOLCK: an NFS server whose lock daemon is down
            raise OutputError(output_dir, f"cannot be locked for this run: {error.strerror}") from None
        yield
    finally:
        os.close(descriptor)  # releases the lock
