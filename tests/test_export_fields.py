"""Fields of real exports read as the exports write them (issue 22, "Fields that come out wrong").

Tags in any case and glued to their text (CNKI's RefWorks `vo 49`, `A1林行众`); every tag of every
real sample known to its format's table, and an unknown one kept out of the text; CNKI's markup
(`<正>`, `Abstract(#br)`) out of the abstract and its paragraph breaks kept as sentence boundaries;
a thesis's university and supervisors, a standard's number, BibTeX's affiliations, and no author
named "Null". The samples are real exports (tests/data/SOURCES.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest

from jobs.chunk import prepare
from jobs.options import RunOptions
from jobs.reading import BatchSource, RecordError, SourceRecord, citation_formats, format_by_content, read_records
from jobs.reading.decoding import decode, unix_line_ends
from jobs.reading.exports.keyed import keyed_reader
from jobs.reading.exports.reference import Reference
from jobs.reading.formats import noteexpress, refer, refworks, ris, self_defined
from jobs.record import Citation, Record
from jobs.render import render_all
from jobs.schema import record_schema

from .conftest import read_jsonl, repo_data
from .test_render import QUIET, parse_html, run_pipeline

EXPORTS = repo_data("exports/cnki-endnote.txt").parent
GOLDEN = Path(__file__).parent / "golden" / "seed-cnki-export.jsonl"

#: The reader of references of each format whose fields are tags (BibTeX's are named fields).
TAGGED: dict[str, Callable[[str], Iterator[Reference]]] = {
    "cnki-refer": refer.read_refer,
    "refworks": keyed_reader(refworks.LAYOUT),
    "ris": ris.read_ris,
    "noteexpress": keyed_reader(noteexpress.LAYOUT),
    "cnki-self-defined": keyed_reader(self_defined.LAYOUT),
}


def text_of(path: Path) -> str:
    return unix_line_ends(decode(path.read_bytes(), path)).replace("\ufeff", "")


def records(name: str) -> list[SourceRecord]:
    path = EXPORTS / name
    items = list(read_records(BatchSource(path.stem, path), path.read_bytes()))
    assert all(isinstance(item, SourceRecord) for item in items), [i for i in items if isinstance(i, RecordError)]
    return [item for item in items if isinstance(item, SourceRecord)]


def by_title(name: str) -> dict[str | None, SourceRecord]:
    return {record.title: record for record in records(name)}


def cited(record: SourceRecord) -> Citation:
    assert record.citation is not None
    return record.citation


def read_text(name: str, text: str) -> list[SourceRecord | RecordError]:
    return list(read_records(BatchSource(name, Path(f"{name}.txt")), text.encode("utf-8")))


# --- tags: every tag of every real sample known, an unknown one kept out ----------------------


def test_every_tagged_format_has_a_reader_here() -> None:
    assert set(TAGGED) | {"bibtex"} == set(citation_formats()), "a new reference format: add its reader to TAGGED"


def test_every_tag_of_every_real_sample_is_in_its_formats_table() -> None:
    seen = set()
    for path in sorted(EXPORTS.iterdir()):
        text = text_of(path)
        name = format_by_content(text).name
        if name not in TAGGED:
            continue
        seen.add(name)
        references = list(TAGGED[name](text))
        assert references, path
        unknown = {(reference.line, tag) for reference in references for tag in reference.unknown}
        assert not unknown, f"{path.name}: tags its format's table does not know (line, tag): {sorted(unknown)}"
    assert seen == set(TAGGED), "a tagged format without a real sample in tests/data/exports"


@pytest.mark.parametrize(
    ("name", "after", "line", "unknown"),
    [
        ("cnki-refworks-2024.txt", "IS 12\r\n", "XY 3\r\n", "XY"),
        ("cnki2bib-CoverAllTest15Entries.net", "{Issue}: 01\n", "{Funds}: 国家自然科学基金\n", "Funds"),
        ("cnki-endnote-2024.txt", "%D 2014\r\n", "%x 南昌\r\n", "x"),
        ("cnki-self-defined.txt", "Source-文献来源: 科技日报\n", "Funds-资助: 某项目\n", "Funds"),
        ("wanfang.ris.txt", "PY  - 2013\n", "ZZ  - 某项目\n", "ZZ"),
    ],
)
def test_an_unknown_tag_is_named_and_kept_out_of_the_text_and_the_field_before(
    name: str, after: str, line: str, unknown: str
) -> None:
    text = (EXPORTS / name).read_bytes().decode("utf-8")
    assert after in text
    changed = text.replace(after, after + line, 1)
    before, now = read_text("before", text), read_text("now", changed)
    assert [(item.text, item.citation) for item in now if isinstance(item, SourceRecord)] == [
        (item.text, item.citation) for item in before if isinstance(item, SourceRecord)
    ]
    reader = TAGGED[format_by_content(text_of(EXPORTS / name)).name]
    references = list(reader(unix_line_ends(changed)))
    assert [reference.unknown for reference in references if reference.unknown] == [(unknown,)]


def test_cnkis_refworks_tags_in_lower_case_glued_and_longer_are_read() -> None:
    found = by_title("cnki-refworks-2024.txt")
    # `vo 49` in lower case after `IS 12`: the issue was "12\nvo 49" and the volume lost.
    article = cited(found["多芯片联合分析2型糖尿病发病相关基因及其与阿尔茨海默病的关系"])
    assert (article.volume, article.issue, article.pages) == ("49", "12", "1106-1111+1117")
    # A journal without volumes: CNKI writes the tag alone (`vo `), and the issue was "22\nvo".
    text = (EXPORTS / "cnki-refworks-2024.txt").read_bytes().decode("utf-8").replace("vo 49\r\n", "vo \r\n")
    [empty] = [
        r for r in read_text("rw", text) if isinstance(r, SourceRecord) and r.title and "阿尔茨海默病" in r.title
    ]
    assert (cited(empty).volume, cited(empty).issue) == (None, "12")
    # `A1林行众`, the name glued to its tag: the thesis had no author.
    assert cited(found["黄瓜共表达基因模块的识别及其特点分析"]).authors == ["林行众"]
    assert cited(found["辽西区新石器时代考古学文化纵横"]).authors == ["朱延平"]
    # `URL https://...` (three letters): it was glued onto the keywords before it.
    chronicle = cited(found["大事记 大事记"])
    assert chronicle.keywords == {"zh": ["大事记"], "en": None}
    assert chronicle.url and chronicle.url.startswith("https://kns.cnki.net/kcms2/article/abstract?v=-0THPtffOh15")
    # Tags written with several spaces (`A1  施吉庆;   杨亮华`).
    assert cited(found["不锈钢管的制造方法"]).authors == ["施吉庆", "杨亮华"]


def test_a_lower_case_tag_inside_an_abstract_stays_text() -> None:
    text = (EXPORTS / "cnki-refworks-2024.txt").read_bytes().decode("utf-8")
    wrapped = text.replace(
        "AB 辽西区的范围", "AB Liaoxi is the region\r\nis 3 the count of its cultures.\r\n辽西区的范围"
    )
    [conference] = [
        r
        for r in read_text("rw", wrapped)
        if isinstance(r, SourceRecord) and r.title == "辽西区新石器时代考古学文化纵横"
    ]
    assert conference.text.startswith("Liaoxi is the region\nis 3 the count of its cultures.\n辽西区的范围")
    assert cited(conference).issue is None


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


# --- theses, standards, placeholders, affiliations ---------------------------------------------


THESES = [
    ("cnki-endnote-2024.txt", "中西方高校人文教育的比較研究", "大連理工大學", ["董鋒"]),  # %I, %Y
    (
        "cnki-endnote-2024.txt",
        "大粒车前子多糖体内外消化与酵解特征体系构建及其促进肠道健康的作用",
        "南昌大学",
        ["谢明勇", "聂少平"],
    ),  # %J
    ("cnki-refworks-2024.txt", "黄瓜共表达基因模块的识别及其特点分析", "南京农业大学", ["黄三文", "杨清"]),  # PB, A3
    ("cnki2bib-CoverAllTest15Entries.net", "我国铁路客运站建筑空间室内设计方法研究", "北京交通大学", ["孙伟"]),
    ("cnki2bib-CoverAllTest15Entries.bib", "云环境下铁路“门到门”货运产品设计优化方法研究", "北京交通大学", ["何世伟"]),
]


@pytest.mark.parametrize(("name", "title", "university", "supervisors"), THESES)
def test_a_thesis_keeps_its_university_and_supervisors(
    name: str, title: str, university: str, supervisors: list[str]
) -> None:
    thesis = cited(by_title(name)[title])
    assert (thesis.publisher, thesis.supervisors, thesis.journal, thesis.issue) == (university, supervisors, None, None)


STANDARDS = [
    ("cnki-endnote-2024.txt", "船舶及海洋工程用不锈钢复合钢板", "GB/T 43109-2023"),  # %V
    ("cnki-refworks-2024.txt", "信息与文献 参考文献著录规则", "GB/T 7714-2015"),  # C1, ID
    ("cnki2bib-CoverAllTest15Entries.net", "铁路调车作业标准 铁路调车作业标准基本规定", "GB/T 7178.1-1996"),  # {ISBN}
    ("cnki2bib-CoverAllTest15Entries.net", "铁路桥涵设计基本规范", "TB 10002.1-2005"),
    ("cnki2bib-CoverAllTest15Entries.bib", "铁路调车作业标准 铁路调车作业标准基本规定", "GB/T 7178.1-1996"),  # isbn
]


@pytest.mark.parametrize(("name", "title", "number"), STANDARDS)
def test_a_standard_keeps_its_number(name: str, title: str, number: str) -> None:
    standard = cited(by_title(name)[title])
    assert standard.standard_number == number and standard.volume is None


def test_an_isbn_or_a_patent_number_is_no_standard_number() -> None:
    yearbook = cited(by_title("cnki-endnote-2024.txt")["国家统配煤炭工业煤炭外调量"])
    assert (yearbook.standard_number, yearbook.volume) == (None, "7-203-03520-4")
    patent = cited(by_title("cnki-refworks-2024.txt")["不锈钢管的制造方法"])
    assert patent.standard_number is None
    book = cited(by_title("cnki2bib-CoverAllTest15Entries.net")["Making Tracks"])
    assert book.standard_number is None and book.publisher == "Taylor and Francis"


def test_a_converters_null_is_no_author() -> None:
    speech = cited(by_title("cnki2bib-CoverAllTest15Entries.bib")["携手前进,共创未来——习近平在巴拿马媒体发表署名文章"])
    assert speech.authors == []  # `author = {Null}`
    assert cited(by_title("cnki2bib-CoverAllTest15Entries.bib")["坚持在大局下行动"]).authors == ["本报评论员"]
    # cnki2bib writes `year = {Null}` too, and a NoteExpress file `{Journal}: None`.
    bib = "@Article{QiShuXiaNull,\n\tauthor = {Null and 祁淑霞},\n\ttitle = {标题},\n\tjournal = {None},\n\tyear = {Null},\n}\n"
    [entry] = read_text("nulls", bib)
    assert isinstance(entry, SourceRecord)
    assert (cited(entry).authors, cited(entry).journal, cited(entry).year) == (["祁淑霞"], None, None)


def test_bibtex_affiliations_are_read() -> None:
    found = by_title("cnki2bib-CoverAllTest15Entries.bib")
    assert cited(found["企业党员干部队伍建设问题研究"]).affiliations == ["同煤集团矿山铁路分公司"]  # authoraddress
    assert cited(found["基于灰色关联分析法的铁路物流服务方案评价"]).affiliations == [
        "1.中国铁道科学研究院 研究生部",
        "2.中国铁道科学研究院集团有限公司 运输及经济研究所",
    ]
    web_of_science = (
        "@article{a,\n  Author = {Smith, J},\n  Title = {T},\n  Affiliation = {Univ Oxford, Oxford, England},\n}\n"
    )
    [entry] = read_text("wos", web_of_science)
    assert isinstance(entry, SourceRecord) and cited(entry).affiliations == ["Univ Oxford, Oxford, England"]


def test_the_new_fields_read_back_as_written() -> None:
    thesis = records("cnki-refworks-2024.txt")[1]
    value = {**json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0]), "citation": cited(thesis).as_json()}
    assert value["citation"]["supervisors"] == ["黄三文", "杨清"] and value["citation"]["publisher"] == "南京农业大学"
    assert Record.from_json(value).as_json() == value


# --- through the pipeline: the record and the page ---------------------------------------------


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fields")
    folder = root / "input"
    folder.mkdir()
    for name in ("cnki-refworks-2024.txt", "cnki-endnote-2024.txt"):
        (folder / name).write_bytes((EXPORTS / name).read_bytes())
    run_pipeline([folder], root / "output")
    assert not render_all(root / "output", warn=QUIET).failed
    return root / "output"


def test_records_carry_the_new_fields_as_the_schema_says(output: Path) -> None:
    validator = jsonschema.Draft202012Validator(record_schema())
    written = {record["title"]["zh"]: record for record in read_jsonl(output / "cnki-refworks-2024.jsonl")}
    for record in written.values():
        validator.validate(record)
    assert written["信息与文献参考文献著录规则"]["citation"]["standard_number"] == "GB/T 7714-2015"
    thesis = written["黄瓜共表达基因模块的识别及其特点分析"]["citation"]
    assert (thesis["publisher"], thesis["supervisors"]) == ("南京农业大学", ["黄三文", "杨清"])


def test_the_page_shows_the_volume_the_university_the_supervisors_and_the_standard(output: Path) -> None:
    page = parse_html((output / "cnki-refworks-2024.digest.html").read_text(encoding="utf-8"))
    lines = [node.text() for node in page.find_all("p") if node.attrs.get("class") == "citation"]
    # Names in pinyin, the Chinese beside them; the authors of a standard are bodies.
    assert any("(中国医科大学学报) 49(12): 1106-1111+1117" in line for line in lines)  # was "(12 vo 49)"
    assert any(
        "Lin Xingzhong (林行众) · Nanjing Nongye Daxue (南京农业大学) · "
        "supervised by Huang Sanwen (黄三文), Yang Qing (杨清) · 2015" in line
        for line in lines
    )
    assert any(
        line.startswith("Beijing Daxue Xinxi Guanli Xi (北京大学信息管理系), Zhongguo Kexue Jishu Xinxi Yanjiusuo")
        and "(北京师范大学学报(自然科学版)编辑部) et al. · standard GB/T 7714-2015" in line
        for line in lines
    )
    markdown = (output / "cnki-endnote-2024.digest.md").read_text(encoding="utf-8")
    assert "Pan Funi (潘福妮) · " in markdown and "(大連理工大學) · supervised by Dong Feng (董鋒) · 2006" in markdown


def test_the_operator_is_told_once_a_file_of_each_tag_left_out(tmp_path: Path) -> None:
    """An unknown tag is dropped from the record; the run names it (file, line, tag), once a file, bounded."""
    from jobs.engines import EngineSettings
    from jobs.pipeline import run

    text = (EXPORTS / "cnki2bib-CoverAllTest15Entries.net").read_bytes().decode("utf-8")
    first, *rest = text.split("\n{Reference Type}: ")
    assert "\n{Volume}: 183\n" in first and len(rest) >= 10
    # {Funds} in the first record and again in every later one, a tag with a bidi and a control
    # character, a long one, and then more new tags than any operator wants to read, one a record.
    odd = "{Funds}: 某项目\n{Q\u202e\u0007}: 某\n{" + "L" * 200 + "}: 某\n"
    first = first.replace("\n{Volume}: 183\n", "\n{Volume}: 183\n" + odd, 1)
    rest = [record.replace("\n", f"\n{{Funds}}: 某项目\n{{Z{n:02d}}}: 某项目\n", 1) for n, record in enumerate(rest)]
    (tmp_path / "input").mkdir()
    batch = tmp_path / "input" / "noteexpress.net"
    batch.write_bytes("\n{Reference Type}: ".join([first, *rest]).encode("utf-8"))
    warnings: list[str] = []
    options = RunOptions(
        inputs=[tmp_path / "input"],
        output_dir=tmp_path / "output",
        engine="gloss",
        engine_settings=EngineSettings(models_dir=tmp_path / "lang_models"),
    )
    assert run(options, warn=warnings.append).exit_code == 0
    named = [message for message in warnings if "not one digest reads" in message or "more tags" in message]
    assert named[0].startswith(f"{batch}: line 1: tags 'Funds', 'Q\\u202e\\x07', '{'L' * 40}…' are not one")
    assert "L" * 41 not in "".join(warnings) and "\u202e" not in "".join(warnings)
    assert sum("'Funds'" in message for message in warnings) == 1  # once, though every record has it
    assert sum(f"'Z{n:02d}'" in "".join(named) for n in range(len(rest))) == 10 - 3  # ten tags named in all
    assert named[-1].endswith("more tags digest does not read; left out of their records") and len(named) == 9
    records = read_jsonl(tmp_path / "output" / "noteexpress.jsonl")
    assert len(records) == len(rest) + 1 and not any("某项目" in json.dumps(r, ensure_ascii=False) for r in records)
