"""JSON lines (`.jsonl`, `.ndjson`): one JSON object a line, its text in `abstract` or `text`.

JSON is read strictly (RFC 8259): a line with NaN, a number too large or too long, a key twice in
one object, a lone surrogate or nesting deeper than MAX_DEPTH is refused with the reason, as is
one without a text; the record's other keys are kept in its `meta`. A line that is not UTF-8 in a
file that otherwise is costs its own record only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from ..decoding import UNDECODED_BYTE_RE
from ..markup import clean_abstract, clean_line
from ..source import CONTROL_RE, UNSAFE_NAME_RE, BatchSource, RecordError, Records, SourceRecord
from .base import InputFormat

JSONL_SUFFIXES = (".jsonl", ".ndjson")
_TEXT_FIELDS = ("abstract", "text")
_KNOWN_FIELDS = {"id", "title", *_TEXT_FIELDS}
#: The deepest nesting of arrays and objects a JSONL record may have (the record itself is level 1).
MAX_DEPTH = 100
# Half of a UTF-16 surrogate pair, as a JSON escape such as \ud800 with no second half decodes.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def read_jsonl(source: BatchSource, lines: Iterable[str]) -> Records:
    """The records of JSON lines, one object a line; a line that cannot be used is a RecordError with the reason."""
    # Lines split on "\n" only (every line end is one by now): U+2028/U+2029 may sit inside a
    # JSON string and are not line ends here.
    number = 0
    for line, raw in enumerate(lines, start=1):
        # A BOM starts each file that was concatenated onto another; RS starts RFC 7464 records.
        content = raw.lstrip("\ufeff\x1e")
        if not content or content.isspace():
            continue
        number += 1
        undecoded = UNDECODED_BYTE_RE.search(raw)
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
        text = clean_abstract(CONTROL_RE.sub("", text)).strip()
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
        title=clean_line(CONTROL_RE.sub("", title)).strip() or None if title else None,
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


FORMAT = InputFormat(
    "jsonl",
    "JSON lines",
    f"files named {' or '.join(JSONL_SUFFIXES)}: one object a line, with an abstract or text field",
    read_lines=read_jsonl,
    suffixes=JSONL_SUFFIXES,
)
