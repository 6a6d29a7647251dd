"""An input file's bytes as text: its encoding found (UTF-8, UTF-16/32 with a BOM, GB18030 and other
legacy encodings), and every line end made "\\n".

A file in a format read a line at a time (JSON lines) that is UTF-8 but for a damaged line or two
keeps those lines' bytes as "surrogateescape" decodes them (`UNDECODED_BYTE_RE` finds them), so
that they cost their own records only.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BatchError
from .scan import BOMS, CODE_UNITS, first_nul, line_at, not_text

# A byte that is not UTF-8, as Python's "surrogateescape" error handler decodes it (0x80-0xFF); a
# JSON escape cannot put one in a line, which is still text there.
UNDECODED_BYTE_RE = re.compile("[\udc80-\udcff]")
# A character that UTF-8 writes in three bytes or four (all of Chinese), surrogates aside. Written
# as what it is not: the class U+0800-U+D7FF, U+E000-U+10FFFF takes 15 ms to compile, every run.
_BEYOND_TWO_BYTES_RE = re.compile("[^\x00-\u07ff\ud800-\udfff]")


def decode(data: bytes, path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16/32 with BOM, or a detected legacy
    encoding such as GB18030/GBK. Binary or undecodable content, a NUL character included, raises BatchError."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            unit = CODE_UNITS.get(encoding, 1)
            nul = first_nul(data, unit)
            if nul >= 0:
                raise not_text(path, nul, line_at(data, nul, encoding), unit)
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _undecodable(path, data, error, encoding) from None
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise not_text(path, offset, line_at(data, offset, "utf-8"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        import charset_normalizer  # here, not above: most files are UTF-8, and a run with nothing new reads none

        guess = charset_normalizer.from_bytes(data).best()
        if guess is None:
            raise _undecodable(path, data, utf8_error, "utf-8") from None
        return str(guess)


def utf8_but_some_lines(data: bytes) -> str | None:
    """The text of a file that is UTF-8 in most of its lines of Chinese (or other text beyond U+07FF)
    and not in the rest, line ends made "\\n" (the bytes that are not UTF-8 kept as "surrogateescape"
    decodes them); None for a file that is UTF-8 throughout, UTF-16 or UTF-32, or in another encoding.
    Only characters from U+0800 up count for UTF-8: in GB18030 a short word (医院) is often two valid
    two-byte UTF-8 characters, a Chinese one seldom."""
    if b"\x00" in data or any(data.startswith(bom) for bom, encoding in BOMS if encoding != "utf-8-sig"):
        return None
    text = unix_line_ends(data.decode("utf-8", "surrogateescape"))
    damaged = utf8 = 0
    for line in text.split("\n"):  # the lines a line reader gets, not str.splitlines' (U+2028 is no line end)
        if UNDECODED_BYTE_RE.search(line):
            damaged += 1
        elif _BEYOND_TWO_BYTES_RE.search(line):
            utf8 += 1
    return text if 0 < damaged < utf8 else None


def _undecodable(path: Path, data: bytes, error: UnicodeDecodeError, encoding: str) -> BatchError:
    return BatchError(
        f"{path}: cannot be read as text: invalid {encoding} bytes at byte {error.start}, "
        f"line {line_at(data, error.start, encoding)}, "
        "and no other text encoding fits; re-save the file as UTF-8"
    )


def unix_line_ends(text: str) -> str:
    """Every line end as "\\n": Windows "\\r\\n" and the lone "\\r" of old Mac files count as one line end each."""
    # A raw CR cannot be inside a JSON string (control characters must be escaped there), so
    # this changes no valid JSONL value; in text exports it is whitespace either way.
    return text.replace("\r\n", "\n").replace("\r", "\n")
