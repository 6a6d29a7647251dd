"""Finding and decoding batches, and splitting them into records."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from jobs.errors import BatchError, ConfigError
from jobs.reading import BatchSource, RecordError, SourceRecord, find_batches, read_records

from .conftest import SAMPLE_EXPORT

SAMPLE_TEXT = SAMPLE_EXPORT.read_text(encoding="utf-8")


def records_of(path: Path) -> list[SourceRecord | RecordError]:
    return list(read_records(BatchSource(path.stem, path), path.read_bytes()))


def test_sample_export_has_19_abstracts_with_their_lines() -> None:
    records = records_of(SAMPLE_EXPORT)
    assert len(records) == 19
    assert all(isinstance(r, SourceRecord) for r in records)
    assert [r.number for r in records] == list(range(1, 20))
    assert records[0].line == 1 and records[1].line == 3
    # The marker and the NBSPs around it are gone; the text itself is untouched.
    assert not any("相似文献" in r.text or r.text != r.text.strip() for r in records)
    assert records[-1].text.endswith("successful in the 21st century.")


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("gb18030", b""),
        ("gbk", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_encodings_give_the_same_records(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = SAMPLE_TEXT if encoding != "gbk" else SAMPLE_TEXT.replace("\u00a0", " ")
    path = tmp_path / "export.txt"
    path.write_bytes(bom + text.encode(encoding))
    expected = [r.text for r in records_of(SAMPLE_EXPORT)]
    if encoding == "gbk":
        expected = [t.replace("\u00a0", " ").strip() for t in expected]
    assert [r.text for r in records_of(path)] == expected


def test_binary_file_is_a_batch_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n\x00\x01\x02\xff")
    with pytest.raises(BatchError, match=r"scan\.txt: not a text file \(a NUL byte at byte \d+, line 6\)"):
        records_of(path)


def test_invalid_bytes_are_a_batch_error_naming_the_line(tmp_path: Path) -> None:
    data = SAMPLE_TEXT.encode("utf-8")
    cut = data.index("相似文献".encode()) + 40  # inside the second abstract's first line
    path = tmp_path / "broken.txt"
    path.write_bytes(data[:cut] + b"\xff\xfe\xfd" + data[cut:])
    with pytest.raises(
        BatchError, match=r"broken\.txt: cannot be read as text: invalid utf-8 bytes at byte \d+, line 3"
    ):
        records_of(path)


def test_blank_lines_separate_abstracts_without_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text(
        "以《不扩散核武器条约》为基础的国际防扩散制度已经走过了半个世纪。\n\n\n"
        "自2002年10月美国宣布朝鲜秘密发展核武器计划以来,\n朝美间的核争端再次成为国际社会关注的焦点。\n \n"
        "Power shifts are often associated with conflict.\n",
        encoding="utf-8",
    )
    records = records_of(path)
    assert [r.line for r in records] == [1, 4, 7]
    assert records[1].text.startswith("自2002年10月") and "\n" in records[1].text


def test_jsonl_records_and_their_errors_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text(
        '{"id": "csl-dev-1", "title": "水运工程施工项目全过程管理的有效性探索", "abstract": "水运工程项目作为我国航运和水利的重要组成部分,其重要性不言而喻.", "keywords": ["项目管理"], "discipline": "水利工程"}\n'
        "\n"
        '{"id": "csl-dev-2", "abstract": "针对现阶段水运工程项目建设和运行过程中存在的问题\n'
        '{"id": "csl-dev-3", "title": "无摘要"}\n'
        '["csl-dev-4"]\n'
        '{"id": 5, "text": "Full waveform inversion (FWI) is a data-fitting inverse problem.\u2029It works."}\n',
        encoding="utf-8",
    )
    items = records_of(path)
    assert [type(i).__name__ for i in items] == [
        "SourceRecord",
        "RecordError",
        "RecordError",
        "RecordError",
        "SourceRecord",
    ]
    first, bad_json, no_text, array, last = items
    assert first.id == "csl-dev-1" and first.line == 1 and first.title.startswith("水运工程")
    assert first.meta == {"keywords": ["项目管理"], "discipline": "水利工程"}
    assert (bad_json.line, bad_json.number) == (3, 2) and bad_json.reason.startswith("not valid JSON")
    assert no_text.line == 4 and "('abstract' or 'text') is missing" in no_text.reason
    assert array.line == 5 and array.reason == "expected a JSON object, found an array"
    assert last.id == "5" and last.line == 6 and "\u2029" in last.text


def test_folders_give_their_files_and_clashing_names_keep_suffixes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("甲。", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙。", encoding="utf-8")
    (tmp_path / ".hidden").write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    names = [b.name for b in find_batches([tmp_path])]
    assert names == ["a.jsonl", "a.txt", "b"]
    with pytest.raises(ConfigError, match="does not exist"):
        find_batches([tmp_path / "missing"])
