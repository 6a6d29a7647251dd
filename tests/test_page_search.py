"""What issue 22 asked of the pages, on real-format exports: the search, filters and sort run in a
real headless Chromium with the page's own script (typed into, clicked, read as shown); a paper in
two exports is one index and feed entry with "also in" links; a search link where the export has
no link; pinyin names on the page, in the Markdown and in the feed; an absolute feed self link.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest

from jobs.render import render_all

from .conftest import SAMPLE_EXPORT, TEST_DATA, read_jsonl, run_digest

EXPORTS = TEST_DATA / "exports"
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
    refworks = (output / "cnki-refworks.digest.html").read_text(encoding="utf-8")
    assert refworks.count('<p class="also">') == 3  # every record of it is in the other two
    assert 'href="cnki-endnote.digest.html#' in refworks and 'href="cnki-noteexpress.digest.html#' in refworks
    markdown = (output / "cnki-refworks.digest.md").read_text(encoding="utf-8")
    assert markdown.count("**Also in:** [cnki-endnote](cnki-endnote.digest.md#") == 3


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
def browser() -> Iterator[object]:
    if CHROMEDRIVER is None or CHROMIUM is None:
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def visible_titles(driver: object, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        item.find_element(By.CSS_SELECTOR, "h2, h3").text
        for item in driver.find_elements(By.CSS_SELECTOR, selector)
        if item.is_displayed()
    ]  # type: ignore[attr-defined]


def settle() -> None:
    time.sleep(0.2)


@pytest.mark.slow
def test_the_index_search_filters_and_sort_work_in_chromium_from_file(output: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get((output / "index.html").as_uri())  # type: ignore[attr-defined]
    search = driver.find_element(By.NAME, "q")  # type: ignore[attr-defined]
    assert search.is_displayed()  # the script ran: the form shows
    assert len(visible_titles(driver, "li.paper")) == 24
    shown = driver.find_element(By.ID, "finder-shown")  # type: ignore[attr-defined]
    assert shown.text == "Showing all 24."
    search.send_keys("huangqi duotang")  # the title's pinyin, typed
    settle()
    assert len(visible_titles(driver, "li.paper")) == 1 and shown.text == "Showing 1 of 24."
    search.clear()
    search.send_keys("黄芪")  # Chinese
    settle()
    assert len(visible_titles(driver, "li.paper")) == 2  # the APS paper and the conference paper
    search.clear()
    search.send_keys("zhang huijia")  # an author in pinyin
    settle()
    assert len(visible_titles(driver, "li.paper")) == 1
    driver.find_element(By.CSS_SELECTOR, "button[type=reset]").click()  # type: ignore[attr-defined]
    settle()
    assert len(visible_titles(driver, "li.paper")) == 24
    Select(driver.find_element(By.NAME, "year")).select_by_visible_text("2013")  # type: ignore[attr-defined]
    settle()
    assert visible_titles(driver, "li.paper") == [
        next(item.text for item in driver.find_elements(By.CSS_SELECTOR, "li.paper h3") if item.is_displayed())  # type: ignore[attr-defined]
    ]
    Select(driver.find_element(By.NAME, "year")).select_by_index(0)  # type: ignore[attr-defined]
    Select(driver.find_element(By.NAME, "journal")).select_by_visible_text("Keji Ribao (科技日报)")  # type: ignore[attr-defined]
    settle()
    assert len(visible_titles(driver, "li.paper")) == 1
    Select(driver.find_element(By.NAME, "journal")).select_by_index(0)  # type: ignore[attr-defined]
    Select(driver.find_element(By.NAME, "sort")).select_by_visible_text("title, A to Z")  # type: ignore[attr-defined]
    settle()
    assert len(visible_titles(driver, "li.paper")) == 24
    in_order = driver.execute_script(  # type: ignore[attr-defined]
        "var t = Array.from(document.querySelectorAll('li.paper')).map(function (e) { return e.dataset.title; });"
        "return t.every(function (x, i) { return i === 0 || t[i - 1].localeCompare(x, 'en') <= 0; });"
    )
    assert in_order
    assert driver.find_elements(By.CSS_SELECTOR, "li.paper")[0].get_attribute("data-order") != "0"  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_batch_page_flag_filter_and_keyword_filter_work_in_chromium(output: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get((output / "seed-cnki-export.digest.html").as_uri())  # type: ignore[attr-defined]
    assert len(visible_titles(driver, "article.record")) == 19
    Select(driver.find_element(By.NAME, "flag")).select_by_visible_text("dictionary gloss, not a translation")  # type: ignore[attr-defined]
    settle()
    assert len(visible_titles(driver, "article.record")) == 12  # the Chinese abstracts, glossed
    Select(driver.find_element(By.NAME, "flag")).select_by_visible_text("no flags")  # type: ignore[attr-defined]
    settle()
    assert len(visible_titles(driver, "article.record")) == 7
    Select(driver.find_element(By.NAME, "flag")).select_by_index(0)  # type: ignore[attr-defined]
    keyword = Select(driver.find_element(By.NAME, "keyword"))  # type: ignore[attr-defined]
    keyword.select_by_index(1)
    settle()
    chosen = keyword.first_selected_option.get_attribute("value")
    shown = [item for item in driver.find_elements(By.CSS_SELECTOR, "article.record") if item.is_displayed()]  # type: ignore[attr-defined]
    assert shown and all(chosen in item.get_attribute("data-keywords").split(";") for item in shown)
    search = driver.find_element(By.NAME, "q")  # type: ignore[attr-defined]
    search.send_keys("核威慑 no such words at all")
    settle()
    assert visible_titles(driver, "article.record") == []
