"""Reference exports (CNKI EndNote/Refer, RefWorks, RIS, BibTeX): read, translated, shown with a citation.

The samples in tests/data/exports/ are built from real records (sources in tests/data/SOURCES.md),
named `.txt` as CNKI names every export: the format is told by content.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import feedparser
import jsonschema
import pytest

from jobs.reading import BatchSource, RecordError, SourceRecord, citation_formats, format_by_content, read_records
from jobs.record import Record
from jobs.render import render_all, render_batch, render_feed
from jobs.schema import record_schema

from .conftest import SAMPLE_EXPORT, read_jsonl, repo_data
from .test_render import HOSTILE, QUIET, Node, all_nodes, markdown_to_html, parse_html, run_pipeline

EXPORTS = repo_data("exports/cnki-endnote.txt").parent
GOLDEN = Path(__file__).parent / "golden" / "seed-cnki-export.jsonl"
VALIDATOR = jsonschema.Draft202012Validator(record_schema())

# The two real CNKI records every sample holds (from the Zotero translator's test cases).
APS_TITLE = "黄芪多糖复合酶提取工艺优化及其α-葡萄糖苷酶抑制活性"
APS_DOI = "10.13386/j.issn1002-0306.2023090315"
APS_KEYWORDS = ["黄芪多糖", "复合酶", "提取工艺", "响应面", "α-葡萄糖苷酶活性"]
HQ_TITLE = "中医理论与现代药理学中的黄芪药理作用研究进展"
HQ_URL = "https://kns.cnki.net/kcms2/article/abstract?v=4j1cDaxzFAkMiAqWOVcpkQSu-qVXhwVyhTfACjn3pLUOszWG3nZTLCFArFj5jtkbXHb5JPSODn-hWuOi9Y4U-tyyQ2jmyseCnWcvIAA9YNZ0R3OrcVWIGLIrJWHAiH4lM-pZr7YS1PAOEvXXmfrUnA==&uniplatform=NZKPT&language=CHS"
#: The APS paper's citation line as the pages begin it.
APS_CITED = "Zhang Huijia (张会佳), Hou Xiangzhu (侯相竹), Zhang Han (张涵) et al. · Shipin Gongye Keji (食品工业科技)"
HQ_JOURNAL = "2013年中国药学大会暨第十三届中国药师周"
SOS_TITLE = "一种基于平方和优化的飞行器大角度机动镇定控制器设计方法"

# file, format, number of records, and per record: title, journal, year, DOI, URL, keywords.
SAMPLES = {
    "cnki-endnote.txt": ("cnki-refer", 5),
    "cnki-refworks.txt": ("refworks", 3),
    "wanfang.ris.txt": ("ris", 3),
    "references.bib.txt": ("bibtex", 3),
    "cnki-noteexpress.txt": ("noteexpress", 3),
    "cnki-self-defined.txt": ("cnki-self-defined", 3),
}
BATCHES = [name.removesuffix(".txt") for name in SAMPLES]


def read(path: Path) -> list[SourceRecord | RecordError]:
    return list(read_records(BatchSource(path.stem, path), path.read_bytes()))


def records_of(path: Path) -> list[SourceRecord]:
    items = read(path)
    assert all(isinstance(item, SourceRecord) for item in items), [i for i in items if isinstance(i, RecordError)]
    return [item for item in items if isinstance(item, SourceRecord)]


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_export_gives_its_records_with_what_it_knows(name: str) -> None:
    export, count = SAMPLES[name]
    path = EXPORTS / name
    assert format_by_content(path.read_text(encoding="utf-8")).name == export
    records = records_of(path)
    assert len(records) == count
    assert all(record.citation is not None and record.citation.format == export for record in records)

    aps = next(record for record in records if record.title == APS_TITLE)
    assert aps.text.startswith("目的：以黄芪为原料，采用复合酶法")
    assert aps.text.endswith("APS对α-葡萄糖苷酶表现出较强的抑制作用。")
    assert "23.59%±0.14%" in re.sub(r"\s", "", aps.text)  # BibTeX's \% decoded, RIS's wrapped lines joined
    assert aps.citation is not None
    assert aps.citation.journal == "食品工业科技"
    assert aps.citation.doi == APS_DOI
    assert aps.citation.authors == ["张会佳", "侯相竹", "张涵", "殷澳", "高阳", "徐多多"]
    assert aps.citation.keywords == {"zh": APS_KEYWORDS, "en": None}
    assert re.fullmatch(r"1[-–]15", aps.citation.pages or "")

    conference = next(record for record in records if record.title == HQ_TITLE)
    assert conference.citation is not None
    assert conference.citation.journal == HQ_JOURNAL
    assert conference.citation.year == "2013"
    assert conference.citation.url == HQ_URL
    assert conference.citation.keywords == {"zh": ["黄芪", "药理作用", "研究进展"], "en": None}
    assert conference.text.startswith("黄芪作为传统中药")
    for record in records:  # no tag, brace or LaTeX left in any text
        assert not re.search(r"(^|\n)(%[A-Z0-9]|[A-Z][A-Z0-9] |[A-Z]{2}  - )|[{}\\]", f"{record.title}\n{record.text}")


def test_cnki_endnote_quirks() -> None:
    records = records_of(EXPORTS / "cnki-endnote.txt")
    assert [record.line for record in records] == [1, 19, 35, 46, 58]  # CRLF line ends count once
    by_title = {record.title: record for record in records}
    news = by_title["灭绝物种RNA首次分离测序"]  # a newspaper article: a title and no abstract
    assert news.text == "" and news.citation is not None
    assert news.citation.year == "2023" and news.citation.doi == "10.28502/n.cnki.nkjrb.2023.005521"
    # Several authors in one tag (`;` and the full-width comma); a tab and a continuation line
    # in the abstract; `%K` glued onto the abstract's last line, its keywords split on `；`.
    glued = next(record for record in records if record.title and record.title.startswith("补肾活血汤"))
    assert glued.citation is not None
    assert glued.citation.authors == ["李明", "王芳", "赵强"]
    assert glued.citation.keywords == {
        "zh": ["补肾活血汤", "单纯收缩期高血压", "肾虚血瘀证", "内皮功能", "老年"],
        "en": None,
    }
    assert "%K" not in glued.text and "\t" not in glued.text
    assert glued.text.endswith("有较好的疗效.")
    assert (glued.citation.volume, glued.citation.issue, glued.citation.pages) == ("53", "04", "301-304")
    # Tags glued to their text (`%T一种...`, `%K修正...`), and keywords split on plain commas.
    sos = by_title[SOS_TITLE]
    assert sos.citation is not None and sos.citation.year == "2015"
    assert sos.citation.keywords == {
        "zh": ["修正Rodrigues参数模型", "平方和优化", "大角度机动", "Lyapunov函数"],
        "en": None,
    }


def test_cnki_endnote_abstract_with_blank_lines_and_no_type_lines() -> None:
    # A real CNKI thesis record (Zotero translator test case, shortened): its abstract holds blank
    # lines, so references are split at `%0`, not at blank lines.
    thesis = (
        "%0 Thesis\r\n%A 潘福妮\r\n%T 中西方高校人文教育的比較研究\r\n%Y 董鋒\r\n%I 大連理工大學\r\n%9 碩士\r\n"
        "%D 2006\r\n%K 中西方高校;人文教育;比較\r\n%X 隨著上個世紀70年代中期西方大學興起人文教育的“復歸”,"
        "人文教育逐漸成為當今世界高等教育改革與發展一個熱點。\r\n\r\n\r\n\r\n    論文第一部分說明了研究的目的。\r\n"
        "%W CNKI\r\n\r\n"
    )
    path = Path("thesis.txt")
    [record] = list(read_records(BatchSource("thesis", path), (thesis * 2).encode("utf-8")))[:1]
    assert isinstance(record, SourceRecord)
    assert record.text.endswith("論文第一部分說明了研究的目的。") and "熱點。" in record.text
    assert len(list(read_records(BatchSource("thesis", path), (thesis * 2).encode("utf-8")))) == 2
    # Without %0 lines, a blank line ends a reference.
    untyped = "%T 第一篇\n%X 第一篇的摘要。\n\n%T 第二篇\n%X 第二篇的摘要。\n"
    titles = [r.title for r in read_records(BatchSource("t", path), untyped.encode()) if isinstance(r, SourceRecord)]
    assert titles == ["第一篇", "第二篇"]


def test_cnki_endnote_english_record_with_a_stray_untagged_line() -> None:
    # A real CNKI export of a US patent (Zotero translator test case): two English authors in one
    # tag, and a stray "PageCount-页码 0" line without a tag before %W, which must stay out of the abstract.
    patent = (
        "%0 Patent\r\n%T Font generating device and method for changing partial character style\r\n"
        "%A Jaeyoung Choi;Geunho Jeong\r\n%+ Seoul KR\r\n%8 2023-05-16\r\n%@ US11651140\r\n"
        "%X Provided is a font generating method including generating an intermediate code by adding attributes "
        "for METAFONT to code of an outline font, generating a font in the METAFONT by parsing the intermediate "
        "code.\r\n%~ 海外专利\r\nPageCount-页码 0\r\n%W CNKI\r\n"
    )
    [record] = list(read_records(BatchSource("patent", Path("patent.txt")), patent.encode("utf-8")))
    assert isinstance(record, SourceRecord) and record.citation is not None
    assert record.citation.authors == ["Jaeyoung Choi", "Geunho Jeong"]
    assert record.citation.year == "2023" and record.citation.type == "Patent"
    assert record.text.startswith("Provided is a font") and record.text.endswith("parsing the intermediate code.")


def test_a_reference_with_neither_title_nor_abstract_is_a_record_error_and_the_rest_is_read() -> None:
    text = (EXPORTS / "cnki-refworks.txt").read_text(encoding="utf-8")
    damaged = text.replace(
        "RT Newspaper Article", "RT Journal Article\nA1 佚名\nJF 科技日报\nYR 2023\nDS CNKI\n\nRT Newspaper Article"
    )
    items = list(read_records(BatchSource("refworks", Path("refworks.txt")), damaged.encode("utf-8")))
    assert [type(item).__name__ for item in items] == ["SourceRecord"] * 2 + ["RecordError", "SourceRecord"]
    error = items[2]
    assert isinstance(error, RecordError)
    assert error.line == 29 and error.number == 3
    assert error.reason == "the reference has neither a title nor an abstract"


def test_a_broken_bibtex_entry_is_a_record_error_naming_its_line() -> None:
    text = (EXPORTS / "references.bib.txt").read_text(encoding="utf-8")
    broken = text.replace(
        "  title = {中医理论与现代药理学中的黄芪药理作用研究进展},",
        "  title = {中医理论与现代药理学中的黄芪药理作用研究进展,",
    )
    items = list(read_records(BatchSource("refs", Path("refs.txt")), broken.encode("utf-8")))
    errors = [item for item in items if isinstance(item, RecordError)]
    assert len(errors) == 1 and errors[0].line == 14
    assert errors[0].reason.startswith("not a readable BibTeX entry")
    assert [item.title for item in items if isinstance(item, SourceRecord)] == [APS_TITLE, SOS_TITLE]


def test_bibtex_entries_sharing_a_key_are_all_read_and_a_doubled_field_is_an_error() -> None:
    text = (EXPORTS / "references.bib.txt").read_text(encoding="utf-8")
    pasted = text.replace("@inproceedings{wang2013huangqi,", "@article{zhang_huangqi,")  # two exports pasted together
    pasted = pasted.replace("  author = {陈刚},", "  author = {陈刚},\n  author = {陈 刚},")
    items = list(read_records(BatchSource("refs", Path("refs.txt")), pasted.encode("utf-8")))
    assert [item.title for item in items if isinstance(item, SourceRecord)] == [APS_TITLE, HQ_TITLE]
    [error] = [item for item in items if isinstance(item, RecordError)]
    assert error.line == 25 and error.number == 3
    assert error.reason == "not a readable BibTeX entry: Duplicate field keys on entry: 'author'"


def test_a_ris_reference_without_its_end_line_is_a_record_error() -> None:
    text = (EXPORTS / "wanfang.ris.txt").read_text(encoding="utf-8")
    cut = text[: text.rindex("ER  - ")]  # the file was cut short in the last reference
    items = list(read_records(BatchSource("ris", Path("ris.txt")), cut.encode("utf-8")))
    assert [type(item).__name__ for item in items] == ["SourceRecord", "SourceRecord", "RecordError"]
    assert isinstance(items[2], RecordError) and items[2].line == 41


@pytest.mark.parametrize(
    "text",
    [
        "RT-PCR检测结果表明该方法灵敏度高。\n\n第二篇摘要。",  # RT without its space is no RefWorks tag
        "%5的患者出现不良反应。",
        "TY-JOUR 不是标签。",
        "@作者 在摘要里提到了别人。",
        SAMPLE_EXPORT.read_text(encoding="utf-8"),
    ],
)
def test_plain_text_is_not_taken_for_an_export(text: str) -> None:
    assert format_by_content(text).is_fallback


def test_self_defined_fields_are_cnkis_keys_only() -> None:
    text = (EXPORTS / "cnki-self-defined.txt").read_text(encoding="utf-8")
    wrapped = text.replace("Summary-摘要: 黄芪作为传统中药,", "Summary-摘要: 黄芪作为传统中药,\nCOVID-19: 不是字段。\n")
    records = [
        r for r in read_records(BatchSource("s", Path("s.txt")), wrapped.encode()) if isinstance(r, SourceRecord)
    ]
    conference = next(record for record in records if record.title == HQ_TITLE)
    assert "COVID-19: 不是字段。" in conference.text and conference.text.endswith("药理作用。")


def test_refworks_continuation_lines_that_look_like_tags_stay_in_the_abstract() -> None:
    text = (EXPORTS / "cnki-refworks.txt").read_text(encoding="utf-8")
    english = (
        "AB Interleukin levels were measured in serum.\nIL 6 rose after treatment.\nABC transporters did not change.\n"
    )
    items = read_records(
        BatchSource("rw", Path("rw.txt")), text.replace("AB 黄芪作为传统中药,", english + "黄芪作为传统中药,").encode()
    )
    conference = next(item for item in items if isinstance(item, SourceRecord) and item.title == HQ_TITLE)
    assert conference.text.startswith("Interleukin levels were measured in serum.\nIL 6 rose after treatment.\nABC")
    assert conference.text.endswith("药理作用。")


def test_bibtex_may_start_with_comment_lines() -> None:
    assert format_by_content("% Encoding: UTF-8\n%\n\n@Article{a,\n title={T}}\n").name == "bibtex"
    assert format_by_content("% 50%的样本\n第二行").is_fallback


def test_a_citation_reads_back_as_written() -> None:
    path = EXPORTS / "cnki-endnote.txt"
    record = records_of(path)[0]
    assert record.citation is not None
    value = {
        **json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0]),
        "citation": record.citation.as_json(),
    }
    assert Record.from_json(value).as_json() == value
    lenient = Record.from_json({**value, "citation": {"authors": "not a list", "year": 2013, "doi": None}})
    assert lenient.citation is not None and lenient.citation.authors == [] and lenient.citation.year == "2013"


# --- through the pipeline: a mixed folder, and the pages -----------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every sample export, the 相似文献 sample and a JSONL batch in one input folder, run and rendered."""
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "input"
    shutil.copytree(EXPORTS, folder)
    shutil.copy(SAMPLE_EXPORT, folder)
    lines = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    (folder / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = root / "output"
    run_pipeline([folder], output)
    assert not render_all(output, warn=QUIET).failed
    return output


def test_a_mixed_folder_gives_every_batch_its_records(mixed: Path) -> None:
    counts = {path.name: len(read_jsonl(path)) for path in mixed.glob("*.jsonl") if path.name != "runs.jsonl"}
    assert counts == {
        "cnki-endnote.jsonl": 5,
        "cnki-refworks.jsonl": 3,
        "wanfang.ris.jsonl": 3,
        "references.bib.jsonl": 3,
        "cnki-noteexpress.jsonl": 3,
        "cnki-self-defined.jsonl": 3,
        "cnki-endnote-2024.jsonl": 4,
        "cnki-refworks-2024.jsonl": 6,
        "cnki2bib-CoverAllTest15Entries.net.jsonl": 15,
        "cnki2bib-CoverAllTest15Entries.bib.jsonl": 15,
        "cnki2bib-withLineBreakInAddress.jsonl": 1,
        "seed-cnki-export.jsonl": 19,
        "csl.jsonl": 2,
    }
    for path in mixed.glob("*.jsonl"):
        if path.name != "runs.jsonl":
            for record in read_jsonl(path):
                VALIDATOR.validate(record)
                assert ("citation" in record) == (path.stem not in ("seed-cnki-export", "csl"))
    assert not list(mixed.glob("*.errors.jsonl"))


def test_export_records_are_translated_with_the_authors_keywords(mixed: Path) -> None:
    for name in BATCHES:
        records = {record["title"]["zh"]: record for record in read_jsonl(mixed / f"{name}.jsonl")}
        aps = records[APS_TITLE]
        assert aps["title"]["en"] and aps["text"]["zh"].startswith("目的：以黄芪为原料")
        assert aps["text"]["en"] and aps["summary"]["en"]
        keywords = aps["citation"]["keywords"]
        assert keywords["zh"] == APS_KEYWORDS
        assert len(keywords["en"]) == len(APS_KEYWORDS) and all(re.search("[A-Za-z]", word) for word in keywords["en"])
        assert aps["citation"]["doi"] == APS_DOI
        assert records[HQ_TITLE]["citation"]["year"] == "2013"


def test_a_title_without_an_abstract_is_kept_translated_and_flagged(mixed: Path) -> None:
    news = next(r for r in read_jsonl(mixed / "cnki-endnote.jsonl") if r["title"]["zh"] == "灭绝物种RNA首次分离测序")
    assert "no_abstract" in news["flags"]
    assert news["title"]["en"] and news["sentences"] == [] and news["text"]["zh"] == ""
    page = parse_html((mixed / "cnki-endnote.digest.html").read_text(encoding="utf-8"))
    article = next(a for a in page.find_all("article") if news["title"]["en"] in a.find("h2").text())
    assert "no abstract in the export, title only" in article.text()


def citation_of(article: Node) -> Node:
    return next(node for node in article.find_all("p") if node.attrs.get("class") == "citation")


@pytest.mark.parametrize("name", BATCHES)
def test_pages_show_a_citation_line_and_a_working_link(mixed: Path, name: str) -> None:
    records = {record["title"]["zh"]: record for record in read_jsonl(mixed / f"{name}.jsonl")}
    page = parse_html((mixed / f"{name}.digest.html").read_text(encoding="utf-8"))
    articles = {article.attrs["id"]: article for article in page.find_all("article")}
    aps = citation_of(articles[records[APS_TITLE]["id"]])
    # Names in pinyin as citations write them, the Chinese beside them.
    assert aps.text().startswith(APS_CITED)
    assert [a.attrs["href"] for a in aps.find_all("a")] == [f"https://doi.org/{APS_DOI}"]
    conference = citation_of(articles[records[HQ_TITLE]["id"]])
    assert conference.text().startswith("Wang Haixia (王海霞), Luo Yaoqun (罗耀群) · ")
    assert f"({HQ_JOURNAL})" in conference.text() and "· 2013" in conference.text()
    assert [a.attrs["href"] for a in conference.find_all("a")] == [HQ_URL]

    markdown = parse_html(markdown_to_html((mixed / f"{name}.digest.md").read_text(encoding="utf-8")))
    hrefs = [a.attrs["href"] for a in markdown.find_all("a") if a.attrs.get("href", "").startswith("http")]
    assert f"https://doi.org/{APS_DOI}" in hrefs and HQ_URL in hrefs
    assert APS_CITED in markdown.text()

    feed = feedparser.parse((mixed / "feed.xml").read_bytes())
    # One entry per paper however many exports have it, at its first (tests/test_page_search.py).
    related = [link.href for entry in feed.entries for link in entry.links if link.rel == "related"]
    assert related.count(f"https://doi.org/{APS_DOI}") == 1 and related.count(HQ_URL) == 1
    assert any("食品工业科技" in entry.content[0].value for entry in feed.entries)


def test_existing_inputs_show_no_citation(mixed: Path) -> None:
    for name in ("seed-cnki-export", "csl"):
        text = (mixed / f"{name}.digest.html").read_text(encoding="utf-8")
        assert 'class="citation"' not in text


# --- untrusted links -----------------------------------------------------------------------

CNKI_SEARCH = "https://kns.cnki.net/kns8s/defaultresult/index?korder=TI&kw="
HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    " JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
]


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RefWorks export whose links and fields try to break the pages, run and rendered."""
    root = tmp_path_factory.mktemp("hostile-export")
    references = []
    for number, link in enumerate(HOSTILE_LINKS, start=1):
        references.append(
            f"RT Journal Article\nA1 作者{number};{HOSTILE}\nT1 标题{number}{HOSTILE}\nJF 期刊{HOSTILE}\nYR 2020\n"
            f"AB 本文研究了第{number}个问题。结果表明方法有效。\nLK {link}\nDO not-a-doi{HOSTILE}\nDS CNKI\n"
        )
    references.append(
        'RT Journal Article\nT1 引号\nAB 摘要一句。\nLK https://example.org/a"onmouseover="alert(1)<b>x</b>(y)\nDS CNKI\n'
    )
    batch = root / "hostile.txt"
    batch.write_text("\n".join(references), encoding="utf-8")
    output = root / "output"
    run_pipeline([batch], output)
    assert not render_all(output, warn=QUIET).failed
    return output


def test_links_that_are_not_http_are_shown_as_text_never_linked(hostile_export: Path) -> None:
    page = parse_html((hostile_export / "hostile.digest.html").read_text(encoding="utf-8"))
    tags = Counter(node.tag for node in all_nodes(page))
    assert tags["script"] == 1 and not tags["img"] and not tags["b"]  # the search form's script only
    articles = list(page.find_all("article"))
    assert len(articles) == len(HOSTILE_LINKS) + 1
    for article, link in zip(articles, HOSTILE_LINKS):
        citation = citation_of(article)
        # No way to the original but a search for its title at CNKI, said to be one.
        [search] = list(citation.find_all("a"))
        assert search.attrs["class"] == "search" and search.attrs["href"].startswith(CNKI_SEARCH)
        assert link.strip() in citation.text() and HOSTILE in citation.text()
    # An http link with quotes and markup in it stays one attribute, percent-encoded.
    [anchor] = list(citation_of(articles[-1]).find_all("a"))
    assert set(anchor.attrs) == {"href", "rel"}
    assert anchor.attrs["href"] == "https://example.org/a%22onmouseover=%22alert%281%29%3Cb%3Ex%3C/b%3E%28y%29"
    for node in all_nodes(page):
        href = node.attrs.get("href", "")
        assert not re.match(r"\s*(javascript|data|vbscript|file):", href, re.IGNORECASE)


def test_hostile_links_in_markdown_and_feed_are_not_links(hostile_export: Path) -> None:
    markdown = parse_html(markdown_to_html((hostile_export / "hostile.digest.md").read_text(encoding="utf-8")))
    tags = Counter(node.tag for node in all_nodes(markdown))
    assert not tags["script"] and not tags["img"]
    hrefs = [node.attrs["href"] for node in all_nodes(markdown) if "href" in node.attrs]
    searches = [href for href in hrefs if href.startswith(CNKI_SEARCH)]  # where the link is no link
    assert len(searches) == len(HOSTILE_LINKS)
    assert [href for href in hrefs if ":" in href and href not in searches] == [
        "https://example.org/a%22onmouseover=%22alert%281%29%3Cb%3Ex%3C/b%3E%28y%29"
    ]
    feed = feedparser.parse((hostile_export / "feed.xml").read_bytes())
    assert not feed.bozo
    related = [link.href for entry in feed.entries for link in entry.links if link.rel == "related"]
    assert related == ["https://example.org/a%22onmouseover=%22alert%281%29%3Cb%3Ex%3C/b%3E%28y%29"]
    assert all("<script" not in entry.content[0].value for entry in feed.entries)


def test_the_schema_names_every_export_format() -> None:
    assert record_schema()["properties"]["citation"]["properties"]["format"]["enum"] == citation_formats()


def test_a_hand_edited_citation_is_checked_again_when_rendered(tmp_path: Path) -> None:
    # Pages are rendered from the JSONL, which anyone may have edited: the link is checked there too.
    record = json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0])
    doi = '10.1234/x"><script>alert(1)</script>'
    record["citation"] = {"format": "ris", "authors": [HOSTILE], "journal": HOSTILE, "year": "2020", "doi": doi}
    other = {**record, "id": "second", "citation": {"format": "ris", "doi": "not a doi", "url": "javascript:alert(1)"}}
    batch = tmp_path / "edited.jsonl"
    batch.write_text("".join(json.dumps(value, ensure_ascii=False) + "\n" for value in (record, other)), "utf-8")
    html_path = next(path for path in render_batch(batch) if path.suffix == ".html")
    page = parse_html(html_path.read_text(encoding="utf-8"))
    assert Counter(node.tag for node in all_nodes(page))["script"] == 1  # the search form's
    first, second = (citation_of(article) for article in page.find_all("article"))
    [anchor] = list(first.find_all("a"))
    assert anchor.attrs["href"] == "https://doi.org/10.1234/x%22%3E%3Cscript%3Ealert%281%29%3C/script%3E"
    assert anchor.text() == f"doi:{doi}" and HOSTILE in first.text()
    assert not list(second.find_all("a")) and "javascript:alert(1)" in second.text()
    feed = feedparser.parse(render_feed(tmp_path).read_bytes())
    related = [link.href for entry in feed.entries for link in entry.links if link.rel == "related"]
    assert related == ["https://doi.org/10.1234/x%22%3E%3Cscript%3Ealert%281%29%3C/script%3E"]
