"""Bilingual citation exports (jobs/render/citation_exports.py), read back with rispy, bibtexparser and citeproc-py."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

from jobs.engines.base import EngineSettings
from jobs.options import RunOptions
from jobs.pipeline import run
from jobs.record import Record
from jobs.render.batch import iter_records
from jobs.render.citation_exports import (
    bibtex_escape,
    references,
    write_bibtex,
    write_csl_json,
    write_exports,
    write_ris,
)

from .conftest import read_jsonl, repo_data

SPECIAL = "100% & a_b {c} #1 $5 ~x ^y \\z 黄芪多糖"


def quiet(message: str) -> None:
    pass


@pytest.fixture(scope="module")
def endnote(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CNKI's real EndNote export run through the pipeline (gloss engine): its batch JSONL."""
    root = tmp_path_factory.mktemp("citations")
    export = Path(shutil.copy(repo_data("exports/cnki-endnote.txt"), root / "cnki-endnote.txt"))
    options = RunOptions(
        inputs=[export],
        output_dir=root / "output",
        engine="gloss",
        engine_settings=EngineSettings(models_dir=root / "lang_models"),
    )
    assert run(options, warn=quiet).exit_code == 0
    return root / "output" / "cnki-endnote.jsonl"


def exported(jsonl: Path, tmp_path: Path) -> dict[str, Path]:
    paths = write_exports(tmp_path / "cnki", lambda: iter_records(jsonl), "c0ffee")
    return {path.name.split(".", 1)[1]: path for path in paths}


def read_bibtex(text: str) -> list[Any]:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    return list(library.entries)


def test_ris_has_the_english_title_the_original_both_abstracts_and_the_doi(endnote: Path, tmp_path: Path) -> None:
    records = read_jsonl(endnote)
    entries = rispy.loads(exported(endnote, tmp_path)["ris"].read_text(encoding="utf-8"))
    assert len(entries) == len(records) == 5
    first, source = entries[0], records[0]
    assert first["type_of_reference"] == "JOUR"
    assert first["title"] == source["title"]["en"] and first["title"].startswith("Huangqi polysaccharide")
    assert f"Original title: {source['title']['zh']}" in first["notes"]
    assert first["authors"] == ["张会佳", "侯相竹", "张涵", "殷澳", "高阳", "徐多多"]
    assert first["abstract"] == " ".join(source["text"]["en"].split())
    assert any(note.startswith("Chinese abstract (original): 目的：以黄芪为原料") for note in first["notes"])
    assert first["doi"] == "10.13386/j.issn1002-0306.2023090315"
    assert first["urls"] == ["https://doi.org/10.13386/j.issn1002-0306.2023090315"]
    assert first["secondary_title"] == "食品工业科技"
    assert "黄芪多糖" in first["keywords"]
    assert [entry["type_of_reference"] for entry in entries][1] == "CONF"


def test_bibtex_and_csl_json_carry_the_same(endnote: Path, tmp_path: Path) -> None:
    records = read_jsonl(endnote)
    files = exported(endnote, tmp_path)
    bib = read_bibtex(files["bib"].read_text(encoding="utf-8"))
    csl = json.loads(files["csl.json"].read_text(encoding="utf-8"))
    assert len(bib) == len(csl) == len(records)
    source = records[0]
    assert bib[0].entry_type == "article"
    assert bib[0]["title"].strip("{}") == source["title"]["en"]
    assert bib[0]["origtitle"] == source["title"]["zh"]
    assert bibtexparser.parse_string(files["bib"].read_text(encoding="utf-8")).entries[0]["author"] == (
        "{张会佳} and {侯相竹} and {张涵} and {殷澳} and {高阳} and {徐多多}"  # each name whole
    )
    assert bib[0]["doi"] == "10.13386/j.issn1002-0306.2023090315"
    assert "Chinese abstract (original): 目的" in bib[0]["note"]
    assert csl[0]["title"] == source["title"]["en"]
    assert csl[0]["original-title"] == source["title"]["zh"]
    assert csl[0]["author"][0] == {"literal": "张会佳"}
    assert csl[0]["DOI"] == "10.13386/j.issn1002-0306.2023090315"
    assert csl[0]["abstract"] and "Chinese abstract (original)" in csl[0]["note"]
    assert len({entry.key for entry in bib}) == len(bib)


# `custom` is CSL-JSON 1.0.2's variable for data that is no CSL variable (digest's sources key);
# citeproc-py, which predates it, says so and leaves it alone.
@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported. custom")
def test_csl_json_renders_with_a_csl_processor(endnote: Path, tmp_path: Path) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(exported(endnote, tmp_path)["csl.json"].read_text(encoding="utf-8"))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    first = next(line for line in rendered if "张会佳" in line)
    assert items[0]["title"] in first and "食品工业科技" in first


def hostile_record(**changes: Any) -> Record:
    value: dict[str, Any] = {
        "id": "cnki 1/2",
        "source_lang": "zh",
        "title": {"zh": f"标题 {SPECIAL}", "en": f"Title {SPECIAL}"},
        "text": {
            "zh": "第一句。\nER  - \nTY  - JOUR\r\n第二句。",
            "en": "One line.\nER  - \nTY  - JOUR\r\nTwo\u2028three.",
        },
        "sentences": [{"zh": "第一句。", "en": "One line."}],
        "citation": {
            "format": "endnote",
            "authors": ["O'Brien, Ann", "Smith and Sons", "张三"],
            "journal": "J. {Math} & Co_",
            "year": "2023",
            "pages": "12-19",
            "doi": "10.1000/a_b%c#d",
        },
    }
    value.update(changes)
    return Record.from_json(value)


def test_bibtex_escapes_every_special_character_and_reads_back_as_written() -> None:
    assert bibtex_escape(SPECIAL) == (
        r"100\% \& a\_b \{c\} \#1 \$5 \textasciitilde{}x \textasciicircum{}y \textbackslash{}z 黄芪多糖"
    )
    handle = io.StringIO()
    write_bibtex(handle, references([hostile_record()]))
    (entry,) = read_bibtex(handle.getvalue())
    # LaTeX prints \textasciicircum as "^"; pylatexenc (and Zotero's importer) read it back as U+02C6.
    read_back = SPECIAL.replace("^", "\u02c6")
    assert entry["title"] == f"Title {read_back}"
    assert entry["origtitle"] == f"标题 {read_back}"
    assert entry["journal"] == "J. {Math} & Co_"
    assert entry["abstract"] == "One line. ER - TY - JOUR Two three."
    assert entry["pages"] == "12\u201319"  # 12--19
    (raw,) = bibtexparser.parse_string(handle.getvalue()).entries
    assert raw["author"] == "O'Brien, Ann and {Smith and Sons} and {张三}"  # three names, not four
    assert raw["doi"] == "10.1000/a_b%c#d"  # verbatim, as biblatex reads a DOI
    assert raw["url"] == "https://doi.org/10.1000/a_b%25c%23d"


def test_ris_keeps_a_field_with_newlines_on_one_line() -> None:
    handle = io.StringIO()
    write_ris(handle, references([hostile_record(), hostile_record(id="second")]))
    entries = rispy.loads(handle.getvalue())
    assert len(entries) == 2
    assert entries[0]["abstract"] == "One line. ER - TY - JOUR Two three."
    assert "Chinese abstract (original): 第一句。 ER - TY - JOUR 第二句。" in entries[0]["notes"]
    assert entries[0]["title"] == f"Title {SPECIAL}"
    assert all(line[:2].isalnum() and line[2:6] == "  - " for line in handle.getvalue().splitlines() if line)


def test_csl_json_is_one_valid_array_with_hostile_text() -> None:
    handle = io.StringIO()
    write_csl_json(handle, references([hostile_record(), hostile_record()]))
    items = json.loads(handle.getvalue())
    assert [item["id"] for item in items][0] != items[1]["id"]
    assert items[0]["title"] == f"Title {SPECIAL}"
    assert items[0]["author"][0] == {"family": "O'Brien", "given": "Ann"}
    assert items[0]["author"][2] == {"literal": "张三"}
    handle = io.StringIO()
    write_csl_json(handle, [])
    assert json.loads(handle.getvalue()) == []


def test_theses_and_standards_keep_their_university_supervisors_and_number(tmp_path: Path) -> None:
    """CNKI's 2024 EndNote layout (from Zotero's translator tests): two theses, a standard and a regulation."""
    export = Path(shutil.copy(repo_data("exports/cnki-endnote-2024.txt"), tmp_path / "cnki-2024.txt"))
    options = RunOptions(
        inputs=[export],
        output_dir=tmp_path / "output",
        engine="gloss",
        engine_settings=EngineSettings(models_dir=tmp_path / "lang_models"),
    )
    assert run(options, warn=quiet).exit_code == 0
    jsonl = tmp_path / "output" / "cnki-2024.jsonl"
    files = exported(jsonl, tmp_path)
    ris = rispy.loads(files["ris"].read_text(encoding="utf-8"))
    assert [entry["type_of_reference"] for entry in ris] == ["THES", "STAND", "GEN", "THES"]
    assert ris[0]["publisher"] == "南昌大学" and "Supervisors: 谢明勇; 聂少平" in ris[0]["notes"]
    assert ris[3]["publisher"] == "大連理工大學"
    assert ris[1]["issn"] == "GB/T 43109-2023"  # SN: a standard's document number
    bib = read_bibtex(files["bib"].read_text(encoding="utf-8"))
    assert bib[0].entry_type == "phdthesis" and bib[0]["school"] == "南昌大学"
    assert bib[1]["number"] == "GB/T 43109-2023" and "国家市场监督管理总局" in bib[1]["publisher"]
    csl = json.loads(files["csl.json"].read_text(encoding="utf-8"))
    assert [item["type"] for item in csl] == ["thesis", "standard", "article", "thesis"]
    assert csl[0]["publisher"] == "南昌大学" and csl[1]["number"] == "GB/T 43109-2023"


@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported. custom")
def test_real_records_carry_names_in_pinyin_beside_the_originals(endnote: Path, tmp_path: Path) -> None:
    """CNKI's EndNote export through the pipeline: `Record.pinyin` (jobs/pinyin.py) in every format."""
    from citeproc.source.json import CiteProcJSON

    files = exported(endnote, tmp_path)
    (first, *_) = rispy.loads(files["ris"].read_text(encoding="utf-8"))
    assert first["authors"] == ["张会佳", "侯相竹", "张涵", "殷澳", "高阳", "徐多多"]
    assert first["translated_author"] == "Zhang Huijia; Hou Xiangzhu; Zhang Han; Yin Ao; Gao Yang; Xu Duoduo"
    pinyin_notes = [
        "Original title in pinyin: Huangqi duotang fuhe mei tiqu gongyi youhua jiqi α-putao tangganmei yizhi huoxing",
        "Authors in pinyin: Zhang Huijia; Hou Xiangzhu; Zhang Han; Yin Ao; Gao Yang; Xu Duoduo",
        "Journal in pinyin: Shipin Gongye Keji",
    ]
    assert all(note in first["notes"] for note in pinyin_notes)
    bib = read_bibtex(files["bib"].read_text(encoding="utf-8"))
    assert all(note in bib[0]["note"] for note in pinyin_notes)
    csl = json.loads(files["csl.json"].read_text(encoding="utf-8"))
    assert csl[0]["author"][0] == {"literal": "张会佳"} and all(note in csl[0]["note"] for note in pinyin_notes)
    read_back = CiteProcJSON(csl)[csl[0]["id"]]  # as a CSL processor takes it
    assert read_back.author[0] == {"literal": "张会佳"}
    note = read_back.get("note")  # citeproc-py gives a variable it finds formatted in as a list of its parts
    assert all(line in "".join(note) for line in pinyin_notes)
    newspaper = rispy.loads(files["ris"].read_text(encoding="utf-8"))[2]  # 科技日报: the journal is its publisher
    assert "Journal in pinyin: Keji Ribao" in newspaper["notes"]
    assert not any(note.startswith("Publisher in pinyin") for note in newspaper["notes"])


def test_a_thesis_has_its_university_and_supervisors_in_pinyin_too(tmp_path: Path) -> None:
    export = Path(shutil.copy(repo_data("exports/cnki-endnote-2024.txt"), tmp_path / "cnki-2024.txt"))
    options = RunOptions(
        inputs=[export],
        output_dir=tmp_path / "output",
        engine="gloss",
        engine_settings=EngineSettings(models_dir=tmp_path / "lang_models"),
    )
    assert run(options, warn=quiet).exit_code == 0
    files = exported(tmp_path / "output" / "cnki-2024.jsonl", tmp_path)
    thesis = rispy.loads(files["ris"].read_text(encoding="utf-8"))[0]
    assert thesis["translated_author"] == "Hu Jielun"
    assert "Supervisors: 谢明勇; 聂少平" in thesis["notes"]
    assert "Supervisors in pinyin: Xie Mingyong; Nie Shaoping" in thesis["notes"]
    assert "University in pinyin: Nanchang Daxue" in thesis["notes"]
    standard = read_bibtex(files["bib"].read_text(encoding="utf-8"))[1]
    assert (
        "Issuer in pinyin: Guojia Shichang Jiandu Guanli Zongju; Guojia Biaozhunhua Guanli Weiyuanhui"
        in (standard["note"])
    )


def test_names_in_pinyin_stay_one_for_one_with_the_names() -> None:
    """An empty name in the export is left out of both lists, so no pinyin goes beside another's name."""
    record = hostile_record(
        citation={"format": "endnote", "authors": ["O'Brien, Ann", "", "张三"]},
        pinyin={"authors": ["O'Brien, Ann", "", "Zhang San"]},
    )
    handle = io.StringIO()
    write_ris(handle, references([record]))
    (entry,) = rispy.loads(handle.getvalue())
    assert entry["authors"] == ["O'Brien, Ann", "张三"]
    assert entry["translated_author"] == "O'Brien, Ann; Zhang San"
    assert "Authors in pinyin: O'Brien, Ann; Zhang San" in entry["notes"]
    handle = io.StringIO()
    write_csl_json(handle, references([record]))
    assert "Authors in pinyin: O'Brien, Ann; Zhang San" in json.loads(handle.getvalue())[0]["note"]
    plain = hostile_record()
    handle = io.StringIO()
    write_ris(handle, references([plain]))
    assert "translated_author" not in rispy.loads(handle.getvalue())[0]
