"""The input formats behind one registry: each format is one module here, whose `FORMAT` (an
`InputFormat`: its name, how a file in it is told, its reader) is registered at the bottom of this
file, in the order the formats are told apart.

A file is told first by its suffix (JSON lines), before its bytes are decoded; otherwise by its
first line with text (the reference exports: CNKI EndNote/Refer, RefWorks, RIS, BibTeX,
NoteExpress, CNKI self-defined); any other file is a text export. `digest run --help`,
tests/test_docs.py and the JSON schema's `citation.format` (tests/test_exports.py) take the
formats from `INPUT_FORMATS`, and tests/test_formats.py reads a real sample of each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .base import InputFormat

__all__ = ["INPUT_FORMATS", "InputFormat", "citation_formats", "format_by_content", "format_by_suffix", "register"]

#: Every input format by name, in the order they are told apart.
INPUT_FORMATS: dict[str, InputFormat] = {}

# What is no text at either end of a line when its first line is looked for: BOMs (each file
# concatenated onto another brings one), spaces and tabs, ideographic spaces and NBSPs.
_BLANKS = "\ufeff \t\u3000\u00a0"


def register(input_format: InputFormat) -> InputFormat:
    """Add a format, told apart after those registered before it (the fallback after every other)."""
    if input_format.name in INPUT_FORMATS:
        raise ValueError(f"input format {input_format.name!r} is registered already")
    if input_format.is_fallback and any(known.is_fallback for known in INPUT_FORMATS.values()):
        raise ValueError(
            f"input format {input_format.name!r} would be a second fallback; give it a suffix or first line"
        )
    INPUT_FORMATS[input_format.name] = input_format
    return input_format


def format_by_suffix(path: Path) -> InputFormat | None:
    """The format a file is in by its suffix (any case), or None when its content tells."""
    suffix = path.suffix.lower()
    return next((known for known in INPUT_FORMATS.values() if suffix in known.suffixes), None)


def format_by_content(text: str) -> InputFormat:
    """The format of a decoded file (line ends "\\n") by its first line with text; the fallback when none tells.

    The first format whose first line matches decides: one that also needs a title line and has
    none gives the fallback (a one-character tag may start an abstract: "%5的患者..."). Only the
    lines looked at are split off, so telling a large plain-text batch costs next to nothing.
    """
    head = _Head(text)
    for known in INPUT_FORMATS.values():
        if known.first_line is not None and known.first_line.match(head.first(known.skipped)):
            if known.title_line is None or known.title_line.search(text):
                return known
            break
    return next(known for known in INPUT_FORMATS.values() if known.is_fallback)


def citation_formats() -> list[str]:
    """The names of the formats whose records carry a citation (the schema's `citation.format`), in order."""
    return [known.name for known in INPUT_FORMATS.values() if known.cites]


class _Head:
    """The lines with text at the start of a text (stripped of blanks), split off as far as they are asked for."""

    def __init__(self, text: str) -> None:
        self._rest = (stripped for line in _lazy_lines(text) if (stripped := line.strip(_BLANKS)))
        self._seen: list[str] = []

    def first(self, skipped: re.Pattern[str] | None = None) -> str:
        """The first line with text that `skipped` does not match; "" when there is none."""
        return next((line for line in self._lines() if skipped is None or not skipped.match(line)), "")

    def _lines(self) -> Iterator[str]:
        yield from self._seen
        for line in self._rest:
            self._seen.append(line)
            yield line


def _lazy_lines(text: str) -> Iterator[str]:
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def _register_builtin_formats() -> None:
    from . import bibtex, jsonl, noteexpress, refer, refworks, ris, self_defined, text

    # In the order they are told apart, as --help and the docs list them. The suffixes are looked
    # at before any content, and the fallback after every first line, wherever they stand here;
    # the reference exports' first lines exclude each other.
    for builtin in (
        jsonl.FORMAT,
        refer.FORMAT,
        refworks.FORMAT,
        ris.FORMAT,
        bibtex.FORMAT,
        noteexpress.FORMAT,
        self_defined.FORMAT,
        text.FORMAT,
    ):
        register(builtin)


_register_builtin_formats()
