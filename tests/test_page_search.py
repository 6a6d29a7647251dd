"""What issue 22 asked of the pages, on real-format exports: the search, filters and sort run in a
real headless Chromium with the page's own script (typed into, clicked, read as shown); a paper in
two exports is one index and feed entry with "also in" links; a search link where the export has
no link; pinyin names on the page, in the Markdown and in the feed; an absolute feed self link.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import feedparser
import jsonschema
import pytest

from jobs.record import Citation
from jobs.render import render_all
from jobs.render.citation import search_link
from jobs.render.papers import Papers
from jobs.schema import record_schema

from .conftest import SAMPLE_EXPORT, TEST_DATA, missing_system_component, read_jsonl, run_digest

EXPORTS = TEST_DATA / "exports"
#: The batches the index shows papers of: the sample, and the EndNote export (the oldest of the
#: three exports of the same papers, where each of them is listed).
LISTED = ("seed-cnki-export", "cnki-endnote")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)


def QUIET(message: str) -> None:
    pass


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three exports of the same three CNKI papers (EndNote, RefWorks, NoteExpress), a week apart,
    and the sample's 19 title-less abstracts, run with the gloss engine."""
    work = tmp_path_factory.mktemp("search")
    inputs = work / "input"
    inputs.mkdir()
    for name in ("cnki-endnote.txt", "cnki-refworks.txt", "cnki-noteexpress.txt"):
        shutil.copy(EXPORTS / name, inputs / name)
    shutil.copy(SAMPLE_EXPORT, inputs)
    out = work / "output"
    result = run_digest("run", str(inputs), "-o", str(out), "--engine", "gloss", "-q", "--no-cache")
    assert result.exit_code == 0, result.output
    for day, name in enumerate(("cnki-endnote", "cnki-refworks", "cnki-noteexpress", "seed-cnki-export")):
        stamp = 1_700_000_000 + day * 7 * 86400
        os.utime(out / f"{name}.jsonl", (stamp, stamp))
    render_all(out, warn=QUIET)
    return out


def test_a_paper_in_three_exports_is_one_index_and_feed_entry_with_also_in_links(output: Path) -> None:
    feed = feedparser.parse((output / "feed.xml").read_bytes())
    titles = [entry.title for entry in feed.entries]
    # 5 EndNote records, 3 of them again in RefWorks and NoteExpress, and 19 from the sample.
    assert len(feed.entries) == 5 + 19 and len(set(entry.id for entry in feed.entries)) == 24
    aps = [entry for entry in feed.entries if "doi:10.13386" in entry.content[0].value]
    assert len(aps) == 1 and aps[0].link.startswith("cnki-endnote.digest.html#")  # at its first, oldest batch
    assert sum(title.startswith("No title in the export") for title in titles) == 19
    index = (output / "index.html").read_text(encoding="utf-8")
    assert index.count('<li class="paper"') == 24
    # The index is the entry point: papers across batches, the newest batch (the sample) first, each
    # batch in its order, a paper of the three exports listed once, at the oldest (EndNote).
    listed = re.findall(r'class="provenance">in <a href="([^"#]+)\.digest\.html#([^"]+)"', index)
    expected = [(name, record["id"]) for name in LISTED for record in read_jsonl(output / f"{name}.jsonl")]
    assert listed == expected
    refworks = (output / "cnki-refworks.digest.html").read_text(encoding="utf-8")
    assert refworks.count('<p class="also">') == 3  # every record of it is in the other two
    assert 'href="cnki-endnote.digest.html#' in refworks and 'href="cnki-noteexpress.digest.html#' in refworks
    markdown = (output / "cnki-refworks.digest.md").read_text(encoding="utf-8")
    assert markdown.count("**Also in:** [cnki-endnote](cnki-endnote.digest.md#") == 3


def test_a_page_offers_the_filters_its_items_can_be_told_apart_by(output: Path) -> None:
    def filters(name: str) -> list[str]:
        return re.findall(r'<select name="(\w+)">', (output / name).read_text(encoding="utf-8"))

    # The sample is a plain text export: no years, no journals, nothing to choose.
    assert filters("seed-cnki-export.digest.html") == ["keyword", "flag", "sort"]
    assert filters("cnki-endnote.digest.html") == ["keyword", "year", "journal", "flag", "sort"]
    assert filters("index.html") == ["keyword", "year", "journal", "flag", "sort"]


def write_batch(path: Path, *records: tuple[str, str, str | None, str | None, str | None]) -> Path:
    """A batch JSONL of records as an export of CNKI gives them: a Chinese title and a citation."""
    lines = []
    for record_id, title, doi, journal, year in records:
        citation = {"format": "cnki-refer", "doi": doi, "journal": journal, "year": year}
        record = {"id": record_id, "source_lang": "zh", "title": {"zh": title, "en": None}, "citation": citation}
        lines.append(json.dumps({**record, "sentences": []}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_paper_is_recognised_by_its_doi_else_by_its_title_journal_and_year(tmp_path: Path) -> None:
    bushen = "补肾活血汤对老年单纯收缩期高血压(肾虚血瘀证)患者血管内皮功能的影响"
    older = write_batch(
        tmp_path / "older.jsonl",
        ("aps", "黄芪多糖复合酶提取工艺优化", "10.13386/j.issn1002-0306.2023090315", "食品工业科技", None),
        ("bushen", bushen, None, "中医杂志", "2012"),
        ("notice-1", "征稿简则", "10.13288/j.11-2166/r.2012.01.001", "中医杂志", "2012"),
        ("no-journal", "研究进展", None, None, None),
    )
    newer = write_batch(
        tmp_path / "newer.jsonl",
        # The DOI as a link, in capitals: the same paper.
        (
            "aps-again",
            "黄芪多糖复合酶提取工艺优化",
            "https://doi.org/10.13386/J.ISSN1002-0306.2023090315",
            "食品工业科技",
            None,
        ),
        # Full-width brackets and a space in the title, with a DOI this time: the same paper.
        (
            "bushen-again",
            bushen.replace("(", "（").replace(")", " ）"),
            "10.13288/j.zyzz.2012.04.010",
            "中医杂志",
            "2012",
        ),
        ("bushen-2013", bushen, None, "中医杂志", "2013"),  # another year: another paper
        # The journal's notice of another issue: its own DOI, so another paper; one without a DOI
        # cannot say which it is.
        ("notice-5", "征稿简则", "10.13288/j.11-2166/r.2012.05.001", "中医杂志", "2012"),
        ("notice", "征稿简则", None, "中医杂志", "2012"),
        ("no-journal-again", "研究进展", None, None, None),  # a title alone is too little to go on
    )
    os.utime(older, (1_700_000_000, 1_700_000_000))
    papers = Papers.of_folder(tmp_path, paths=[older, newer])
    assert [other.anchor for other in papers.elsewhere("older", "aps")] == ["aps-again"]
    assert [other.anchor for other in papers.elsewhere("newer", "bushen-again")] == ["bushen"]
    assert not papers.is_shown("newer", "aps-again") and not papers.is_shown("newer", "bushen-again")
    for alone in ("bushen-2013", "notice-5", "notice", "no-journal-again"):
        assert papers.elsewhere("newer", alone) == [] and papers.is_shown("newer", alone), alone
    assert papers.elsewhere("older", "notice-1") == [] and papers.elsewhere("older", "no-journal") == []


def test_removing_a_batch_updates_the_also_in_links_of_the_others(output: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(output, folder, copy_function=shutil.copy2)
    for path in folder.glob("cnki-endnote*"):
        path.unlink()
    written = render_all(folder, warn=QUIET).written
    assert folder / "cnki-refworks.digest.html" in written  # its links changed, its records did not
    refworks = (folder / "cnki-refworks.digest.html").read_text(encoding="utf-8")
    assert "cnki-endnote" not in refworks and refworks.count('<p class="also">') == 3
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert len(feed.entries) == 3 + 19 and any(entry.link.startswith("cnki-refworks.digest") for entry in feed.entries)
    assert render_all(folder, warn=QUIET).written == []  # nothing new: nothing written


def test_pinyin_names_are_on_the_page_in_the_markdown_and_in_the_feed(output: Path) -> None:
    record = read_jsonl(output / "cnki-endnote.jsonl")[0]
    assert record["pinyin"]["authors"][:2] == ["Zhang Huijia", "Hou Xiangzhu"]
    assert record["pinyin"]["journal"] == "Shipin Gongye Keji"
    page = (output / "cnki-endnote.digest.html").read_text(encoding="utf-8")
    assert '<bdi>Zhang Huijia</bdi> (<bdi lang="zh">张会佳</bdi>)' in page
    assert '<bdi>Shipin Gongye Keji</bdi> (<bdi lang="zh">食品工业科技</bdi>)' in page
    assert "Changchun Zhongyiyao Daxue Renshen Kexue Yanjiuyuan" in page
    markdown = (output / "cnki-endnote.digest.md").read_text(encoding="utf-8")
    assert "Zhang Huijia (张会佳), Hou Xiangzhu (侯相竹)" in markdown
    feed = feedparser.parse((output / "feed.xml").read_bytes())
    aps = next(entry for entry in feed.entries if "doi:10.13386" in entry.content[0].value)
    assert [author.name for author in aps.authors][:2] == ["Zhang Huijia (张会佳)", "Hou Xiangzhu (侯相竹)"]


def test_a_record_without_link_or_doi_gets_a_search_at_its_database(output: Path) -> None:
    # Records 4 and 5 of the EndNote export have neither a DOI nor a URL; the export says %W CNKI.
    title = "一种基于平方和优化的飞行器大角度机动镇定控制器设计方法"
    page = (output / "cnki-endnote.digest.html").read_text(encoding="utf-8")
    search = f"https://kns.cnki.net/kns8s/defaultresult/index?korder=TI&amp;kw={quote(title, safe='')}"
    assert f'<a class="search" href="{search}" rel="noopener noreferrer">search CNKI for this title</a>' in page
    assert page.count('class="search"') == 2  # the other three have a DOI or a link
    markdown = (output / "cnki-endnote.digest.md").read_text(encoding="utf-8")
    assert f"[search CNKI for this title]({search.replace('&amp;', '&')})" in markdown


@pytest.mark.parametrize(
    ("citation", "search"),
    [
        (Citation(format="ris", database="万方数据"), "search Wanfang Data for this title"),  # RIS DP, as written
        (Citation(format="ris", database="维普资讯"), "search CQVIP for this title"),
        (Citation(format="noteexpress", database="CNKI"), "search CNKI for this title"),
        (Citation(format="cnki-self-defined"), "search CNKI for this title"),  # only CNKI writes it
        (Citation(format="ris", url="https://kns.cnki.net/kcms2/article/abstract?v=x"), None),  # a link: no search
        (Citation(format="ris", doi="10.13386/j.issn1002-0306.2023090315"), None),
        # A link that must not be one is no way to the original: search instead.
        (Citation(format="cnki-refer", database="CNKI", url="javascript:alert(1)"), "search CNKI for this title"),
        (Citation(format="ris"), "search Google Scholar for this title"),  # the database unknown
    ],
)
def test_the_search_link_goes_to_the_database_the_record_came_from(citation: Citation, search: str | None) -> None:
    link = search_link(citation, "黄芪 多糖")
    assert (link.text if link else None) == search
    if link is not None:
        assert link.href.startswith("https://") and link.href.endswith("=%E9%BB%84%E8%8A%AA%20%E5%A4%9A%E7%B3%96")


def test_a_journal_shows_its_english_where_the_export_gives_it(tmp_path: Path) -> None:
    # Wanfang's NoteExpress export names each journal in Chinese and in English ({Translated Journal}).
    inputs = tmp_path / "input"
    inputs.mkdir()
    shutil.copy(TEST_DATA / "wanfang-noteexpress.net", inputs)
    out = tmp_path / "output"
    assert run_digest("run", str(inputs), "-o", str(out), "--engine", "gloss", "-q", "--no-cache").exit_code == 0
    records = read_jsonl(out / "wanfang-noteexpress.jsonl")
    for record in records:
        jsonschema.Draft202012Validator(record_schema()).validate(record)
    assert [record["citation"]["journal_en"] for record in records] == [
        "Clinical Laboratory Journal (Electronic Edition)",
        "Nursing Practice and Research",
        "The Journal of Medical Theory and Practice",
    ]
    # In pinyin, its English in square brackets as citations give a translated name, the Chinese beside.
    shown = "Linchuang Jianyan Zazhi (Dianziban) [Clinical Laboratory Journal (Electronic Edition)] (临床检验杂志（电子版）)"
    page = (out / "wanfang-noteexpress.digest.html").read_text(encoding="utf-8")
    assert (
        "<bdi>Linchuang Jianyan Zazhi (Dianziban)</bdi> [<bdi>Clinical Laboratory Journal (Electronic Edition)</bdi>]"
        ' (<bdi lang="zh">临床检验杂志（电子版）</bdi>)' in page
    )
    assert f'<option value="{shown}" dir="auto">' in page  # the journal filter finds it by its English too
    markdown = (out / "wanfang-noteexpress.digest.md").read_text(encoding="utf-8")
    assert shown.replace("[", "\\[").replace("]", "\\]") in markdown
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert sum(shown in entry.content[0].value for entry in feed.entries) == 1


def test_the_feed_self_link_is_absolute_with_a_base_url(output: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(output, folder, copy_function=shutil.copy2)
    render_all(folder, warn=QUIET, base_url="https://example.org/digest/")
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link == "https://example.org/digest/feed.xml"
    assert all(entry.link.startswith("https://example.org/digest/") for entry in feed.entries)
    result = run_digest("render", str(folder / "cnki-endnote.jsonl"), "--base-url", "javascript:alert(1)")
    assert result.exit_code != 0 and "is not the http(s) URL" in result.output


# --- in a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMEDRIVER is None or CHROMIUM is None:
        missing_system_component(
            "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def shown(driver: Any, selector: str) -> list[str]:
    """The anchors of the items the page shows now, in the order it shows them (an article's id, a
    listed paper's link target)."""
    from selenium.webdriver.common.by import By

    anchors = []
    for item in driver.find_elements(By.CSS_SELECTOR, selector):
        if item.is_displayed():
            link = item.get_attribute("id") or item.find_element(By.CSS_SELECTOR, "h3 a").get_attribute("href")
            anchors.append(unquote(link.rpartition("#")[2]))
    return anchors


def type_into(driver: Any, text: str) -> None:
    """Type `text` into the search field, as a reader does (it searches as they type)."""
    from selenium.webdriver.common.by import By

    search = driver.find_element(By.NAME, "q")
    search.clear()
    search.send_keys(text)
    time.sleep(0.2)


def choose(driver: Any, name: str, text: str | None) -> None:
    """Choose an option of the select `name` by the words it shows (None: its first, "any")."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    select = Select(driver.find_element(By.NAME, name))
    select.select_by_index(0) if text is None else select.select_by_visible_text(text)
    time.sleep(0.2)


def ids_where(output: Path, batches: tuple[str, ...], keep: Callable[[dict[str, Any]], bool]) -> set[str]:
    """The ids of the records of `batches` that `keep` keeps: what a page should show."""
    return {record["id"] for name in batches for record in read_jsonl(output / f"{name}.jsonl") if keep(record)}


def citation_of(record: dict[str, Any]) -> dict[str, Any]:
    return record.get("citation") or {}


def sentences_of(record: dict[str, Any]) -> str:
    """The record's sentences, as written and in English."""
    return " ".join(text for sentence in record["sentences"] for text in (sentence["zh"], sentence["en"]) if text)


@pytest.mark.slow
def test_the_index_search_filters_and_sort_work_in_chromium_from_file(output: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get((output / "index.html").as_uri())
    assert driver.find_element(By.NAME, "q").is_displayed()  # the script ran: the form shows
    # Newest batch first (the sample, a week after the exports), each batch in its order.
    everything = shown(driver, "li.paper")
    listed = [[record["id"] for record in read_jsonl(output / f"{name}.jsonl")] for name in LISTED]
    assert everything == listed[0] + listed[1]
    count = driver.find_element(By.ID, "finder-shown")
    assert count.text == "Showing all 24."
    # Nothing was fetched: the page holds all it needs (file://, no network).
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0

    # Free text: pinyin (as typed, without tones), Chinese, an author's name in pinyin, English.
    type_into(driver, "huangqi duotang")
    aps = ids_where(output, LISTED, lambda record: "10.13386" in (citation_of(record).get("doi") or ""))
    assert set(shown(driver, "li.paper")) == aps and len(aps) == 1 and count.text == "Showing 1 of 24."
    type_into(driver, "黄芪")
    with_huangqi = ids_where(output, LISTED, lambda record: "黄芪" in (record.get("title") or {}).get("zh", ""))
    assert set(shown(driver, "li.paper")) == with_huangqi and len(with_huangqi) == 2
    type_into(driver, "zhang huijia")
    assert set(shown(driver, "li.paper")) == aps
    type_into(driver, "SWING States")  # English, any case: a heading the index shows
    swing = ids_where(output, LISTED, lambda record: "swing states" in sentences_of(record))
    assert set(shown(driver, "li.paper")) == swing and len(swing) == 1
    type_into(driver, "")
    driver.find_element(By.CSS_SELECTOR, "button[type=reset]").click()
    time.sleep(0.2)
    assert shown(driver, "li.paper") == everything

    # Filters: a year, a journal (in pinyin, the Chinese beside).
    choose(driver, "year", "2013")
    in_2013 = ids_where(output, LISTED, lambda record: citation_of(record).get("year") == "2013")
    assert set(shown(driver, "li.paper")) == in_2013 and len(in_2013) == 1
    choose(driver, "year", None)
    choose(driver, "journal", "Keji Ribao (科技日报)")
    newspaper = ids_where(output, LISTED, lambda record: citation_of(record).get("journal") == "科技日报")
    assert set(shown(driver, "li.paper")) == newspaper and len(newspaper) == 1
    choose(driver, "journal", None)

    # Sort: by title, then by year; back to the order listed.
    choose(driver, "sort", "title, A to Z")
    titles = driver.execute_script(
        "return Array.from(document.querySelectorAll('li.paper')).map(function (e) { return e.dataset.title; });"
    )
    assert len(titles) == 24 and titles != [None] * 24
    assert all(driver.execute_script("return arguments[0].localeCompare(arguments[1], 'en') <= 0", a, b)
               for a, b in zip(titles, titles[1:]))  # fmt: skip
    assert shown(driver, "li.paper") != everything
    choose(driver, "sort", "year, newest first")
    years = [int(item.get_attribute("data-year") or 0) for item in driver.find_elements(By.CSS_SELECTOR, "li.paper")]
    assert years == sorted(years, reverse=True) and years[0] == 2023
    choose(driver, "sort", "as listed")
    assert shown(driver, "li.paper") == everything


@pytest.mark.slow
def test_the_batch_page_flag_filter_and_keyword_filter_work_in_chromium(output: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get((output / "seed-cnki-export.digest.html").as_uri())
    batch = ("seed-cnki-export",)
    everything = shown(driver, "article.record")
    assert everything == [record["id"] for record in read_jsonl(output / "seed-cnki-export.jsonl")]
    choose(driver, "flag", "dictionary gloss, not a translation")
    glossed = ids_where(output, batch, lambda record: "gloss" in record["flags"])
    assert set(shown(driver, "article.record")) == glossed and len(glossed) == 12  # the Chinese abstracts
    choose(driver, "flag", "no flags")
    unflagged = ids_where(output, batch, lambda record: not record["flags"])
    assert set(shown(driver, "article.record")) == unflagged and len(unflagged) == 7
    choose(driver, "flag", None)

    keyword = Select(driver.find_element(By.NAME, "keyword"))
    chosen = "Deterrence"
    keyword.select_by_value(chosen)
    time.sleep(0.2)
    deterrence = ids_where(output, batch, lambda record: chosen in ((record["keywords"] or {}).get("en") or []))
    assert set(shown(driver, "article.record")) == deterrence and 1 < len(deterrence) < 19
    keyword.select_by_index(0)

    # Free text finds the originals in the fold too, and every word of the query must be found.
    type_into(driver, "AUKUS")
    aukus = ids_where(output, batch, lambda record: "AUKUS" in sentences_of(record))
    assert set(shown(driver, "article.record")) == aukus and len(aukus) == 1
    type_into(driver, "延伸威慑")  # a Chinese word of one abstract's original, folded away
    extended = ids_where(output, batch, lambda record: "延伸威慑" in sentences_of(record))
    assert set(shown(driver, "article.record")) == extended and 1 <= len(extended) < 19
    type_into(driver, "核武器 no such words at all")
    assert shown(driver, "article.record") == []
