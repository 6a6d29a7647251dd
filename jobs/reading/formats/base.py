"""What an input format is: its name, how a file in it is told apart, and how its records are read."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..source import BatchSource, Records

#: The records of a file's text, read whole (every line end made "\n").
TextReader = Callable[[BatchSource, str], Records]
#: The records of a file's lines, as they are asked for (a format of one record a line).
LineReader = Callable[[BatchSource, Iterable[str]], Records]


@dataclass(frozen=True)
class InputFormat:
    """One input format: its name, how a file in it is told apart, and how its records are read.

    A format is told by the file's suffix (`suffixes`), before its bytes are decoded; or by the
    first line with text (`first_line`, after any lines `skipped` matches; a format with a
    `title_line` also needs that on a line of its own); or, with neither, it is the fallback that
    takes every other file. A format reads either the whole text (`read`) or its lines
    (`read_lines`: one record a line, so a plain UTF-8 file is read a line at a time, and a line
    that is not UTF-8 costs that record only).
    """

    #: What `digest run --help` calls it; a reference export's `citation.format`.
    name: str
    #: What people call it ("CNKI EndNote / Refer"), as the docs' table of formats names it.
    label: str
    #: What `digest run --help` says of it: how a file is told, and what a record is where that needs saying.
    summary: str
    read: TextReader | None = None
    read_lines: LineReader | None = None
    #: File suffixes, lower case with their dot (".jsonl").
    suffixes: tuple[str, ...] = ()
    first_line: re.Pattern[str] | None = None
    title_line: re.Pattern[str] | None = None
    skipped: re.Pattern[str] | None = None
    #: Whether its records carry a `Citation` (a reference export), whose `format` is `name`.
    cites: bool = False

    def __post_init__(self) -> None:
        if (self.read is None) == (self.read_lines is None):
            raise ValueError(f"input format {self.name!r} needs one reader: read or read_lines")
        if self.read_lines is not None and not self.suffixes:
            raise ValueError(f"input format {self.name!r} reads lines, so it must be told by its suffixes")
        if self.suffixes and self.first_line is not None:
            raise ValueError(f"input format {self.name!r} is told by its suffixes or its first line, not both")

    @property
    def is_fallback(self) -> bool:
        """Whether this format takes every file no other format is told by."""
        return not self.suffixes and self.first_line is None
