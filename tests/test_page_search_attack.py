"""The pages' search, filters and sort attacked with what the authors did not write: words every
record's own labels hold ("method", "Chinese", "translation"), records without a year, thousands of
papers. In a real headless Chromium, with the page's own script, as test_page_search does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import read_jsonl
from .test_page_search import LISTED, browser, choose, output, shown, type_into

__all__ = ["browser", "output"]  # the fixtures, shared with test_page_search


def own_text(record: dict[str, Any]) -> str:
    """Everything a record's input and its translation say, lower case: what a free-text search is over."""
    parts = [record.get(name) for name in ("title", "sentences", "keywords", "summary", "citation", "pinyin")]
    return json.dumps(parts, ensure_ascii=False).lower()


@pytest.mark.slow
def test_a_search_finds_what_the_records_say_not_the_pages_own_labels(output: Path, browser: Any) -> None:
    # Every record on a page says "Chinese original", "summary: ... cue-position method ...", "Full
    # abstract", "Keywords": a reader searching for "method" or "Chinese" got every record.
    driver = browser
    driver.get((output / "seed-cnki-export.digest.html").as_uri())
    records = read_jsonl(output / "seed-cnki-export.jsonl")
    some = 0
    for word in ("method", "chinese", "original", "summary", "translation", "keywords", "position", "sentences"):
        type_into(driver, word)
        expected = {record["id"] for record in records if word in own_text(record)}
        assert set(shown(driver, "article.record")) == expected, word
        some += 0 < len(expected) < len(records)
    assert some >= 2  # not only words no record has
    driver.get((output / "index.html").as_uri())
    papers = [record for name in LISTED for record in read_jsonl(output / f"{name}.jsonl")]
    # The index shows less of a record (no sentences): what it finds is among what says the words.
    for words in ("also in other place", "chinese original"):
        type_into(driver, words)
        saying = {record["id"] for record in papers if all(word in own_text(record) for word in words.split())}
        assert set(shown(driver, "li.paper")) <= saying, words


@pytest.mark.slow
def test_records_without_a_year_come_last_whichever_way_years_are_sorted(output: Path, browser: Any) -> None:
    driver = browser
    driver.get((output / "index.html").as_uri())
    for order, newest_first in (("year, oldest first", False), ("year, newest first", True)):
        choose(driver, "sort", order)
        years = driver.execute_script(
            "return Array.from(document.querySelectorAll('li.paper')).map(function (e) { return e.dataset.year || ''; });"
        )
        dated = [int(year) for year in years if year]
        assert len(dated) == 4 and len(years) == 24
        assert years[: len(dated)] == [str(year) for year in sorted(dated, reverse=newest_first)], order
    choose(driver, "sort", "as listed")
