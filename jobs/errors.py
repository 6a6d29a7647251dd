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
