"""Finding and decoding batches, and splitting them into records."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from jobs.errors import BatchError, ConfigError
from jobs.manifest import content_hash
from jobs.options import RunOptions
from jobs.pipeline import run
from jobs.reading import (
    BatchSource,
    InputScan,
    RecordError,
    SourceRecord,
    find_batches,
    read_file_records,
    read_records,
    scan_input,
)

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


# --- reading a file as the work goes ------------------------------------------------------

CSL_LINES = (Path(__file__).parent / "data" / "csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()


def awkward_jsonl() -> bytes:
    """Real CSL records with every line end, a BOM, blank lines, a bad line and U+2028 inside a string."""
    lines = [line.encode("utf-8") for line in CSL_LINES[:6]]
    separator = "\u2028".encode()
    lines[2] = lines[2].replace("。".encode(), "。".encode() + separator, 1)
    return (
        codecs.BOM_UTF8
        + lines[0]
        + b"\r\n"
        + lines[1]
        + b"\r"
        + lines[2]
        + b"\n\n   \n"
        + b'{"id": "cut", "abstract": "\xe6\x9c\xac\xe6\x96\x87\n'  # a record cut in two by a line end
        + b'\xe7\xa0\x94\xe7\xa9\xb6"}\n'
        + codecs.BOM_UTF8
        + lines[3]
        + b"\n"
        + lines[4]
        + b"\n"
        + lines[5]
    )


def test_jsonl_read_line_by_line_gives_what_reading_it_whole_gives(tmp_path: Path) -> None:
    path = tmp_path / "awkward.jsonl"
    path.write_bytes(awkward_jsonl())
    source = BatchSource("awkward", path)
    scan = scan_input(path)
    assert scan.plain_utf8 and scan.digest == content_hash(path.read_bytes())
    streamed = list(read_file_records(source, scan))
    assert streamed == list(read_records(source, path.read_bytes()))
    assert [type(item).__name__ for item in streamed].count("RecordError") == 2
    assert [item.line for item in streamed if isinstance(item, SourceRecord)] == [1, 2, 3, 8, 9, 10]


def test_plain_utf8_jsonl_is_never_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "csl.jsonl"
    path.write_text("\n".join(CSL_LINES[:50]) + "\n", encoding="utf-8")
    scan = scan_input(path)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the batch was read whole"))
    records = list(read_file_records(BatchSource("csl", path), scan))
    assert len(records) == 50 and all(isinstance(record, SourceRecord) for record in records)


def test_legacy_encodings_and_text_exports_are_still_read_whole(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes("\n".join(CSL_LINES[:3]).encode("gb18030"))
    export = tmp_path / SAMPLE_EXPORT.name
    export.write_bytes(SAMPLE_EXPORT.read_bytes())
    assert not scan_input(gbk).plain_utf8
    assert len(list(read_file_records(BatchSource("gbk", gbk), scan_input(gbk)))) == 3
    assert len(list(read_file_records(BatchSource("seed", export), scan_input(export)))) == 19


def damaged(line: str, how: str) -> bytes:
    """A CSL line's UTF-8 with bytes that are not UTF-8: a Latin-1 sign, or a character cut in half."""
    data = line.encode("utf-8")
    start = data.index(b'"abstract": "') + len(b'"abstract": "')
    if how == "latin-1":
        return data[:start] + "© ".encode("latin-1") + data[start:]
    return data[: start + 1] + data[start + 3 :]  # the first character's last two bytes alone


def test_a_damaged_line_of_a_utf8_jsonl_file_is_left_out_alone(tmp_path: Path) -> None:
    path = tmp_path / "csl.jsonl"
    lines = [line.encode("utf-8") for line in CSL_LINES[:6]]
    lines[2], lines[4] = damaged(CSL_LINES[2], "latin-1"), damaged(CSL_LINES[4], "cut")
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    records = file_records(path)
    errors = [record for record in records if isinstance(record, RecordError)]
    assert [(error.line, error.number) for error in errors] == [(3, 3), (5, 5)]
    assert "byte " in errors[0].reason and "(0xA9)" in errors[0].reason and "not UTF-8" in errors[0].reason
    whole = records_of_lines(tmp_path, CSL_LINES[:6])
    assert [record for record in records if isinstance(record, SourceRecord)] == [whole[i] for i in (0, 1, 3, 5)]


def test_a_jsonl_file_mostly_not_utf8_is_decoded_whole_or_refused(tmp_path: Path) -> None:
    path = tmp_path / "csl.jsonl"
    path.write_bytes(
        b"\n".join([CSL_LINES[0].encode("utf-8"), damaged(CSL_LINES[1], "cut"), damaged(CSL_LINES[2], "cut")])
    )
    with pytest.raises(
        BatchError, match=r"csl\.jsonl: cannot be read as text: invalid utf-8 bytes at byte \d+, line 2"
    ):
        file_records(path)


def test_a_gb18030_file_whose_short_words_happen_to_be_utf8_is_still_gb18030(tmp_path: Path) -> None:
    # 医院, 专业 and 石墨烯 in GB18030 are valid two-byte UTF-8 (ҽԺ, רҵ, ʯīϩ); 研究 is not.
    path = tmp_path / "gbk.jsonl"
    titles = ["医院", "专业", "石墨烯", "研究"]
    lines = [
        f'{{"id": "g{i}", "title": "{title}", "abstract": "A survey of hospital management."}}'
        for i, title in enumerate(titles)
    ]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    records = file_records(path)
    assert [record.title for record in records if isinstance(record, SourceRecord)] == titles


def test_damaged_lines_are_counted_as_the_reader_splits_lines(tmp_path: Path) -> None:
    # U+2029 may stand raw in a JSON string: it ends no line, so these are 3 good lines and 2 damaged.
    def paragraphs(line: str) -> bytes:
        return damaged(line.replace("，", "，\u2029"), "latin-1").replace(
            "\u2029".encode(), "\u2029".encode() + b"\xb0"
        )

    path = tmp_path / "csl.jsonl"
    lines = [CSL_LINES[0].encode(), paragraphs(CSL_LINES[1]), CSL_LINES[2].encode(), paragraphs(CSL_LINES[3])]
    path.write_bytes(b"\n".join([*lines, CSL_LINES[4].encode()]) + b"\n")
    records = file_records(path)
    assert [isinstance(record, RecordError) for record in records] == [False, True, False, True, False]


def test_the_byte_named_is_counted_from_the_start_of_the_line_as_the_file_has_it(tmp_path: Path) -> None:
    path = tmp_path / "csl.jsonl"
    broken = damaged(CSL_LINES[1], "latin-1")
    path.write_bytes(codecs.BOM_UTF8 + broken + b"\n" + b"\x1e" + broken + b"\n" + "\n".join(CSL_LINES[2:6]).encode())
    errors = [r for r in file_records(path) if isinstance(r, RecordError)]
    offset = broken.index(b"\xa9") + 1
    assert [error.reason.split(" of the line")[0] for error in errors] == [
        f"not UTF-8: byte {offset + 3}",  # after the 3 bytes of the BOM
        f"not UTF-8: byte {offset + 1}",  # after RS
    ]


def records_of_lines(folder: Path, lines: list[str]) -> list[SourceRecord | RecordError]:
    path = folder / "csl.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file_records(path)


def file_records(path: Path) -> list[SourceRecord | RecordError]:
    """The records of an input file as a run reads them (scanned, then read), its stem the batch's name."""
    return list(read_file_records(BatchSource(path.stem, path), scan_input(path)))


def test_a_file_that_turns_undecodable_while_read_fails_as_a_batch(tmp_path: Path) -> None:
    path = tmp_path / "csl.jsonl"
    path.write_text("\n".join(CSL_LINES[:3]) + "\n", encoding="utf-8")
    scan = scan_input(path)
    with path.open("ab") as handle:
        handle.write(b'{"abstract": "\xb1\xbe\xce\xc4"}\n')  # GBK bytes appended after the scan
    with pytest.raises(BatchError, match="csl.jsonl: cannot be read: it changed while it was being read"):
        list(read_file_records(BatchSource("csl", path), scan))


@pytest.mark.parametrize("name", ["csl.jsonl", "csl.txt"])
def test_records_read_are_those_of_the_bytes_scanned(tmp_path: Path, name: str) -> None:
    """A file rewritten in place between the scan and the read (a writer that truncates, then writes)."""
    path = tmp_path / name
    whole = "\n".join(CSL_LINES[:6]) + "\n"
    path.write_text(whole, encoding="utf-8")
    scan = scan_input(path)
    path.write_text("\n".join(CSL_LINES[:2]) + "\n", encoding="utf-8")  # caught half rewritten
    with pytest.raises(BatchError, match=f"{name}: cannot be read: it changed while it was being read"):
        list(read_file_records(BatchSource("csl", path), scan))
    path.write_text(whole, encoding="utf-8")
    assert list(read_file_records(BatchSource("csl", path), scan)) == records_of(path)


def test_a_batch_read_half_rewritten_is_not_marked_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Otherwise the next run sees the scanned bytes again and skips the batch, missing records, forever."""
    inputs = tmp_path / "input"
    inputs.mkdir()
    path = inputs / "csl.jsonl"
    whole = "\n".join(CSL_LINES[:6]) + "\n"
    path.write_text(whole, encoding="utf-8")

    def scan_then_rewrite(scanned: Path) -> InputScan:
        scan = scan_input(scanned)
        scanned.write_text(CSL_LINES[0] + "\n", encoding="utf-8")  # the writer has truncated and begun again
        return scan

    monkeypatch.setattr("jobs.pipeline.scan_input", scan_then_rewrite)
    options = RunOptions(inputs=[inputs], output_dir=tmp_path / "output", engine="gloss", use_cache=False)
    first = run(options, warn=lambda message: None, error=lambda message: None)
    assert first.exit_code == 1 and "changed while it was being read" in first.batches_failed["csl"]
    assert not (tmp_path / "output" / "csl.jsonl").exists()
    monkeypatch.undo()
    path.write_text(whole, encoding="utf-8")  # the writer is done: the file is what was scanned
    second = run(options, warn=lambda message: None)
    assert second.batches_done == ["csl"] and second.records == 6
