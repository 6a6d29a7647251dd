"""Reading batches: find the input files, decode them, and yield one record per abstract.

Every file directly in an input folder is one batch. `.jsonl` (and `.ndjson`) files hold one JSON
object per line; anything else is read as a text export: abstracts separated by the marker
`相似文献` that Chinese academic databases write, or by blank lines when the marker is absent.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import jsonlines

from .errors import BatchError, ConfigError

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SIMILAR_LITERATURE_MARKER = "相似文献"
# The marker with the stray spaces (NBSP, ideographic space) that exports put around it.
_MARKER_RE = re.compile(rf"[\s\u00a0\u3000]*{SIMILAR_LITERATURE_MARKER}[\s\u00a0\u3000]*")
_BLANK_LINES_RE = re.compile(r"\n[ \t\u00a0\u3000\r]*\n\s*")
_TEXT_FIELDS = ("abstract", "text")
_KNOWN_FIELDS = {"id", "title", *_TEXT_FIELDS}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class BatchSource:
    """One input file and the batch name its outputs are written under."""

    name: str
    path: Path


@dataclass
class SourceRecord:
    """One abstract as read from its batch, before any processing."""

    batch: str
    file: str
    line: int  # where the record starts in the file, 1-based
    number: int  # position in the batch, 1-based, counting failed records too
    text: str
    id: str | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordError:
    """A record that could not be read; it goes to `<batch>.errors.jsonl`."""

    file: str
    line: int
    number: int
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "record": self.number, "reason": self.reason}


def find_batches(paths: Sequence[Path]) -> list[BatchSource]:
    """Every batch under `paths`: files as given, and the visible files directly in folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"input {path} does not exist")
    files = list(dict.fromkeys(files))
    # `a.txt` and `a.jsonl` would both write `a.jsonl`: such files keep their suffix in the name.
    stems = Counter(p.stem for p in files)
    batches = [BatchSource(p.stem if stems[p.stem] == 1 else p.name, p) for p in files]
    names = Counter(b.name for b in batches)
    clashes = sorted({str(b.path) for b in batches if names[b.name] > 1})
    if clashes:
        raise ConfigError(f"these inputs would write the same output file; rename one: {', '.join(clashes)}")
    return batches


def decode(data: bytes, path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16/32 with BOM, or a detected legacy
    encoding such as GB18030/GBK. Binary or undecodable content raises BatchError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _undecodable(path, data, error, encoding) from None
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise BatchError(
            f"{path}: not a text file (a NUL byte at byte {offset}, line {_line_at(data, offset)}); "
            "input files must be text exports (.txt) or JSON lines (.jsonl)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        guess = charset_normalizer.from_bytes(data).best()
        if guess is None:
            raise _undecodable(path, data, utf8_error, "utf-8") from None
        return str(guess)


def _undecodable(path: Path, data: bytes, error: UnicodeDecodeError, encoding: str) -> BatchError:
    return BatchError(
        f"{path}: cannot be read as text: invalid {encoding} bytes at byte {error.start}, "
        f"line {_line_at(data, error.start)}, "
        "and no other text encoding fits; re-save the file as UTF-8"
    )


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_records(source: BatchSource, data: bytes) -> Iterator[SourceRecord | RecordError]:
    """The batch's records from the file's bytes, in order; unusable records come as RecordError."""
    text = decode(data, source.path)
    if source.path.suffix.lower() in JSONL_SUFFIXES:
        return _jsonl_records(source, text)
    return _text_records(source, text)


def _text_records(source: BatchSource, text: str) -> Iterator[SourceRecord]:
    separator = _MARKER_RE if SIMILAR_LITERATURE_MARKER in text else _BLANK_LINES_RE
    bounds = [0]
    for match in separator.finditer(text):
        bounds += [match.start(), match.end()]
    bounds.append(len(text))
    number = 0
    for start, end in zip(bounds[::2], bounds[1::2]):
        chunk = text[start:end]
        if not chunk.strip():
            continue
        number += 1
        first_char = start + len(chunk) - len(chunk.lstrip())
        yield SourceRecord(
            batch=source.name,
            file=str(source.path),
            line=text.count("\n", 0, first_char) + 1,
            number=number,
            text=chunk.strip(),
        )


def _jsonl_records(source: BatchSource, text: str) -> Iterator[SourceRecord | RecordError]:
    # Split on "\n" only: U+2028/U+2029 may sit inside a JSON string and are not line ends here.
    lines = text.split("\n")
    reader = jsonlines.Reader(lines, loads=json.loads)
    number = 0
    for line in range(1, len(lines) + 1):  # each read() takes exactly one line
        try:
            value = reader.read(allow_none=True)
        except jsonlines.InvalidLineError as error:
            if not str(error.line).strip():
                continue  # blank line
            number += 1
            cause = error.__cause__ or error
            yield RecordError(str(source.path), line, number, f"not valid JSON: {cause}")
            continue
        number += 1
        yield _jsonl_record(source, value, line, number)


_JSON_TYPE_NAMES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false"}


def _jsonl_record(source: BatchSource, value: Any, line: int, number: int) -> SourceRecord | RecordError:
    file = str(source.path)
    if not isinstance(value, dict):
        found = "null" if value is None else _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
        return RecordError(file, line, number, f"expected a JSON object, found {found}")
    text = next((value[key] for key in _TEXT_FIELDS if key in value), None)
    if not isinstance(text, str) or not text.strip():
        problem = "is empty" if isinstance(text, str) else "is missing" if text is None else "is not a string"
        return RecordError(file, line, number, f"the text ('abstract' or 'text') {problem}")
    record_id = value.get("id")
    if record_id is not None and not isinstance(record_id, (str, int)):
        return RecordError(file, line, number, "'id' must be a string or a number")
    title = value.get("title")
    if title is not None and not isinstance(title, str):
        return RecordError(file, line, number, "'title' must be a string")
    return SourceRecord(
        batch=source.name,
        file=file,
        line=line,
        number=number,
        text=text.strip(),
        id=None if record_id is None else str(record_id),
        title=title.strip() or None if title else None,
        meta={key: val for key, val in value.items() if key not in _KNOWN_FIELDS},
    )
