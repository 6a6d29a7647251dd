"""Fields of real exports read as the exports write them (issue 22, "Fields that come out wrong").

CNKI's markup (`<正>`, `Abstract(#br)`) out of the abstract and its paragraph breaks kept as
sentence boundaries. The samples are real exports (tests/data/SOURCES.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.chunk import prepare
from jobs.options import RunOptions
from jobs.reading import BatchSource, RecordError, SourceRecord, read_records

from .conftest import repo_data

EXPORTS = repo_data("exports/cnki-endnote.txt").parent


def records(name: str) -> list[SourceRecord]:
    path = EXPORTS / name
    items = list(read_records(BatchSource(path.stem, path), path.read_bytes()))
    assert all(isinstance(item, SourceRecord) for item in items), [i for i in items if isinstance(i, RecordError)]
    return [item for item in items if isinstance(item, SourceRecord)]


def by_title(name: str) -> dict[str | None, SourceRecord]:
    return {record.title: record for record in records(name)}


def read_text(name: str, text: str) -> list[SourceRecord | RecordError]:
    return list(read_records(BatchSource(name, Path(f"{name}.txt")), text.encode("utf-8")))


# --- CNKI's markup, and paragraph breaks as sentence boundaries ---------------------------------


def test_cnki_markup_is_taken_out_of_the_abstract() -> None:
    for name in ("cnki2bib-CoverAllTest15Entries.net", "cnki2bib-CoverAllTest15Entries.bib"):
        found = by_title(name)
        english = found["Does converting abandoned railways to greenways impact neighboring housing prices?"]
        assert english.text.startswith("This research examines the housing market")  # was "Abstract(#br)This ..."
        speech = found["携手前进,共创未来——习近平在巴拿马媒体发表署名文章"]
        assert speech.text.startswith("11月30日,在对巴拿马共和国进行国事访问前夕")  # was "<正>11月30日"
        assert all("#br" not in record.text and "正>" not in record.text for record in found.values())


@pytest.mark.parametrize("mark", ["<正>", "‹正>", "&lt;正&gt;"])
def test_the_text_proper_mark_is_dropped_however_written(mark: str) -> None:
    text = (EXPORTS / "cnki2bib-CoverAllTest15Entries.net").read_text(encoding="utf-8").replace("<正>", mark)
    [speech] = [r for r in read_text("ne", text) if isinstance(r, SourceRecord) and r.title and "巴拿马" in r.title]
    assert speech.text.startswith("11月30日")


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_cnki_markup_is_taken_out_of_text_exports_and_json_lines(suffix: str) -> None:
    abstracts = [text.strip() for text in repo_data("text-export.txt").read_text(encoding="utf-8").split("\n\n")]
    marked = ["<正>" + abstracts[1], abstracts[0].replace(".方法 ", ".(#br)方法 ", 1)]
    if suffix == ".jsonl":
        data = "".join(json.dumps({"abstract": text}, ensure_ascii=False) + "\n" for text in marked)
    else:
        data = "\n\n".join(marked)
    path = Path(f"marked{suffix}")
    found = [r for r in read_records(BatchSource("marked", path), data.encode("utf-8")) if isinstance(r, SourceRecord)]
    assert [record.text for record in found] == [abstracts[1], abstracts[0].replace(".方法 ", ".\n\n方法 ", 1)]


def sentences_of(record: SourceRecord) -> list[str]:
    return prepare(record, "r", RunOptions(keywords=0)).sentences


def test_section_headings_of_a_structured_abstract_start_their_sentences() -> None:
    # The English record of the real NoteExpress sample, as CNKI writes a structured abstract:
    # each section's heading and text apart, `(#br)` between them.
    text = (EXPORTS / "cnki2bib-CoverAllTest15Entries.net").read_text(encoding="utf-8")
    structured = text.replace(
        "Abstract(#br)This research examines the housing market before and after abandoned railways are converted "
        "into greenways.",
        "BACKGROUND(#br)This research examines the housing market before and after abandoned railways are "
        "converted into greenways(#br)METHODS(#br)",
    )
    [english] = [
        r for r in read_text("ne", structured) if isinstance(r, SourceRecord) and r.title and "greenways" in r.title
    ]
    sentences = sentences_of(english)
    assert sentences[0] == (
        "BACKGROUND: This research examines the housing market before and after abandoned railways are converted "
        "into greenways"
    )
    assert sentences[1].startswith("METHODS: Two different hedonic pricing models are employed")
    assert not any("#br" in sentence for sentence in sentences)


def test_a_numbered_heading_on_its_own_line_starts_a_sentence() -> None:
    # The CNKI thesis record of the real EndNote sample, its numbered conclusions on lines of their
    # own as the thesis writes them: "1." ran into the sentence before it ("...如下：1.通过...").
    text = (EXPORTS / "cnki-endnote-2024.txt").read_bytes().decode("utf-8")
    assert "主要研究结论如下： 1.通过体外模拟" in text
    lines = text.replace("主要研究结论如下： 1.通过体外模拟", "主要研究结论如下：\r\n1.通过体外模拟")
    lines = lines.replace("提供参考。 2.探讨了", "提供参考。\r\n2.探讨了")
    [thesis] = [r for r in read_text("en", lines) if isinstance(r, SourceRecord) and r.title and "车前子" in r.title]
    sentences = sentences_of(thesis)
    assert any(
        sentence.endswith("最后进一步通过结肠炎小鼠模型探讨车前子多糖对模型小鼠肠道功能的作用。")
        for sentence in sentences
    )
    assert "主要研究结论如下：" in sentences
    assert any(sentence.startswith("1.通过体外模拟口腔唾液") for sentence in sentences)
    assert any(sentence.startswith("2.探讨了大粒车前子多糖体外酵解") for sentence in sentences)
    # A wrapped line is no paragraph: CNKI's RefWorks breaks the thesis abstract mid-sentence.
    wrapped = by_title("cnki-refworks-2024.txt")["黄瓜共表达基因模块的识别及其特点分析"]
    assert "作物\n,也是" in wrapped.text
    assert (
        sentences_of(wrapped)[0]
        == "黄瓜(Cucumis sativus L.)是我国最大的保护地栽培蔬菜作物 ,也是植物性别发育和维管束运输研究的重要模式植物。"
    )
