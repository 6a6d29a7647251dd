"""Messages for people, on stderr: `digest: error:` for what failed, `digest: warning:` for the rest.

Writing a message can never change what a run does: a full log disk, a closed pipe or a closed
stderr loses the message, never the run (nor turns into an error about an output file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

#: What receives a message for people: `warning`, `error`, or a test's list.append.
Warn = Callable[[str], None]


def say(line: str) -> None:
    """Print one line on stderr (around a progress bar, if one is shown); never raise."""
    stream = sys.stderr
    if stream is None:
        return  # started with stderr closed (2>&-)
    # Only a run with work imports tqdm (`jobs.pipeline`): until then no bar can be on the screen.
    bars = sys.modules.get("tqdm")
    try:
        if bars is None:
            stream.write(line + "\n")
        else:
            bars.tqdm.write(line, file=stream)
    except (OSError, ValueError):
        pass  # ENOSPC, EPIPE, or a closed file: the message is lost, the run goes on


def warning(message: str) -> None:
    """Something a person should know; it does not change the exit code."""
    say(f"digest: warning: {message}")


def error(message: str) -> None:
    """Something that failed; the run's exit code says so."""
    say(f"digest: error: {message}")


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (for a progress bar); False when it is closed."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):
        return False


#: Warnings from code that has no run's `warn` at hand (a cache prepared deep inside an engine),
#: each given once per process, until the run takes them (`take_deferred_warnings`).
_deferred: list[str] = []
_deferred_given: set[str] = set()


def defer_warning(message: str) -> None:
    """Keep a warning for the run to give (once per process, however often it is deferred)."""
    if message not in _deferred_given:
        _deferred_given.add(message)
        _deferred.append(message)


def take_deferred_warnings() -> list[str]:
    """The warnings deferred since the last call, oldest first."""
    taken = _deferred[:]
    del _deferred[:]
    return taken
