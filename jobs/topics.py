"""Topics: named lists of keywords, and which records are a topic's.

A topic (a `[topics.NAME]` section of the config file, `config.TopicConfig`) is a list of keywords in Chinese or
English. A record is the topic's when any keyword occurs in its title, its keywords (extracted and
the authors' own) or its abstract, in either language. Text and keywords are compared in NFKC and
case-folded, so full-width letters and capitals match their plain forms:

- a keyword with Chinese characters matches as a substring (Chinese has no spaces between words);
- any other keyword matches whole words only (`GAN` is not found in `organ`), with an English
  plural allowed after it (`neural network` finds `neural networks`); spaces and hyphens in it
  match any run of spaces or a hyphen.

A glossary term counts in both languages: a keyword that is a glossary term's Chinese also
matches its English, and the reverse.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import TopicConfig, check_topic_name, file_key
from .errors import ConfigError
from .glossary import Glossary
from .language import HAN
from .record import Record

_HAN = re.compile(HAN)
#: Letters and digits that continue a word: a keyword must not have one just before or after it.
_WORD = r"0-9a-z\u00b5\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"


def normalized(text: str) -> str:
    """Text as topics compare it: NFKC, case-folded, every run of whitespace one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_topics(topics: Mapping[str, TopicConfig]) -> None:
    """Refuse (ConfigError) bad names, names that one file system would take for one, and topics without keywords."""
    seen: dict[str, str] = {}
    for name, topic in topics.items():
        check_topic_name(name)
        folded = file_key(name)
        if folded in seen:
            raise ConfigError(f"topics {seen[folded]!r} and {name!r} would share their files; rename one")
        seen[folded] = name
        if not [word for word in topic.keywords if isinstance(word, str) and normalized(word)]:
            raise ConfigError(f"topic {name!r} has no keywords")


@dataclass(frozen=True)
class Topic:
    """A topic ready to match: its name and its keywords as compared, glossary terms in both languages."""

    name: str
    keywords: tuple[str, ...]
    subscribers: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, name: str, config: TopicConfig, glossary: Glossary | None = None) -> Topic:
        """The topic `name` of the config file, with each glossary term's other language added."""
        words = [normalized(word) for word in config.keywords if normalized(word)]
        if glossary:
            by_english: dict[str, list[str]] = {}
            for zh, en in glossary.terms.items():
                by_english.setdefault(normalized(en), []).append(normalized(zh))
            terms = {normalized(zh): normalized(en) for zh, en in glossary.terms.items()}
            for word in list(words):
                words += [terms[word]] if word in terms else by_english.get(word, [])
        return cls(name, tuple(dict.fromkeys(words)), tuple(config.subscribers))

    @property
    def fingerprint(self) -> str:
        """What the topic's files are made from, besides the records: its name and keywords."""
        return hashlib.sha256("\0".join((self.name, *self.keywords)).encode()).hexdigest()[:16]

    def pattern(self) -> re.Pattern[str]:
        """One expression that finds any of the keywords in `normalized` text."""
        parts = []
        for word in sorted(self.keywords, key=len, reverse=True):
            if _HAN.search(word):
                parts.append(re.escape(word))
            else:
                body = r"[\s-]+".join(re.escape(piece) for piece in re.split(r"[\s-]+", word))
                plural = "(?:e?s)?" if word[-1].isalpha() else ""
                parts.append(f"(?<![{_WORD}]){body}{plural}(?![{_WORD}])")
        return re.compile("|".join(parts))


class TopicMatcher:
    """Which of a set of topics each record belongs to (the expressions built once)."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self.topics = tuple(topics)
        self._patterns = [(topic.name, topic.pattern()) for topic in self.topics]

    def __bool__(self) -> bool:
        return bool(self.topics)

    def matches(self, record: Record) -> tuple[str, ...]:
        """The names of the topics `record` belongs to, in the topics' order."""
        if not self._patterns:
            return ()
        text = "\x00".join(normalized(part) for part in record_texts(record))  # no keyword spans two fields
        return tuple(name for name, pattern in self._patterns if pattern.search(text))


def build_topics(configs: Mapping[str, TopicConfig], glossary: Glossary | None = None) -> tuple[Topic, ...]:
    """The topics of the config file, checked, ready to match (sorted by name)."""
    check_topics(configs)
    return tuple(Topic.from_config(name, configs[name], glossary) for name in sorted(configs))


def topics_fingerprint(topics: Iterable[Topic]) -> str:
    """One hash of every topic's name and keywords ("" for none): pages showing topic badges carry it."""
    names = [topic.fingerprint for topic in topics]
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16] if names else ""


def record_texts(record: Record) -> list[str]:
    """What a record is matched on: its title, keywords and abstract, in both languages."""
    texts: list[str] = []
    for sides in (record.title or {}, record.text):
        texts += [text for text in sides.values() if isinstance(text, str)]
    texts += [pair.get(lang) or "" for pair in record.sentences for lang in ("zh", "en") if not record.text.get(lang)]
    for keywords in (record.keywords, record.citation.keywords if record.citation else None):
        for words in (keywords or {}).values():
            texts += list(words or [])
    texts += _words(record.meta.get("keywords"))
    return texts


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [word for word in value if isinstance(word, str)] if isinstance(value, list) else []
