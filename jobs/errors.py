"""Errors written for the people who run the job; anything else is a bug."""

from __future__ import annotations


class DigestError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    exit_code = 1


class ConfigError(DigestError):
    """Bad options, settings or a missing model: nothing was processed."""

    exit_code = 2


class BatchError(DigestError):
    """A whole input file could not be read as a batch (binary, undecodable)."""

    exit_code = 1


class RunInProgress(DigestError):
    """Another `digest run` holds the lock on the output folder."""

    exit_code = 75


class OutputError(DigestError):
    """The output folder could not be written (disk full, read-only, ...); earlier outputs are intact."""

    exit_code = 74  # EX_IOERR

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    @classmethod
    def from_os_error(cls, path: object, error: OSError) -> OutputError:
        """The error for an OSError met while writing `path`: the OS's own words for it."""
        reason = error.strerror or str(error)
        return cls(path, f"cannot be written: {reason}")
