"""A user's glossary: Chinese terms and the English each must become (`--glossary FILE`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError


@dataclass(frozen=True)
class Glossary:
    """Chinese term -> English term, in file order."""

    terms: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def fingerprint(self) -> str:
        """Identifies the glossary's content (part of the translation cache key where it matters)."""
        text = "\n".join(f"{zh}\t{en}" for zh, en in self.terms.items())
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def misses(self, source: str, translation: str) -> list[dict[str, str]]:
        """Terms that occur in the Chinese source but whose English is missing from the translation."""
        lowered = translation.casefold()
        return [{"zh": zh, "en": en} for zh, en in self.terms.items() if zh in source and en.casefold() not in lowered]


def load_glossary(path: Path) -> Glossary:
    """Read a TSV glossary (Chinese term, tab, English term; `#` starts a comment line).

    A line that is not two non-empty tab-separated fields is a configuration error naming the line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ConfigError(f"glossary {path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"glossary {path}: not UTF-8 text") from None
    terms: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [part.strip() for part in line.rstrip("\r").split("\t")]
        if len(fields) != 2 or not all(fields):
            raise ConfigError(
                f"glossary {path}, line {number}: expected 'Chinese term<TAB>English term', found {line.strip()!r}"
            )
        terms[fields[0]] = fields[1]
    return Glossary(terms)
