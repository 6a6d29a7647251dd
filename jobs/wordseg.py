"""Words: jieba for Chinese (quiet, its prefix dictionary cached in digest's cache folder), a regex for
English; sumy's stop words.

jieba's own cache is never used: it loads whatever file sits at its name (for its default
dictionary, without even a date check) and prints a traceback when it cannot write one. digest
builds jieba's prefix dictionary itself and keeps it as a checked derived cache (`derived_cache`).
"""

from __future__ import annotations

import io
import logging
import math
import pkgutil
import re
import warnings
from collections.abc import Iterable
from functools import cache, lru_cache
from types import ModuleType
from typing import TypeGuard

from . import derived_cache
from .language import HAN
from .settings import trusted_cache_dir

# Words keep inner hyphens, apostrophes and digits: COVID-19, YOLOv5, China's, 3.5.
_ENGLISH_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[-'’.][A-Za-z0-9]+)*")
_WORDLIKE_RE = re.compile(f"{HAN}|[A-Za-z0-9]")


@cache
def jieba_module() -> ModuleType:
    """Import jieba once: silence its log chatter and its pkg_resources deprecation warning."""
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources when present; setuptools >= 81 warns about that.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


#: A prefix dictionary, as jieba keeps one: each word and each start of a word with its
#: frequency (0 for a start that is no word), and the total of the frequencies.
PrefixDictionary = tuple[dict[str, int], int]


def jieba_dictionary() -> bytes:
    """jieba's own dictionary file (one `word frequency tag` line each), as it ships with jieba."""
    with jieba_module().Tokenizer().get_dict_file() as handle:
        return handle.read()


def jieba_version() -> str:
    from importlib import metadata  # here, not above: it imports the email package, slow to import

    try:
        return metadata.version("jieba")
    except metadata.PackageNotFoundError:  # pragma: no cover - a copy of jieba outside any distribution
        return str(getattr(jieba_module(), "__version__", "unknown"))


def prefix_dictionary(lines: bytes) -> PrefixDictionary:
    """jieba's prefix dictionary of a dictionary file's contents."""
    frequencies, total = jieba_module().Tokenizer.gen_pfdict(io.BytesIO(lines))
    return frequencies, total


def is_prefix_dictionary(value: object) -> TypeGuard[PrefixDictionary]:
    """Whether a value loaded from a cache has the shape of a prefix dictionary."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], dict)
        and bool(value[0])
        and isinstance(value[1], int)
    )


def _tags(lines: bytes) -> dict[str, str]:
    """The words of a dictionary file by part of speech: each tag and its words, one a line (jieba's
    words have no line breaks). A word's tag is its last line's, as jieba.posseg reads them."""
    tags: dict[str, str] = {}
    for line in lines.split(b"\n"):
        parts = line.strip().decode("utf-8").split(" ")
        if len(parts) == 3:
            tags[parts[0]] = parts[2]
    by_tag: dict[str, list[str]] = {}
    for word, tag in tags.items():
        by_tag.setdefault(tag, []).append(word)
    return {tag: "\n".join(words) for tag, words in by_tag.items()}


def _is_jieba_data(value: object) -> TypeGuard[tuple[PrefixDictionary, dict[str, str]]]:
    """Whether a value loaded from a cache has the shape `_jieba_data` gives it."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and is_prefix_dictionary(value[0])
        and isinstance(value[1], dict)
        and all(isinstance(tag, str) and isinstance(words, str) for tag, words in value[1].items())
    )


@cache
def _jieba_data() -> tuple[PrefixDictionary, dict[str, str]]:
    """What digest reads from jieba's own dictionary, its prefix dictionary and its words by part of
    speech: from the cache folder, else built (and kept there)."""
    lines = jieba_dictionary()
    source = derived_cache.source_hash(b"jieba prefix dictionary and tags", jieba_version().encode(), lines)
    folder = trusted_cache_dir()
    path = None if folder is None else folder / derived_cache.file_name("jieba", source)
    what = "jieba's prefix dictionary cache"
    if path is not None:
        cached = derived_cache.load(path, source, what)
        if _is_jieba_data(cached):
            return cached
    built = prefix_dictionary(lines), _tags(lines)
    if path is not None:
        derived_cache.store(path, source, built, what)
        derived_cache.remove_stale(path.parent, "jieba", [path])
    return built


def dictionary_tags() -> dict[str, str]:
    """The words of jieba's own dictionary by part of speech: each tag and its words, one a line.

    What jieba.posseg looks words up in (without its HMM), without importing it: it reads the whole
    dictionary as text on every run.
    """
    return _jieba_data()[1]


def new_tokenizer(prefix: PrefixDictionary | None = None):  # -> jieba.Tokenizer
    """A ready jieba Tokenizer on `prefix` (which it then owns), else on its own copy of jieba's dictionary's."""
    if prefix is None:
        frequencies, total = _jieba_data()[0]
        prefix = dict(frequencies), total  # add_word changes it: no tokenizer may share it
    tokenizer = _tokenizer_class()()
    # Ready as jieba's initialize() leaves it, which is never called: it would read or write jieba's own cache.
    tokenizer.FREQ, tokenizer.total = prefix
    tokenizer.initialized = True
    return tokenizer


@cache
def _tokenizer_class() -> type:
    """jieba's Tokenizer, its two steps that cut without the HMM made faster (made once jieba is imported)."""
    jieba = jieba_module()

    class Tokenizer(jieba.Tokenizer):  # type: ignore[misc, name-defined]
        """jieba's Tokenizer, cutting exactly as it does, 20-25% faster without the HMM (all digest uses).

        `get_DAG` looks each fragment up once (`FREQ.get`, where jieba asks `in` and then `[]`) and
        `calc` takes the best word at each position in a loop, not `max` over a generator; the
        scores, and the ties (an equal score goes to the longer word), are jieba 0.42's own.
        """

        def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # jieba's names, which its cut() calls
            self.check_initialized()
            frequencies = self.FREQ
            length = len(sentence)
            dag = {}
            for start in range(length):
                ends = []
                end = start
                fragment = sentence[start]
                while end < length:
                    frequency = frequencies.get(fragment)
                    if frequency is None:
                        break
                    if frequency:
                        ends.append(end)
                    end += 1
                    fragment = sentence[start : end + 1]
                dag[start] = ends or [start]
            return dag

        def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:
            frequencies = self.FREQ
            log_total = math.log(self.total)
            route[len(sentence)] = (0, 0)
            for start in range(len(sentence) - 1, -1, -1):
                best = None
                for end in DAG[start]:
                    score = (
                        math.log(frequencies.get(sentence[start : end + 1]) or 1) - log_total + route[end + 1][0],
                        end,
                    )
                    if best is None or score > best:
                        best = score
                route[start] = best  # type: ignore[assignment]

    return Tokenizer


class Segmenter:
    """Words of Chinese and English sentences, on one jieba tokenizer of its own.

    A run with a glossary gets a segmenter whose tokenizer keeps the glossary's terms whole; no
    tokenizer is ever changed after it is made, so terms of one run cannot leak into another
    (or into a library user's jieba).
    """

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms = frozenset(terms)
        self.tokenizer = new_tokenizer()
        for term in sorted(self.terms):
            self.tokenizer.add_word(term, freq=1_000_000)
        self._cached = lru_cache(maxsize=16384)(self._split)

    def words(self, text: str, lang: str, hmm: bool = True) -> list[str]:
        """The words of a sentence, punctuation and spaces dropped, case kept.

        `hmm=False` keeps to jieba's dictionary words, without its HMM guesses at new words (faster).
        """
        if lang != "zh":
            return _ENGLISH_WORD_RE.findall(text)
        # Latin terms inside Chinese are taken whole (jieba would cut COVID-19 at the hyphen).
        tokens: list[str] = []
        position = 0
        for match in _ENGLISH_WORD_RE.finditer(text):
            tokens += self.tokenizer.lcut(text[position : match.start()], HMM=hmm)
            tokens.append(match.group())
            position = match.end()
        tokens += self.tokenizer.lcut(text[position:], HMM=hmm)
        return [w for w in tokens if _WORDLIKE_RE.search(w)]

    def cached_words(self, text: str, lang: str) -> tuple[str, ...]:
        """Words for summaries and keywords, remembered, so that a record's two stages split each sentence once.

        These are `words(text, lang, hmm=False)`: without jieba's HMM guesses at new words the
        split is about 15% faster and, measured on CSL (benchmarks/summary_quality.py), summaries
        and keywords are as good.
        """
        return self._cached(text, lang)

    def forget(self) -> None:
        """Forget the remembered word splits (for timings that must pay for jieba)."""
        self._cached.cache_clear()

    def _split(self, text: str, lang: str) -> tuple[str, ...]:
        return tuple(self.words(text, lang, hmm=False))


@lru_cache(maxsize=4)
def segmenter(terms: frozenset[str] = frozenset()) -> Segmenter:
    """The segmenter for a set of glossary terms (none: jieba's dictionary alone), made once."""
    return Segmenter(terms)


def words(text: str, lang: str, hmm: bool = True) -> list[str]:
    """The words of a sentence with no glossary (see `Segmenter.words`)."""
    return segmenter().words(text, lang, hmm)


def cached_words(text: str, lang: str) -> tuple[str, ...]:
    """Remembered words of a sentence with no glossary (see `Segmenter.cached_words`)."""
    return segmenter().cached_words(text, lang)


#: sumy's names of the languages (for its stop words, stemmers and summarizers).
SUMY_LANGUAGE = {"zh": "chinese", "en": "english"}


@cache
def stop_words(lang: str) -> frozenset[str]:
    """sumy's stop words of `lang` (zh or en), as its `get_stop_words` reads them.

    Read from sumy's data file directly: `sumy.utils` imports requests and pycountry (0.1 s).
    """
    data = pkgutil.get_data("sumy", f"data/stopwords/{SUMY_LANGUAGE[lang]}.txt")
    if data is None:  # pragma: no cover - sumy installed without its data
        raise LookupError(f"sumy's stop words for {lang} are missing; reinstall sumy")
    return frozenset(word.rstrip() for word in data.decode("utf-8").splitlines() if word)
