"""The pages' search, filters and sort attacked with what the authors did not write: words every
record's own labels hold ("method", "Chinese", "translation"), records without a year, thousands of
papers. In a real headless Chromium, with the page's own script, as test_page_search does.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import feedparser
import pytest

from jobs.render import render_all
from jobs.render.papers import Papers

from .conftest import read_jsonl, run_digest
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


def translated_batch(path: Path, keywords: dict[str, list[str]]) -> Path:
    """A batch of Chinese abstracts as a machine translation writes them, each with its keywords in English."""
    lines = []
    for record_id, english in keywords.items():
        record = {
            "id": record_id,
            "source_lang": "zh",
            "title": {"zh": "疏肝理气法治疗抑郁症的临床研究", "en": f"Clinical study {record_id}"},
            "sentences": [
                {"zh": "目的：观察疏肝理气法治疗抑郁症的疗效。", "en": "Objective: To observe the efficacy."}
            ],
            "keywords": {"zh": ["疏肝理气", "抑郁症"], "en": english},
            "engine": {"translation": "argos", "model": "translate-zh_en-1_9", "summarizer": "cue-position"},
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_keyword_holding_a_semicolon_or_quotes_is_found_by_the_keyword_filter(tmp_path: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # A translated keyword is whatever the engine wrote: "soothing the liver; regulating qi" was
    # offered as a filter and found nothing, the page splitting its items' keywords at semicolons.
    keywords = {
        "liver": ["soothing the liver; regulating qi", "depression"],
        "internet": ['"Internet +" & <education>', "depression"],
        "other": ["soothing the liver", "regulating qi"],
    }
    translated_batch(tmp_path / "week-12.jsonl", keywords)
    render_all(tmp_path, warn=lambda message: None)
    driver = browser
    driver.get((tmp_path / "week-12.digest.html").as_uri())
    keyword = Select(driver.find_element(By.NAME, "keyword"))
    for word in ("soothing the liver; regulating qi", '"Internet +" & <education>', "regulating qi", "depression"):
        keyword.select_by_value(word)
        time.sleep(0.2)
        assert shown(driver, "article.record") == [name for name, words in keywords.items() if word in words], word


def endnote(*records: tuple[str, str, str]) -> str:
    """CNKI EndNote records (no DOI, as CNKI's EndNote exports give none) of 中医杂志 2023: title, issue, abstract."""
    return "".join(
        f"%0 Journal Article\n%A 王琦\n%T {title}\n%J 中医杂志\n%D 2023\n%V 64\n%N {issue}\n%P 1\n"
        + (f"%X {abstract}\n" if abstract else "")
        + "%W CNKI\n\n"
        for title, issue, abstract in records
    )


@pytest.mark.slow
def test_a_journals_recurring_title_in_two_issues_is_two_papers(tmp_path: Path) -> None:
    # Every issue of a journal has its 卷首语 (editor's page), with the same title, journal and year
    # and, in CNKI's EndNote exports, no DOI: weekly exports of two issues showed one of them.
    inputs = tmp_path / "input"
    inputs.mkdir()
    study = ("补肾活血汤对老年高血压患者血管内皮功能的影响", "01", "目的：观察补肾活血汤的疗效。方法：随机分组。")
    (inputs / "week-1.txt").write_text(endnote(("卷首语", "01", ""), study), encoding="utf-8")
    (inputs / "week-2.txt").write_text(endnote(("卷首语", "02", ""), ("卷首语", "1", ""), study), encoding="utf-8")
    out = tmp_path / "output"
    result = run_digest("run", str(inputs), "-o", str(out), "--engine", "gloss", "-q", "--no-cache")
    assert result.exit_code == 0, result.output
    stamp = 1_700_000_000
    os.utime(out / "week-1.jsonl", (stamp, stamp))
    render_all(out, warn=lambda message: None)
    first, second = (read_jsonl(out / f"week-{week}.jsonl") for week in (1, 2))
    papers = Papers.of_folder(out)
    # Issue 2's editor's page is a paper of its own; issue 1's (its issue written "1" this time) and
    # the study are the week before's.
    assert papers.elsewhere("week-2", second[0]["id"]) == []
    assert [place.anchor for place in papers.elsewhere("week-2", second[1]["id"])] == [first[0]["id"]]
    assert [place.anchor for place in papers.elsewhere("week-2", second[2]["id"])] == [first[1]["id"]]
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 3 and len({entry.id for entry in feed.entries}) == 3
    assert (out / "index.html").read_text(encoding="utf-8").count('<li class="paper"') == 3


def test_a_base_url_is_encoded_and_never_publishes_a_password(tmp_path: Path) -> None:
    batch = translated_batch(tmp_path / "week-12.jsonl", {"liver": ["depression"]})
    # A folder name with a space: the feed's links had the space in them, which no link holds.
    result = run_digest("render", str(batch), "--base-url", "https://example.org/tcm digest")
    assert result.exit_code == 0, result.output
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo
    assert [link.href for link in feed.feed.links] == [
        "https://example.org/tcm%20digest/feed.xml",
        "https://example.org/tcm%20digest/index.html",
    ]
    assert feed.entries[0].link == "https://example.org/tcm%20digest/week-12.digest.html#liver"
    # A user name and password, or a port no URL has, were written into every link of the feed.
    for url in ("https://editor:s3cret@example.org/digest/", "https://example.org:99999/digest/"):
        result = run_digest("render", str(batch), "--base-url", url)
        assert result.exit_code != 0 and "is not the http(s) URL" in result.output, url
        assert "s3cret" not in (tmp_path / "feed.xml").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_collaborations_thousands_of_authors_and_places_are_cut_short(tmp_path: Path) -> None:
    # A RIS export of a collaboration's paper (the LHC's have about 3,000 authors, each with a place;
    # 300 here):
    # the feed named every author and held every place, megabytes for one entry, and so did the page.
    authors = "".join(f"AU  - Author{number}, A.\nAD  - 高能物理研究所{number}室\n" for number in range(300))
    record = (
        f"TY  - JOUR\n{authors}TI  - 大型强子对撞机上希格斯玻色子的观测\nJO  - 物理学报\nPY  - 2013\n"
        "AB  - 本文报告了希格斯玻色子的观测结果。测量与标准模型一致。\nER  - \n"
    )
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / "atlas.ris").write_text(record, encoding="utf-8")
    out = tmp_path / "output"
    result = run_digest("run", str(inputs), "-o", str(out), "--engine", "gloss", "-q", "--no-cache")
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out / "atlas.jsonl")[0]["citation"]["affiliations"]) == 300  # the record keeps them all
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [author.name for author in feed.entries[0].authors] == ["Author0, A.", "Author1, A.", "Author2, A."]
    assert "Author3, A." not in feed.entries[0].content[0].value
    pages = [(out / name).read_text(encoding="utf-8") for name in ("atlas.digest.html", "atlas.digest.md")]
    for text in (feed.entries[0].content[0].value, *pages):
        assert "高能物理研究所9室" in text and "高能物理研究所10室" not in text and "and 290 more" in text
    assert (out / "feed.xml").stat().st_size < 20_000  # it was 90 KB (8.5 MB for 20 such papers of 3,000)
