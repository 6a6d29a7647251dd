"""What reading gives: a batch's input file, the records read from it, and those that cannot be read.

Every format's reader yields `SourceRecord`s and `RecordError`s; the control characters that no
record's text keeps (`CONTROL_RE`), and the characters no id or file name may hold
(`UNSAFE_NAME_RE`), are defined here once for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..record import Citation

# Control characters that are not whitespace: the ^Z that DOS tools put at the end of a file, NULs
# and terminal escapes pasted from PDFs. They carry no text, and databases (PostgreSQL) refuse NUL.
CONTROL = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
CONTROL_RE = re.compile(f"[{CONTROL}]+")
# What an id or a file name must not hold: C0 and C1 controls (line breaks included), the Unicode
# line and paragraph separators, and the bidirectional overrides and isolates, which make a log
# line or a page show text in another order than it is (U+202E turns "txt.exe" around).
UNSAFE_NAME_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class BatchSource:
    """One input file and the batch name its outputs are written under."""

    name: str
    path: Path
    problem: str | None = None  # why this input cannot be processed as a batch


@dataclass
class SourceRecord:
    """One abstract as read from its batch, before any processing."""

    batch: str
    file: str
    line: int  # where the record starts in the file, 1-based
    number: int  # position in the batch, 1-based, counting failed records too
    text: str  # empty only for a reference export's record that has a title and no abstract
    id: str | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: What a reference export says about the publication (None for other inputs).
    citation: Citation | None = None
    #: A reference export's tags that its format's table does not know: left out of the record,
    #: and named to the operator once a file (`pipeline`), so a tag a new export adds is not lost unseen.
    unknown_tags: tuple[str, ...] = ()


@dataclass
class RecordError:
    """A record that could not be read; it goes to `<batch>.errors.jsonl`."""

    file: str
    line: int
    number: int
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "record": self.number, "reason": self.reason}


#: The records of a batch as a format's reader yields them, in order.
Records = Iterator[SourceRecord | RecordError]
