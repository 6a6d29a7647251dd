"""Errors written for the people who run the job, and the exit codes they end a run with.

Anything else is a bug and shows a traceback. Every exit code digest uses is here.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURES = 1  # some batches, records or pages failed; the rest was written
EXIT_USAGE = 2  # usage or configuration error; nothing was done
EXIT_MAIL = 69  # EX_UNAVAILABLE: the mail could not all be sent; the batches are done, the mail is sent next run
EXIT_OUTPUT = 74  # EX_IOERR: an output could not be written; the run stopped there
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock
EXIT_HANGUP = 129  # SIGHUP (the terminal closed), 128 + 1
EXIT_INTERRUPTED = 130  # SIGINT (Ctrl-C), 128 + 2
EXIT_TERMINATED = 143  # SIGTERM, 128 + 15


class DigestError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    exit_code = EXIT_FAILURES


class ConfigError(DigestError):
    """Bad options, settings or a missing model: nothing was processed."""

    exit_code = EXIT_USAGE


class UsageError(ConfigError):
    """Options that cannot go together: the CLI shows it as a usage error, under the command's usage line."""


class BatchError(DigestError):
    """A whole input file could not be read as a batch (binary, undecodable)."""

    exit_code = EXIT_FAILURES


class RunInProgress(DigestError):
    """Another `digest run` holds the lock on the output folder."""

    exit_code = EXIT_LOCKED


class OutputError(DigestError):
    """The output folder could not be written (disk full, read-only, ...); earlier outputs are intact."""

    exit_code = EXIT_OUTPUT

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    @classmethod
    def from_os_error(cls, path: object, error: OSError) -> OutputError:
        """The error for an OSError met while writing `path`: the OS's own words for it."""
        reason = error.strerror or str(error)
        return cls(path, f"cannot be written: {reason}")


class MailError(DigestError):
    """Mail that could not be sent (the server down, a login refused); it stays owed, and the next run sends it."""

    exit_code = EXIT_MAIL


class ModelPackageError(ConfigError):
    """A model (an `.argosmodel` file) that cannot be installed: it fails its checks or does not load; nothing was written."""


class RenderError(DigestError):
    """A batch's JSONL could not be read back to render its digest."""

    exit_code = EXIT_FAILURES
