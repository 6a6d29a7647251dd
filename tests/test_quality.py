"""Flags that tell a reader how far to trust a translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jobs.errors import ConfigError
from jobs.glossary import load_glossary
from jobs.quality import is_repetitive


@pytest.mark.parametrize(
    "translation",
    [
        "The the the the nuclear deterrence strategy.",
        "nuclear weapons nuclear weapons nuclear weapons",
        "of the war of the war of the war",
    ],
)
def test_looping_output_is_repetitive(translation: str) -> None:
    assert is_repetitive(translation)


@pytest.mark.parametrize(
    "translation",
    [
        "Non-small cell lung cancer (NSCLC) is a malignant tumour with quite high cancer specific mortality.",
        "The results show that the method is effective....",
        "Nations are scrambling to gain greater influence, greater status and greater rights.",
    ],
)
def test_real_sentences_are_not_repetitive(translation: str) -> None:
    assert not is_repetitive(translation)


def test_glossary_file_and_misses(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text(
        "# Terms our editors use\n延伸威慑\textended deterrence\n\n核保护伞\tnuclear umbrella\n", encoding="utf-8"
    )
    glossary = load_glossary(path)
    assert dict(glossary.terms) == {"延伸威慑": "extended deterrence", "核保护伞": "nuclear umbrella"}
    source = "冷战时期,美国的延伸威慑主要通过核保护伞方式运作。"
    assert (
        glossary.misses(source, "During the Cold War, US Extended Deterrence worked through a nuclear umbrella.") == []
    )
    assert glossary.misses(source, "In the Cold War the US extended its deterrent through the nuclear shield.") == [
        {"zh": "延伸威慑", "en": "extended deterrence"},
        {"zh": "核保护伞", "en": "nuclear umbrella"},
    ]


def test_bad_glossary_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text("延伸威慑\textended deterrence\n核保护伞 nuclear umbrella\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"terms\.tsv, line 2: expected 'Chinese term<TAB>English term'"):
        load_glossary(path)


CACHE_WRITER = """
import sys
from pathlib import Path
from jobs.cache import TranslationCache

cache = TranslationCache(Path(sys.argv[1]), warn=print)
worker = sys.argv[2]
for round in range(100):
    batch = {TranslationCache.key("argos|test 1.0", f"{worker}-{round}-{i}"): f"text {i}" for i in range(50)}
    cache.put_many(batch)
    assert cache.get_many(list(batch)) == batch
cache.close()
"""


def test_translation_cache_is_safe_for_two_processes(tmp_path: Path) -> None:
    from jobs.cache import TranslationCache

    path = tmp_path / "translations.sqlite3"
    writers = [
        subprocess.Popen([sys.executable, "-c", CACHE_WRITER, str(path), name], stderr=subprocess.PIPE, text=True)
        for name in ("first", "second")
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr
    cache = TranslationCache(path, warn=pytest.fail)
    keys = [
        TranslationCache.key("argos|test 1.0", f"{w}-{r}-{i}")
        for w in ("first", "second")
        for r in range(100)
        for i in range(50)
    ]
    assert len(cache.get_many(keys)) == 10_000
    cache.close()
