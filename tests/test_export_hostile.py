"""Real exports as a careless converter or an unlucky line break writes them (issue 22, attacked).

Each case is a real sample of tests/data/exports with one line changed as real text would have it:
an abstract's wrapped line that starts with an abbreviation which is also a tag, a percentage
before a letter in EndNote's abstract, a full-width space after a tag, a standard's number in the
forms CNKI's standards database writes, a converter's `Null` as the whole abstract, CNKI's markup
in a title and in keywords, and a line break inside a ratio or after "Fig.".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.chunk import prepare
from jobs.options import RunOptions
from jobs.reading import BatchSource, SourceRecord, read_records

from .conftest import Alarm
from .test_export_fields import EXPORTS, cited, read_text

REFWORKS = (EXPORTS / "cnki-refworks-2024.txt").read_bytes().decode("utf-8")
DIABETES = "多芯片联合分析2型糖尿病发病相关基因及其与阿尔茨海默病的关系"


def record_titled(name: str, text: str, title: str) -> SourceRecord:
    [record] = [r for r in read_text(name, text) if isinstance(r, SourceRecord) and r.title == title]
    return record


# --- a wrapped abstract line that starts like a tag is the abstract's text ----------------------


@pytest.mark.parametrize(
    "line",
    [
        "AD 患者外周血的差异基因与2型糖尿病的差异基因有交集。",  # AD: Alzheimer's disease, and a tag written before
        "CR 组与 PR 组患者的差异基因相近。",  # CR: complete response
        "ID 号相同的样本只计一次。",
        "C1 抑制剂相关基因也在其中。",
        "URL 见文末的补充材料。",
        "U6 snRNA 作为内参。",
    ],
    ids=["AD", "CR", "ID", "C1", "URL", "U6"],
)
def test_a_wrapped_abstract_line_starting_with_a_tag_stays_in_the_abstract(line: str) -> None:
    # The first reference's abstract wraps: "...差异\r\n基因..." is one line break of the real export.
    wrapped = REFWORKS.replace("\r\n方法基因表达汇编", f"\r\n{line}\r\n方法基因表达汇编", 1)
    assert wrapped != REFWORKS
    record = record_titled("rw", wrapped, DIABETES)
    assert f"\n{line}\n方法基因表达汇编" in record.text
    assert record.text.rstrip().endswith("。")  # nothing after the line was lost
    citation = cited(record)
    assert (citation.volume, citation.issue, citation.affiliations) == (
        "49",
        "12",
        ["福建医科大学省立临床医学院福建省立医院老年科福建省临床老年病研究所"],
    )


# --- a percentage before a letter inside EndNote's abstract is no tag glued there ----------------


@pytest.mark.parametrize(
    "sentence", ["其中92%I 期样品的抑制率最高。", "而8%A 级样品的得率较低。", "含量为5%K 值最低。"], ids=["I", "A", "K"]
)
def test_a_percentage_before_a_tag_letter_stays_in_the_abstract(sentence: str) -> None:
    text = (EXPORTS / "cnki-endnote.txt").read_bytes().decode("utf-8")
    marked = text.replace("23.59%±0.14%；", f"23.59%±0.14%；{sentence}", 1)
    assert marked != text
    [record] = [r for r in read_text("en", marked) if isinstance(r, SourceRecord) and sentence in r.text]
    assert record.text.endswith("APS对α-葡萄糖苷酶表现出较强的抑制作用。")  # the rest of the abstract kept
    citation = cited(record)
    assert citation.authors == ["张会佳", "侯相竹", "张涵", "殷澳", "高阳", "徐多多"]
    assert citation.publisher is None
    assert all(sentence[3:] not in keyword for keyword in (citation.keywords or {}).get("zh") or [])


# --- a full-width or no-break space after a tag ---------------------------------------------------


@pytest.mark.parametrize("space", ["\u3000", "\u00a0"], ids=["full-width", "no-break"])
def test_a_tag_followed_by_a_wide_space_starts_its_field(space: str) -> None:
    # JF after the title and SN after the abstract: both fields of prose, where only a tag line ends them.
    spaced = REFWORKS.replace("\r\nJF 中国医科大学学报", f"\r\nJF{space}中国医科大学学报", 1).replace(
        "\r\nSN 0258-4646", f"\r\nSN{space}0258-4646", 1
    )
    assert spaced.count(space) >= 2
    record = record_titled("rw", spaced, DIABETES)
    assert cited(record).journal == "中国医科大学学报"
    assert "0258-4646" not in record.text


# --- a converter's Null as the whole title or abstract ------------------------------------------

BIBTEX = (EXPORTS / "cnki2bib-CoverAllTest15Entries.bib").read_bytes().decode("utf-8")


@pytest.mark.parametrize("null", ["Null", "NULL", "None", "null"])
def test_a_converters_null_abstract_or_title_is_none(null: str) -> None:
    yearbook = "1 综合　1-5 国民经济和社会发展主要指标"
    speech = "携手前进,共创未来——习近平在巴拿马媒体发表署名文章"
    marked = BIBTEX.replace(f"\ttitle = {{{yearbook}}},", f"\ttitle = {{{yearbook}}},\n\tabstract = {{{null}}},", 1)
    marked = marked.replace(f"\ttitle = {{{speech}}},", f"\ttitle = {{{null}}},", 1)
    assert marked.count(f"{{{null}}}") >= 2
    read = [r for r in read_text("bib", marked) if isinstance(r, SourceRecord)]
    [table] = [r for r in read if r.title == yearbook.replace("　", " ")]
    assert table.text == ""  # a title without an abstract, not an abstract that reads "Null"
    [article] = [r for r in read if r.text.startswith("11月30日")]
    assert article.title is None


# --- a standard's number as CNKI's standards database writes them ---------------------------------

NOTEEXPRESS = (EXPORTS / "cnki2bib-CoverAllTest15Entries.net").read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    "number",
    [
        "T/CECS 10128-2021",  # a group standard (团体标准)
        "Q/GDW 1168-2013",  # an enterprise standard
        "ISO/IEC 27001:2013",
        "GB/T 19001-2016/ISO 9001:2015",  # a national standard that adopts an international one
        "GB 50010-2010(2015年版)",
        "GB 3838-88",  # an older standard's two-digit year
        "DB11/T 1322-2017",
    ],
)
def test_a_standards_number_is_kept_in_every_form_cnki_writes(number: str) -> None:
    marked = NOTEEXPRESS.replace("{ISBN}: GB/T 7178.1-1996", f"{{ISBN}}: {number}", 1)
    assert marked != NOTEEXPRESS
    record = record_titled("ne", marked, "铁路调车作业标准 铁路调车作业标准基本规定")
    assert cited(record).standard_number == number


# --- CNKI's markup in a title, keywords and a JSON lines title ------------------------------------


def test_cnki_markup_is_taken_out_of_titles_and_keywords() -> None:
    marked = NOTEEXPRESS.replace(
        "{Title}: 基于灰色关联分析法的铁路物流服务方案评价",
        "{Title}: <正>基于灰色关联分析法的(#br)铁路物流服务方案评价",
        1,
    ).replace("{Keywords}: 铁路物流;", "{Keywords}: 铁路物流(#br);", 1)
    assert marked.count("(#br)") >= NOTEEXPRESS.count("(#br)") + 2
    [record] = [
        r for r in read_text("ne", marked) if isinstance(r, SourceRecord) and "铁路物流服务方案" in (r.title or "")
    ]
    assert record.title == "基于灰色关联分析法的 铁路物流服务方案评价"
    keywords = cited(record).keywords or {}
    assert "铁路物流" in (keywords.get("zh") or [])
    assert not any("#br" in word or "正>" in word for side in keywords.values() for word in side or [])


def test_cnki_markup_is_taken_out_of_a_json_lines_title() -> None:
    line = '{"title": "<正>黄芪多糖的(#br)提取工艺", "abstract": "目的：优化黄芪多糖的提取工艺。(#br)方法：采用响应面法。"}\n'
    [record] = list(read_records(BatchSource("j", Path("j.jsonl")), line.encode("utf-8")))
    assert isinstance(record, SourceRecord)
    assert record.title == "黄芪多糖的 提取工艺"


# --- a line wrapped inside a ratio or after "Fig." is no paragraph break --------------------------


def sentences_of(record: SourceRecord) -> list[str]:
    return prepare(record, "r", RunOptions(keywords=0)).sentences


@pytest.mark.parametrize("colon", ["：", ":"], ids=["full-width", "ascii"])
def test_a_ratio_wrapped_after_its_colon_stays_one_sentence(colon: str) -> None:
    text = (EXPORTS / "cnki-refworks.txt").read_bytes().decode("utf-8")
    wrapped = text.replace("5.0和1∶35 g/mL", f"5.0和1{colon}\r\n35 g/mL", 1)
    assert wrapped != text
    [record] = [r for r in read_text("rw", wrapped) if isinstance(r, SourceRecord) and f"1{colon}\n35" in r.text]
    sentences = sentences_of(record)
    assert not any(sentence.endswith(f"1{colon}") for sentence in sentences)
    assert any(f"5.0和1{colon} 35 g/mL" in sentence for sentence in sentences)


@pytest.mark.parametrize(
    ("before", "after"),
    [("(Fig.", "1)"), ("(Table", "2)"), ("(Eq.", "(1))"), ("(见图", "1)"), ("(表", "2)")],
    ids=["Fig", "Table", "Eq", "图", "表"],
)
def test_a_figures_number_wrapped_onto_the_next_line_is_no_heading(before: str, after: str) -> None:
    marked = NOTEEXPRESS.replace("into greenways. Two different", f"into greenways {before}\n{after}; two different", 1)
    assert marked != NOTEEXPRESS
    [record] = [r for r in read_text("ne", marked) if isinstance(r, SourceRecord) and f"{before}\n{after}" in r.text]
    sentences = sentences_of(record)
    assert not any(
        sentence.endswith(("greenways (Fig.", "greenways (Table", "greenways (Eq.", "图", "表"))
        for sentence in sentences
    )
    assert any(f"greenways {before} {after}" in sentence for sentence in sentences)


def test_an_abstract_of_many_lines_starting_like_tags_is_read_in_linear_time() -> None:
    # Each such line looks ahead to the next line with text; copying the rest of the reference
    # to do so made 40,000 lines take seconds and 200,000 minutes.
    lines = "CR 组患者的血糖下降，\n对照组无变化。\n" * 100_000
    text = f"RT Journal Article\nT1 长摘要\nAB 摘要开始。\n{lines}SN 1000-0000\n"
    with Alarm(20, "not linear"):
        [record] = read_text("long", text)
    assert isinstance(record, SourceRecord)
    assert record.text.count("\nCR 组患者的血糖下降，\n") == 100_000
