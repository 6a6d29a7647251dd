"""Reading batches: decode an input file and yield one record per abstract (`batches` finds the files).

`.jsonl` (and `.ndjson`) files hold one JSON
object per line. Anything else is a reference export when its first line says so (CNKI
EndNote/Refer, RefWorks, NoteExpress, CNKI self-defined, RIS, BibTeX: see `exports`), and
otherwise a text export: abstracts
separated by the marker `相似文献` that Chinese academic databases write, or by blank lines when
the marker is absent.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import BatchError
from ..manifest import ContentHash, content_hash
from ..record import Citation
from ..writing import open_regular
from .exports import NO_TITLE_OR_ABSTRACT, detect_format, read_references
from .scan import BLOCK, BOMS, CODE_UNITS, MAX_INPUT_BYTES, InputScan, first_nul, line_at, not_text

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SIMILAR_LITERATURE_MARKER = "相似文献"
# The marker with the stray spaces (NBSP, ideographic space) that exports put around it.
# The marker as exports write it, at the end of its line (stray spaces and NBSPs may follow):
# not the same words inside an abstract (相似文献推荐 is a research topic). The whitespace around
# it is stripped with each record's text, not matched here: a leading `\s*` would be retried
# from every position of a long run of spaces, quadratic in its length.
_MARKER_RE = re.compile(rf"{SIMILAR_LITERATURE_MARKER}(?=[ \t\u00a0\u3000]*(?:\n|\Z))")
_BLANK_LINES_RE = re.compile(r"\n[ \t\u00a0\u3000\r]*\n\s*")
# The start of a web page or an XML document: no export of abstracts starts so.
_MARKUP_RE = re.compile(r"[\s\ufeff]*<(?:!doctype\s+html|html[\s>]|(\?xml)[\s?])", re.IGNORECASE)
# Control characters that are not whitespace: the ^Z that DOS tools put at the end of a file, NULs
# and terminal escapes pasted from PDFs. They carry no text, and databases (PostgreSQL) refuse NUL.
_CONTROL = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
_CONTROL_RE = re.compile(f"[{_CONTROL}]+")
# What comes before a record's first character: whitespace, control characters, and the BOMs that
# files concatenated onto another bring along.
_LEADING_SPACE_RE = re.compile(f"[\\s\ufeff{_CONTROL}]*")
_TEXT_FIELDS = ("abstract", "text")
_KNOWN_FIELDS = {"id", "title", *_TEXT_FIELDS}
#: The deepest nesting of arrays and objects a JSONL record may have (the record itself is level 1).
MAX_DEPTH = 100
# Half of a UTF-16 surrogate pair, as a JSON escape such as \ud800 with no second half decodes.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# A byte that is not UTF-8, as Python's "surrogateescape" error handler decodes it (0x80-0xFF); a
# JSON escape cannot put one in a line, which is still text there.
_UNDECODED_BYTE_RE = re.compile("[\udc80-\udcff]")
# A character that UTF-8 writes in three bytes or four (all of Chinese), surrogates aside. Written
# as what it is not: the class U+0800-U+D7FF, U+E000-U+10FFFF takes 15 ms to compile, every run.
_BEYOND_TWO_BYTES_RE = re.compile("[^\x00-\u07ff\ud800-\udfff]")
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


@dataclass
class RecordError:
    """A record that could not be read; it goes to `<batch>.errors.jsonl`."""

    file: str
    line: int
    number: int
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "record": self.number, "reason": self.reason}


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


def _utf8_but_some_lines(data: bytes) -> str | None:
    """The text of a file that is UTF-8 in most of its lines of Chinese (or other text beyond U+07FF)
    and not in the rest, line ends made "\\n" (the bytes that are not UTF-8 kept as "surrogateescape"
    decodes them); None for a file that is UTF-8 throughout, UTF-16 or UTF-32, or in another encoding.
    Only characters from U+0800 up count for UTF-8: in GB18030 a short word (医院) is often two valid
    two-byte UTF-8 characters, a Chinese one seldom."""
    if b"\x00" in data or any(data.startswith(bom) for bom, encoding in BOMS if encoding != "utf-8-sig"):
        return None
    text = _unix_line_ends(data.decode("utf-8", "surrogateescape"))
    damaged = utf8 = 0
    for line in text.split("\n"):  # the lines of _jsonl_records, not str.splitlines' (U+2028 is no line end)
        if _UNDECODED_BYTE_RE.search(line):
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


def read_file_records(source: BatchSource, scan: InputScan) -> Iterator[SourceRecord | RecordError]:
    """The batch's records read from its file as they are asked for (BatchError if it cannot be read).

    JSONL in plain UTF-8 is read a line at a time, so a batch is never held whole; anything else
    (text exports, legacy encodings) is read whole, as telling its encoding or format needs.
    """
    changed = f"{source.path}: cannot be read: it changed while it was being read"
    try:
        if scan.plain_utf8 and source.path.suffix.lower() in JSONL_SUFFIXES:
            with open_regular(source.path) as raw:
                hashing = _HashingReader(raw)
                with io.TextIOWrapper(
                    io.BufferedReader(hashing, BLOCK), encoding="utf-8", errors="strict", newline=None
                ) as handle:
                    # Universal newlines: "\r\n" and a lone "\r" end a line, as _unix_line_ends makes them.
                    yield from _jsonl_records(source, (line.removesuffix("\n") for line in handle))
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


def read_records(source: BatchSource, data: bytes) -> Iterator[SourceRecord | RecordError]:
    """The batch's records from the file's bytes, in order; unusable records come as RecordError."""
    if source.path.suffix.lower() in JSONL_SUFFIXES:
        # JSON lines that are UTF-8 but for a damaged line or two lose those lines only, each
        # reported with its line; a file in a legacy encoding is decoded whole.
        text = _utf8_but_some_lines(data)
        if text is None:
            text = _unix_line_ends(decode(data, source.path))
        return _jsonl_records(source, text.split("\n"))
    text = _unix_line_ends(decode(data, source.path))
    markup = _MARKUP_RE.match(text)
    if markup:  # a page saved from the browser was published as one abstract of markup, scripts and styles
        kind = "an XML document" if markup.group(1) else "an HTML page"
        raise BatchError(
            f"{source.path}: {kind}, not an export of abstracts; export them as text, RIS, BibTeX or JSON lines "
            "to process it"
        )
    export = detect_format(text)
    if export is not None:
        return _export_records(source, export, text)
    return _text_records(source, text)


def _unix_line_ends(text: str) -> str:
    """Every line end as "\\n": Windows "\\r\\n" and the lone "\\r" of old Mac files count as one line end each."""
    # A raw CR cannot be inside a JSON string (control characters must be escaped there), so
    # this changes no valid JSONL value; in text exports it is whitespace either way.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_records(source: BatchSource, text: str) -> Iterator[SourceRecord]:
    separator = _MARKER_RE if _MARKER_RE.search(text) else _BLANK_LINES_RE
    bounds = [0]
    for match in separator.finditer(text):
        bounds += [match.start(), match.end()]
    bounds.append(len(text))
    number, line, counted = 0, 1, 0
    for start, end in zip(bounds[::2], bounds[1::2]):
        leading = _LEADING_SPACE_RE.match(text, start, end)
        first_char = leading.end() if leading else start
        chunk = _CONTROL_RE.sub("", text[first_char:end]).rstrip()
        if not chunk:
            continue
        number += 1
        # Lines counted on from the previous record: counting from the start each time is quadratic.
        line += text.count("\n", counted, first_char)
        counted = first_char
        yield SourceRecord(batch=source.name, file=str(source.path), line=line, number=number, text=chunk)


def _export_records(source: BatchSource, export: str, text: str) -> Iterator[SourceRecord | RecordError]:
    """The records of a reference export; a reference with neither title nor abstract is a RecordError."""
    for number, reference in enumerate(read_references(export, text), start=1):
        if reference.problem is not None or reference.citation is None:
            yield RecordError(str(source.path), reference.line, number, reference.problem or "not a reference")
            continue
        abstract = _CONTROL_RE.sub("", reference.abstract or "").strip()
        title = _CONTROL_RE.sub("", reference.title or "").strip() or None
        if not abstract and not title:  # a title or abstract of control characters only is none
            yield RecordError(str(source.path), reference.line, number, NO_TITLE_OR_ABSTRACT)
            continue
        yield SourceRecord(
            batch=source.name,
            file=str(source.path),
            line=reference.line,
            number=number,
            text=abstract,
            title=title,
            citation=_without_controls(reference.citation),
        )


def _without_controls(citation: Citation) -> Citation:
    """The citation with control characters dropped from every field, as from the text and title."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return _CONTROL_RE.sub("", value).strip()
        if isinstance(value, list):
            return [item for item in map(clean, value) if item]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    return dataclasses.replace(
        citation, **{part.name: clean(getattr(citation, part.name)) for part in dataclasses.fields(citation)}
    )


def _jsonl_records(source: BatchSource, lines: Iterable[str]) -> Iterator[SourceRecord | RecordError]:
    # Lines split on "\n" only (every line end is one by now): U+2028/U+2029 may sit inside a
    # JSON string and are not line ends here.
    number = 0
    for line, raw in enumerate(lines, start=1):
        # A BOM starts each file that was concatenated onto another; RS starts RFC 7464 records.
        content = raw.lstrip("\ufeff\x1e")
        if not content or content.isspace():
            continue
        number += 1
        undecoded = _UNDECODED_BYTE_RE.search(raw)
        if undecoded:
            offset = len(raw[: undecoded.start()].encode("utf-8", "surrogateescape")) + 1  # as the file has it
            byte = ord(undecoded.group()) - 0xDC00
            yield RecordError(
                str(source.path),
                line,
                number,
                f"not UTF-8: byte {offset} of the line (0x{byte:02X}) is not part of a UTF-8 character; "
                "the rest of the file is UTF-8, so this line alone is left out: fix it, or re-save it as UTF-8",
            )
            continue
        try:
            record = _jsonl_record(source, content, line, number)
        except _Unusable as problem:
            yield RecordError(str(source.path), line, number, str(problem))
            continue
        yield record


class _Unusable(ValueError):
    """Why a JSONL line cannot be used; its message is the reason in the errors file."""


def _reject_constant(name: str) -> Any:
    # Python reads NaN, Infinity and -Infinity, but they are not JSON (RFC 8259): written back
    # out they would make our output unreadable to strict parsers.
    raise ValueError(f"{name} is not allowed")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):  # 1e400 reads as infinity, which strict JSON cannot write back
        raise ValueError(f"the number {_shorten(literal)} is too large")
    return value


def _whole_number(literal: str) -> int:
    try:
        return int(literal)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits())
        raise ValueError(f"a number of {len(literal)} digits is too long") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) < len(pairs):
        # RFC 8259 leaves the meaning open (parsers keep the first, the last, or fail): we cannot
        # know which value the exporter meant.
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Unusable(
                    f"the key {_shorten(key)!r} appears twice in one object; which value is meant is unclear"
                )
            seen.add(key)
    return value


_DECODER = json.JSONDecoder(
    parse_float=_finite_float,
    parse_int=_whole_number,
    parse_constant=_reject_constant,
    object_pairs_hook=_unique_keys,
)
_JSON_TYPE_NAMES = {list: "an array", dict: "an object", str: "a string", int: "a number", float: "a number"}


def _jsonl_record(source: BatchSource, content: str, line: int, number: int) -> SourceRecord:
    """The record on one JSONL line; raises _Unusable with the reason it cannot be used."""
    try:
        value = _DECODER.decode(content)
    except RecursionError:  # deeper than Python's stack allows, so far deeper than MAX_DEPTH
        raise _Unusable(f"nested more than {MAX_DEPTH} levels deep") from None
    except _Unusable:
        raise  # valid JSON that we still cannot use (duplicate keys)
    except ValueError as error:  # JSONDecodeError, and the strict rules above
        raise _Unusable(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise _Unusable(f"expected a JSON object, found {_found(value)}")
    _check_writable(value)
    # The first of the fields that holds something: `"abstract": null` beside a `text` is common.
    present = [value[key] for key in _TEXT_FIELDS if key in value]
    text = next(
        (field for field in present if isinstance(field, str) and field.strip()), present[0] if present else None
    )
    if isinstance(text, str):
        text = _CONTROL_RE.sub("", text).strip()
    if not isinstance(text, str) or not text:
        problem = "is empty" if isinstance(text, str) else "is missing" if text is None else "is not a string"
        raise _Unusable(f"the text ('abstract' or 'text') {problem}")
    title = value.get("title")
    if title is not None and not isinstance(title, str):
        raise _Unusable("'title' must be a string")
    return SourceRecord(
        batch=source.name,
        file=str(source.path),
        line=line,
        number=number,
        text=text,
        id=_record_id(value.get("id")),
        title=_CONTROL_RE.sub("", title).strip() or None if title else None,
        meta={key: val for key, val in value.items() if key not in _KNOWN_FIELDS},
    )


def _record_id(value: Any) -> str | None:
    """The input's id as text; None (digest makes one from the text) when it is null or blank."""
    if value is None:
        return None
    # JSON true and 7.5 are not identifiers: str() would make them "True" and "7.5".
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Unusable(f"'id' must be a string or a whole number, found {_found(value)}")
    record_id = str(value).strip()
    control = UNSAFE_NAME_RE.search(record_id)
    if control:
        # Ids name the record in the pages' anchors, the feed and the operator's messages.
        raise _Unusable(f"'id' contains a line break or control character (U+{ord(control.group()):04X})")
    return record_id or None


def _found(value: Any) -> str:
    """How a JSON value is named in a reason: its type, or the value itself when it is short."""
    if value is None or isinstance(value, (bool, float)):
        return json.dumps(value)
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _check_writable(record: dict[str, Any]) -> None:
    """Raise _Unusable for what UTF-8 JSON output cannot hold: lone surrogates, or deep nesting.

    A `\\ud800` escape with no second half decodes to a lone surrogate: the text is not valid
    Unicode, and writing it as UTF-8 fails. Nesting is limited well below Python's recursion
    limit, so that writing and rendering the record cannot run out of stack either.
    """
    # Walked with a list, not recursion, in document order; paths are made only when needed.
    pending: list[tuple[Any, str, str | int | None, int]] = [(record, "", None, 1)]
    while pending:
        item, parent, key, depth = pending.pop()
        if isinstance(item, str):
            _check_unicode(item, _path(parent, key))
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise _Unusable(f"nested more than {MAX_DEPTH} levels deep")
            path = _path(parent, key)
            if isinstance(item, dict):
                for name in item:
                    _check_unicode(name, path, is_key=True)
                children: list[tuple[str | int, Any]] = list(item.items())
            else:
                children = list(enumerate(item))
            pending.extend((child, path, name, depth + 1) for name, child in reversed(children))


def _path(parent: str, key: str | int | None) -> str:
    if key is None:
        return parent
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _check_unicode(text: str, path: str, is_key: bool = False) -> None:
    surrogate = _SURROGATE_RE.search(text)
    if surrogate:
        place = f"{_shorten(path)!r}" if path else "the record"
        place = f"a key in {place}" if is_key else place
        raise _Unusable(
            f"not valid Unicode: {place} contains a lone surrogate (\\u{ord(surrogate.group()):04x}, "
            "half of a UTF-16 pair), which cannot be written as UTF-8"
        )


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
