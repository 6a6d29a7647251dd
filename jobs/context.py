"""What every step of a run shares: its options, its engines, and where its messages go, as one object."""

from __future__ import annotations

from dataclasses import dataclass

from . import messages
from .messages import Warn
from .options import RunOptions
from .translators import Translators


@dataclass(frozen=True)
class RunContext:
    """One run's options, its engines (with their cache) and where its messages go.

    Built once by `pipeline.run` and passed down: to the executor, to each batch, to each chunk's
    work (`chunk.process_chunk`). A Ray worker builds its own from what the run ships it
    (`ray_executor.WorkerSetup`: the options, the engines chosen, the models), since engines, a
    cache and message callbacks are live things that stay in the process that made them.
    """

    options: RunOptions
    translators: Translators
    #: What receives warnings; a chunk's work is given a list's append, for the run to give them.
    warn: Warn = messages.warning
    #: What receives errors: batches and records that failed.
    error: Warn = messages.error
