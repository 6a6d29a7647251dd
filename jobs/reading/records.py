"""A batch file's records: read a line at a time or whole, decoded, and handed to its format's reader.

The format is told as `formats` says: by the file's suffix (JSON lines), else by the first line of
its text (the reference exports), else it is a text export. A web page or an XML document saved
under any name is refused: it is no export of abstracts.
"""

from __future__ import annotations

import io
import re
from typing import Any, BinaryIO

from ..errors import BatchError
from ..manifest import ContentHash, content_hash
from ..writing import open_regular
from .decoding import decode, unix_line_ends, utf8_but_some_lines
from .formats import format_by_content, format_by_suffix
from .scan import BLOCK, MAX_INPUT_BYTES, InputScan
from .source import BatchSource, Records

# The start of a web page or an XML document: no export of abstracts starts so.
_MARKUP_RE = re.compile(r"[\s\ufeff]*<(?:!doctype\s+html|html[\s>]|(\?xml)[\s?])", re.IGNORECASE)


def read_file_records(source: BatchSource, scan: InputScan) -> Records:
    """The batch's records read from its file as they are asked for (BatchError if it cannot be read).

    A format of one record a line (JSON lines) in plain UTF-8 is read a line at a time, so a batch
    is never held whole; anything else (text and reference exports, legacy encodings) is read
    whole, as telling its encoding or format needs.
    """
    changed = f"{source.path}: cannot be read: it changed while it was being read"
    told = format_by_suffix(source.path)
    try:
        if scan.plain_utf8 and told is not None and told.read_lines is not None:
            with open_regular(source.path) as raw:
                hashing = _HashingReader(raw)
                with io.TextIOWrapper(
                    io.BufferedReader(hashing, BLOCK), encoding="utf-8", errors="strict", newline=None
                ) as handle:
                    # Universal newlines: "\r\n" and a lone "\r" end a line, as unix_line_ends makes them.
                    yield from told.read_lines(source, (line.removesuffix("\n") for line in handle))
            # The records must be those of the bytes the manifest records (a file rewritten in
            # place during the run would otherwise be marked done with another file's records).
            if hashing.digest.text() != scan.digest:
                raise BatchError(changed)
            return
        with open_regular(source.path) as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)  # more than scanned: it changed, as the hash tells
    except UnicodeDecodeError:
        raise BatchError(changed) from None
    except OSError as failure:
        raise BatchError(f"{source.path}: cannot be read: {failure.strerror}") from None
    if content_hash(data) != scan.digest:
        raise BatchError(changed)
    yield from read_records(source, data)


class _HashingReader(io.RawIOBase):
    """A binary file read through, with the SHA-256 of every byte read from it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = ContentHash()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        return len(data)


def read_records(source: BatchSource, data: bytes) -> Records:
    """The batch's records from the file's bytes, in order; unusable records come as RecordError."""
    told = format_by_suffix(source.path)
    if told is not None and told.read_lines is not None:
        # Lines that are UTF-8 but for a damaged line or two lose those lines only, each reported
        # with its line; a file in a legacy encoding is decoded whole.
        text = utf8_but_some_lines(data)
        if text is None:
            text = unix_line_ends(decode(data, source.path))
        return told.read_lines(source, text.split("\n"))
    text = unix_line_ends(decode(data, source.path))
    if told is None:
        _refuse_markup(source, text)
        told = format_by_content(text)
    assert told.read is not None  # a format reads its lines or its whole text
    return told.read(source, text)


def _refuse_markup(source: BatchSource, text: str) -> None:
    """Raise BatchError for a web page or an XML document, which no format would read as what it is."""
    markup = _MARKUP_RE.match(text)
    if markup:  # a page saved from the browser was published as one abstract of markup, scripts and styles
        kind = "an XML document" if markup.group(1) else "an HTML page"
        raise BatchError(
            f"{source.path}: {kind}, not an export of abstracts; export them as text, RIS, BibTeX or JSON lines "
            "to process it"
        )
