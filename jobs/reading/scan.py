"""One pass over an input file's bytes before it is read: its hash, its lines, and whether it is text.

A file over MAX_INPUT_BYTES fails before a byte of it is read, and one with a NUL character at
that character, so that neither a huge file nor a sparse one (a disk image, a hole a crash left)
is ever read through. `records` reads the records of what passes.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BatchError
from ..limits import MAX_INPUT_BYTES
from ..manifest import content_hash
from ..writing import open_regular

#: The byte-order marks an input may start with, and the encodings they name.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Bytes in a code unit of the encodings a BOM names where that is more than one: U+0000 is a unit of zero bytes.
CODE_UNITS = {"utf-16": 2, "utf-32": 4}


#: Bytes read at a time when an input file is scanned or streamed.
BLOCK = 1 << 20


@dataclass
class InputScan:
    """What one pass over an input file's bytes tells: its hash, its lines, and whether it is plain UTF-8."""

    digest: str = ""
    lines: int = 0
    #: UTF-8 (a BOM at most), no NUL byte: a JSONL file like this is read line by line.
    plain_utf8: bool = True


def scan_input(path: Path) -> InputScan:
    """Hash an input file, count its lines and check its encoding, a block at a time.

    Raises BatchError before reading a file over MAX_INPUT_BYTES, and at its first NUL character,
    which no text has (a disk image, a sparse file, a text whose end a crash left as a hole, with
    or without a BOM): neither is read through. Raises OSError when the file cannot be read.
    """
    scan = InputScan()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines = _LineCount()
    bom: str | None = None
    unit = 1

    def blocks(handle: Any) -> Iterator[bytes]:
        nonlocal bom, unit
        while block := handle.read(BLOCK):
            if bom is None:
                bom = next((encoding for mark, encoding in BOMS if block.startswith(mark)), "")
                scan.plain_utf8 = bom in ("", "utf-8-sig")  # not UTF-16 or UTF-32
                unit = CODE_UNITS.get(bom, 1)
                if unit > 1:
                    lines.decoder = codecs.getincrementaldecoder(bom)("replace")
            nul = first_nul(block, unit, lines.size)
            if nul >= 0:  # not text, as `decode` would find, without reading the rest
                raise not_text(path, lines.size + nul, lines.line_at(block[:nul]), unit)
            lines.add(block)
            if lines.size > MAX_INPUT_BYTES:  # it grew since it was measured
                raise _too_large(path, lines.size)
            if scan.plain_utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    scan.plain_utf8 = False
                scan.plain_utf8 = scan.plain_utf8 and b"\x00" not in block
            yield block

    with open_regular(path) as handle:  # a FIFO put in the file's place since it was listed would never end
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_INPUT_BYTES:
            raise _too_large(path, size)
        scan.digest = content_hash(blocks(handle))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        scan.plain_utf8 = False
    scan.lines = lines.newlines or lines.returns
    return scan


@dataclass
class _LineCount:
    """Line ends counted block by block as `line_at` counts them in the whole: "\n", "\r" and "\r\n" are one each.

    Bytes are counted, not characters: in UTF-8 and in GB18030 a 0x0A or 0x0D byte is always a line
    end. In UTF-16 and UTF-32 it is as often part of another character: those are decoded first.
    """

    size: int = 0  # bytes counted
    newlines: int = 0
    returns: int = 0
    pairs: int = 0  # "\r\n", counted across blocks too
    ends_in_return: bool = False
    decoder: codecs.IncrementalDecoder | None = None  # for UTF-16 and UTF-32

    def add(self, block: bytes) -> None:
        self.size += len(block)
        block = self._utf8(block)
        self.pairs += self._pairs(block)
        self.newlines += block.count(b"\n")
        self.returns += block.count(b"\r")
        self.ends_in_return = block.endswith(b"\r")

    def line_at(self, before: bytes) -> int:
        """The line (1-based) at the end of `before`, the start of the next block."""
        before = self._utf8(before)
        ends = self.newlines + before.count(b"\n") + self.returns + before.count(b"\r")
        return ends - self.pairs - self._pairs(before) + 1

    def _utf8(self, block: bytes) -> bytes:
        return block if self.decoder is None else self.decoder.decode(block).encode("utf-8", "replace")

    def _pairs(self, block: bytes) -> int:
        return block.count(b"\r\n") + (self.ends_in_return and block.startswith(b"\n"))


def _too_large(path: Path, size: int) -> BatchError:
    return BatchError(
        f"{path}: {size / (1 << 30):.1f} GiB, more than the {MAX_INPUT_BYTES >> 30} GiB digest reads from one "
        "input file; split it to process it"
    )


def first_nul(data: bytes, unit: int = 1, offset: int = 0) -> int:
    """Where in `data` the first NUL character is, or -1: a zero byte, or in UTF-16 and UTF-32 (`unit` 2 or 4)
    a code unit of zero bytes, not two characters' zero bytes side by side (`offset`: where `data` starts in its file).
    """
    zeros = b"\x00" * unit
    found = data.find(zeros)
    while found >= 0 and (offset + found) % unit:
        found = data.find(zeros, found + 1)
    return found


def not_text(path: Path, offset: int, line: int, unit: int = 1) -> BatchError:
    return BatchError(
        f"{path}: not a text file (a NUL {'byte' if unit == 1 else 'character'} at byte {offset}, line {line}); "
        "input files must be text exports (.txt) or JSON lines (.jsonl)"
    )


def line_at(data: bytes, offset: int, encoding: str) -> int:
    # Counted on the text, not the bytes: in UTF-16 a 0x0A byte is as often half of a character.
    before = data[:offset].decode(encoding, errors="replace")
    return before.count("\n") + before.count("\r") - before.count("\r\n") + 1
