"""The terms a reader of the sample batch needs, glossed right wherever they occur.

The sample (`input/seed-cnki-export.txt`, abstracts on nuclear policy and world order) goes through
the pipeline's own reading, splitting and keyword extraction, and its sentences and keywords to the
`gloss` engine in one call, as `digest run` sends a chunk. Each term below is checked in every
sentence and keyword that contains it: the English a reader of international relations expects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.chunk import PreparedAbstract, prepare
from jobs.engines.base import EngineSettings
from jobs.engines.gloss import GlossEngine
from jobs.options import RunOptions
from jobs.reading import BatchSource, SourceRecord, read_records

SAMPLE = Path(__file__).resolve().parents[1] / "input" / "seed-cnki-export.txt"

#: Chinese term -> the English every occurrence must contain (case aside).
TERMS = {
    "冷战": "cold war",
    "核战略": "nuclear strategy",
    "核武器": "nuclear weapon",
    "核威慑": "nuclear deterrence",
    "延伸威慑": "extended deterrence",
    "防扩散": "non-proliferation",
    "核裁军": "nuclear disarmament",
    "导弹防御": "missile defense",
    "中美": "China-US",
    "朝美": "North Korea-US",
    "美俄": "US-Russia",
    "中俄": "China-Russia",
    "美英": "US-UK",
    "朝鲜": "North Korea",
    "苏联": "Soviet Union",
    "安全秩序": "security order",
}


@pytest.fixture(scope="module")
def glossed() -> list[tuple[str, str]]:
    """(Chinese, English) of every sentence and keyword of the sample's Chinese abstracts."""
    records = [
        r for r in read_records(BatchSource("sample", SAMPLE), SAMPLE.read_bytes()) if isinstance(r, SourceRecord)
    ]
    prepared = [prepare(record, f"r{record.number}", RunOptions()) for record in records]
    chinese = [item for item in prepared if isinstance(item, PreparedAbstract) and item.lang == "zh"]
    texts = [text for item in chinese for text in item.sentences + (item.keywords or [])]
    engine = GlossEngine.load("zh", "en", EngineSettings())
    return list(zip(texts, engine.translate_batch(texts), strict=True))


def test_the_sample_has_chinese_abstracts_with_every_term(glossed: list[tuple[str, str]]) -> None:
    assert len(glossed) > 100
    missing = [term for term in TERMS if not any(term in zh for zh, _ in glossed)]
    assert not missing, f"terms the sample no longer contains: {missing}"


@pytest.mark.parametrize("term", list(TERMS))
def test_a_term_reads_right_wherever_it_occurs(glossed: list[tuple[str, str]], term: str) -> None:
    wrong = [(zh, en) for zh, en in glossed if term in zh and TERMS[term].lower() not in en.lower()]
    assert not wrong, f"{term} should read {TERMS[term]!r} in: {wrong}"
