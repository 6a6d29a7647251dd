"""Real records damaged the way real data gets damaged: each one fails alone, and output stays strict JSON."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jobs import segment
from jobs.errors import BatchError
from jobs.language import normalise_whitespace
from jobs.reading import MAX_DEPTH, BatchSource, RecordError, SourceRecord, read_records
from jobs.segment import split_sentences
from jobs.writing import dumps

from .conftest import SAMPLE_EXPORT, Alarm, read_jsonl, repo_data, run_digest

CSL_LINES = [line for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n") if line]
# Where a damaged value goes before the line is written: replaced by the raw JSON text of the damage.
HOLE = "⟦damage⟧"


def strict_loads(line: str) -> Any:
    """json.loads as a strict RFC 8259 parser reads: NaN, Infinity and -Infinity are errors."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=refuse)


def strict_lines(path: Path) -> list[Any]:
    """Every line of a JSONL output file, read strictly; lines are split on \\n only."""
    data = path.read_bytes().decode("utf-8")  # strict UTF-8: no lone surrogates either
    return [strict_loads(line) for line in data.split("\n") if line]


def assert_outputs_are_strict_json(output: Path) -> None:
    files = list(output.glob("*.jsonl"))
    assert files
    for path in files:
        strict_lines(path)


def csl_batch(path: Path, damaged: dict[int, str], count: int = 5) -> list[dict[str, Any]]:
    """The first `count` CSL abstracts as a JSONL batch, with lines (0-based) replaced by `damaged`."""
    lines = [damaged.get(index, line) for index, line in enumerate(CSL_LINES[:count])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [json.loads(line) for line in CSL_LINES[:count]]


def damage(index: int, change: Callable[[dict[str, Any]], None], raw: str) -> str:
    """CSL line `index` with `change` applied to its object, then HOLE replaced by the raw JSON `raw`:
    a value that is HOLE alone with its quotes, else HOLE inside a string."""
    record = json.loads(CSL_LINES[index])
    change(record)
    line = json.dumps(record, ensure_ascii=False)
    return line.replace(f'"{HOLE}"', raw) if f'"{HOLE}"' in line else line.replace(HOLE, raw)


def records_of(name: str, data: bytes) -> list[SourceRecord | RecordError]:
    return list(read_records(BatchSource(Path(name).stem, Path(name)), data))


def good_records(name: str, data: bytes) -> list[SourceRecord]:
    items = records_of(name, data)
    assert all(isinstance(item, SourceRecord) for item in items), items
    return [item for item in items if isinstance(item, SourceRecord)]


def assert_only_record_3_failed(abstracts: list[dict[str, Any]], reason: str) -> dict[str, Any]:
    """The run wrote every record but the third, whose error names its file, line and number."""
    records = read_jsonl(Path("output/csl.jsonl"))
    assert [r["id"] for r in records] == [a["id"] for i, a in enumerate(abstracts) if i != 2]
    [error] = strict_lines(Path("output/csl.errors.jsonl"))
    assert error["file"].endswith("csl.jsonl") and (error["line"], error["record"]) == (3, 3)
    assert reason in error["reason"], error["reason"]
    assert_outputs_are_strict_json(Path("output"))
    return error


# 1. Lone surrogates and deep nesting ------------------------------------------------------------


def _set_title(record: dict[str, Any]) -> None:
    record["title"] = record["title"][:9] + HOLE  # a title cut in the middle of 𠀀 (U+20000)


def _set_abstract(record: dict[str, Any]) -> None:
    record["abstract"] = HOLE + record["abstract"]


def _set_id(record: dict[str, Any]) -> None:
    record["id"] += HOLE


def _set_keyword(record: dict[str, Any]) -> None:
    record["keywords"][1] += HOLE


def _set_nested_key(record: dict[str, Any]) -> None:
    record["funding"] = {f"国家自然科学基金{HOLE}": "61773001"}


@pytest.mark.parametrize(
    ("change", "escape", "place"),
    [
        (_set_title, "\\ud840", "'title'"),
        (_set_abstract, "\\udc00", "'abstract'"),
        (_set_id, "\\ud840", "'id'"),
        (_set_keyword, "\\uDBFF", "'keywords[1]'"),
        (_set_nested_key, "\\ud840", "a key in 'funding'"),
    ],
)
def test_a_lone_surrogate_anywhere_fails_only_its_record(
    workdir: Path, change: Callable[[dict[str, Any]], None], escape: str, place: str
) -> None:
    abstracts = csl_batch(workdir / "input" / "csl.jsonl", {2: damage(2, change, escape)})
    result = run_digest("run")
    assert result.exit_code == 1
    error = assert_only_record_3_failed(abstracts, f"not valid Unicode: {place} contains a lone surrogate")
    assert "cannot be written as UTF-8" in error["reason"]
    assert "csl.jsonl, line 3 (record 3): not valid Unicode" in result.stderr
    assert "internal error" not in result.stderr


def test_a_line_with_bytes_that_are_not_utf8_fails_alone(workdir: Path) -> None:
    path = workdir / "input" / "csl.jsonl"
    abstracts = csl_batch(path, {})
    lines = path.read_bytes().split(b"\n")
    treatment = "治疗".encode()
    lines[2] = lines[2].replace(treatment, treatment[:4], 1)  # a character cut short, as a truncated copy leaves it
    path.write_bytes(b"\n".join(lines))
    result = run_digest("run")
    assert result.exit_code == 1
    error = assert_only_record_3_failed(abstracts, "not UTF-8: byte ")
    assert "this line alone is left out" in error["reason"]
    assert "csl.jsonl, line 3 (record 3): not UTF-8" in result.stderr


def test_an_id_given_twice_is_kept_with_a_warning_naming_both_lines(workdir: Path) -> None:
    def number_7(record: dict[str, Any]) -> None:
        record["id"] = 7

    def text_7(record: dict[str, Any]) -> None:
        record["id"] = "7"

    csl_batch(workdir / "input" / "csl.jsonl", {0: damage(0, number_7, ""), 3: damage(3, text_7, "")})
    result = run_digest("run")
    assert result.exit_code == 0
    assert [record["id"] for record in read_jsonl(Path("output/csl.jsonl"))][::3] == ["7", "7"]
    assert "csl.jsonl, line 4 (record 4): its id '7' is the id of line 1 (record 1) too" in result.stderr


def test_a_surrogate_pair_written_as_escapes_is_one_character() -> None:
    line = damage(2, _set_title, "\\ud840\\udc00")
    [record] = records_of("csl.jsonl", line.encode("utf-8"))
    assert isinstance(record, SourceRecord) and record.title and record.title.endswith("\U00020000")


def test_a_record_nested_100000_levels_deep_fails_alone(workdir: Path) -> None:
    deep = "[" * 100_000 + '"项目管理"' + "]" * 100_000

    def nest_keywords(record: dict[str, Any]) -> None:
        record["keywords"] = HOLE

    abstracts = csl_batch(workdir / "input" / "csl.jsonl", {2: damage(2, nest_keywords, deep)})
    result = run_digest("run")
    assert result.exit_code == 1
    error = assert_only_record_3_failed(abstracts, "nested")
    assert error["reason"] == f"nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(("levels", "usable"), [(MAX_DEPTH - 1, True), (MAX_DEPTH, False), (5_000, False)])
def test_nesting_is_limited_where_python_could_still_read_it(levels: int, usable: bool) -> None:
    # The record is level 1, so keywords nested `levels` deep reach level levels + 1.
    record = json.loads(CSL_LINES[0])
    line = json.dumps(record, ensure_ascii=False).replace(
        json.dumps(record["keywords"], ensure_ascii=False), "[" * levels + '"项目管理"' + "]" * levels
    )
    [item] = records_of("csl.jsonl", line.encode("utf-8"))
    if usable:
        assert isinstance(item, SourceRecord)
        assert strict_loads(dumps(item.meta))["keywords"]  # and it can be written back
    else:
        assert isinstance(item, RecordError) and item.reason == f"nested more than {MAX_DEPTH} levels deep"


# 2. Strict JSON in and out ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("NaN", "not valid JSON: NaN is not allowed"),
        ("Infinity", "not valid JSON: Infinity is not allowed"),
        ("-Infinity", "not valid JSON: -Infinity is not allowed"),
        ("1e400", "not valid JSON: the number 1e400 is too large"),  # Python reads it as infinity
    ],
)
def test_nan_and_infinity_are_record_errors_and_output_is_strict_json(workdir: Path, raw: str, reason: str) -> None:
    def add_score(record: dict[str, Any]) -> None:
        record["impact_factor"] = HOLE

    abstracts = csl_batch(workdir / "input" / "csl.jsonl", {2: damage(2, add_score, raw)})
    result = run_digest("run")
    assert result.exit_code == 1
    error = assert_only_record_3_failed(abstracts, reason)
    assert error["reason"] == reason
    strict_lines(Path("output/runs.jsonl"))


def test_dumps_writes_only_strict_json() -> None:
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValueError, match="not JSON compliant"):
            dumps({"impact_factor": value})
    assert dumps({"title": "水运工程", "score": 1.5}) == '{"title": "水运工程", "score": 1.5}'


# 3. Sentence splitting in linear time ----------------------------------------------------------


def two_megabytes_of(abstracts: list[str]) -> str:
    """The abstracts one after the other, again and again, up to 2 MB of UTF-8."""
    text: list[str] = []
    size = 0
    for abstract in itertools.cycle(abstracts):
        if size >= 2 * 1024 * 1024:
            break
        text.append(abstract)
        size += len(abstract.encode("utf-8"))
    return normalise_whitespace("".join(text))


def test_a_two_megabyte_chinese_abstract_is_split_in_linear_time() -> None:
    # CSL abstracts one after the other, with their ASCII full stops: the old splitter searched
    # all the text before each of them (about 5 minutes for 2 MB); linear, it takes well under 1 s.
    abstracts = [json.loads(line)["abstract"] for line in CSL_LINES]
    text = two_megabytes_of(abstracts)
    with Alarm(20, "not linear"):
        sentences = split_sentences(text, "zh")
    assert len(sentences) > 10_000
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")


def test_a_two_megabyte_english_abstract_is_split_in_linear_time() -> None:
    # The sample's English abstracts glued together (`century.Power shifts`), as exports glue them.
    text = SAMPLE_EXPORT.read_text(encoding="utf-8")
    english = [
        a.strip() for a in re.split(r"\s*相似文献\s*", text) if a.strip() and not re.search("[\u4e00-\u9fff]", a)
    ]
    text = two_megabytes_of(english)
    with Alarm(20, "not linear"):
        sentences = split_sentences(text, "en")
    assert len(sentences) > 10_000
    assert not any("century.Power" in sentence for sentence in sentences)


class CountingPattern:
    """A compiled pattern that counts the characters its searches are given to look through."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searched = 0

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        self.searched += (len(string) if endpos is None else min(endpos, len(string))) - pos
        return self.pattern.search(string, pos, len(string) if endpos is None else endpos)


@pytest.fixture
def lookback_patterns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[CountingPattern]]:
    patterns = [CountingPattern(segment._LIST_MARKER_RE), CountingPattern(segment._ABBREVIATION_RE)]
    monkeypatch.setattr(segment, "_LIST_MARKER_RE", patterns[0])
    monkeypatch.setattr(segment, "_ABBREVIATION_RE", patterns[1])
    yield patterns


def test_each_full_stop_looks_back_a_bounded_window(lookback_patterns: list[CountingPattern]) -> None:
    """Counted work, not time: what the list-number and abbreviation checks read grows with the full stops."""
    abstracts = [json.loads(line)["abstract"] for line in CSL_LINES[:300]]
    text = normalise_whitespace("".join(abstracts))
    full_stops = text.count(".") + text.count("．")
    split_sentences(text, "zh")
    for pattern in lookback_patterns:
        assert 0 < pattern.searched <= 20 * full_stops  # the old splitter read about len(text) per full stop


# 4. Line numbers for every line-end convention -------------------------------------------------


def test_lf_crlf_and_cr_only_files_give_the_same_records_and_lines(workdir: Path) -> None:
    sample = SAMPLE_EXPORT.read_bytes()
    jsonl = ("\n".join(CSL_LINES[:5]) + "\n").encode("utf-8")
    for ending, name in ((b"\n", "lf"), (b"\r\n", "crlf"), (b"\r", "cr")):
        (workdir / "input" / f"export-{name}.txt").write_bytes(sample.replace(b"\n", ending))
        (workdir / "input" / f"csl-{name}.jsonl").write_bytes(jsonl.replace(b"\n", ending))
    result = run_digest("run", "-q")
    assert result.exit_code == 0, result.stderr
    assert [r["source"]["line"] for r in read_jsonl(Path("output/csl-lf.jsonl"))] == [1, 2, 3, 4, 5]
    assert [r["source"]["line"] for r in read_jsonl(Path("output/export-lf.jsonl"))][:3] == [1, 3, 5]
    for kind in ("export", "csl"):
        lf = read_jsonl(Path(f"output/{kind}-lf.jsonl"))
        for name in ("crlf", "cr"):
            other = read_jsonl(Path(f"output/{kind}-{name}.jsonl"))
            assert [r["source"]["line"] for r in other] == [r["source"]["line"] for r in lf]
            assert [r["text"] for r in other] == [r["text"] for r in lf]
            assert [r["id"].rsplit("-", 1)[1] for r in other] == [r["id"].rsplit("-", 1)[1] for r in lf]
    assert len(read_jsonl(Path("output/export-cr.jsonl"))) == 19
    assert not list(Path("output").glob("*.errors.jsonl"))


@pytest.mark.parametrize("ending", [b"\r", b"\r\n"])
def test_an_undecodable_byte_is_reported_on_its_line_whatever_the_line_ends(tmp_path: Path, ending: bytes) -> None:
    data = SAMPLE_EXPORT.read_bytes()
    cut = data.index("相似文献".encode()) + 40  # inside the second abstract, on line 3
    path = tmp_path / "broken.txt"
    path.write_bytes((data[:cut] + b"\xff\xfe\xfd" + data[cut:]).replace(b"\n", ending))
    with pytest.raises(BatchError, match=r"invalid utf-8 bytes at byte \d+, line 3,"):
        records_of(str(path), path.read_bytes())


def test_utf16_line_numbers_count_characters_not_bytes() -> None:
    # 上 is 0A 4E in UTF-16-LE: counting 0x0A bytes put errors many lines too far down.
    text = SAMPLE_EXPORT.read_text(encoding="utf-8").replace("核武器", "上核武器", 1)
    data = b"\xff\xfe" + text.encode("utf-16-le")
    broken = data[:1000] + b"\x00\xdc" + data[1000:]  # a lone low surrogate: invalid UTF-16
    line = text[: (1000 - 2) // 2].count("\n") + 1
    with pytest.raises(BatchError, match=rf"invalid utf-16 bytes at byte 1000, line {line},"):
        records_of("broken.txt", broken)


# 5. Ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"csl-dev-2"', "csl-dev-2"),
        ("2", "2"),  # whole numbers become their decimal string
        ("-17", "-17"),
        ('"  csl-dev-2\\n"', "csl-dev-2"),  # the whitespace around it is not part of it
        ('"10.3969/j.issn.1000-1234.2020.01.001"', "10.3969/j.issn.1000-1234.2020.01.001"),  # a DOI keeps its /
        ('""', None),  # blank: absent, digest makes one from the text
        ("null", None),
        ("true", "'id' must be a string or a whole number, found true"),
        ("false", "'id' must be a string or a whole number, found false"),
        ("7.5", "'id' must be a string or a whole number, found 7.5"),
        ("2.0", "'id' must be a string or a whole number, found 2.0"),
        ('["csl-dev-2"]', "'id' must be a string or a whole number, found an array"),
        ('"csl-dev\\n2"', "'id' contains a line break or control character (U+000A)"),
        ('"csl-dev\\u20282"', "'id' contains a line break or control character (U+2028)"),
    ],
)
def test_ids_are_strings_or_whole_numbers(raw: str, expected: str | None) -> None:
    record = json.loads(CSL_LINES[2])
    line = json.dumps(record, ensure_ascii=False).replace('"csl-dev-2"', raw)
    [item] = records_of("csl.jsonl", line.encode("utf-8"))
    if expected is None or not expected.startswith("'id'"):
        assert isinstance(item, SourceRecord) and item.id == expected
    else:
        assert isinstance(item, RecordError) and item.reason == expected


def test_a_blank_id_gets_the_same_id_as_none(workdir: Path) -> None:
    without = json.loads(CSL_LINES[2])
    del without["id"]
    blank = {**json.loads(CSL_LINES[2]), "id": " "}
    lines = [json.dumps(without, ensure_ascii=False), json.dumps(blank, ensure_ascii=False)]
    (workdir / "input" / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_digest("run", "-q").exit_code == 0
    first, second = read_jsonl(Path("output/csl.jsonl"))
    assert re.fullmatch(r"csl-[0-9a-f]{12}", first["id"]) and second["id"] == f"{first['id']}-2"


# Other odd inputs ------------------------------------------------------------------------------


def test_concatenated_files_with_their_boms() -> None:
    # `cat a.txt b.txt` of two exports saved with a BOM: the second BOM lands mid-file.
    sample = SAMPLE_EXPORT.read_bytes()
    doubled = good_records("export.txt", b"\xef\xbb\xbf" + sample + b"\xef\xbb\xbf" + sample)
    single = good_records("export.txt", sample)
    assert [r.text for r in doubled] == [r.text for r in single] * 2
    assert doubled[19].line == sample.count(b"\n") + 1
    jsonl = "\n".join(CSL_LINES[:2]).encode("utf-8")
    items = good_records("csl.jsonl", b"\xef\xbb\xbf" + jsonl + b"\n\xef\xbb\xbf" + jsonl + b"\n")
    assert [r.id for r in items] == ["csl-dev-0", "csl-dev-1"] * 2


def test_odd_lines_of_a_jsonl_file(workdir: Path) -> None:
    def separators(record: dict[str, Any]) -> None:
        record["title"] = record["title"][:6] + "\u2028" + record["title"][6:]
        record["discipline"] += "\u2029\u0085"

    def duplicate(record: dict[str, Any]) -> None:
        record["category"] = HOLE

    lines = [
        damage(0, separators, ""),
        "20210512",  # a bare number, as a broken export writes a date on its own line
        damage(2, duplicate, '"工学", "abstract": "重复的摘要"'),  # two objects merged by hand
        CSL_LINES[3],
    ]
    (workdir / "input" / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_digest("run")
    assert result.exit_code == 1
    records = read_jsonl(Path("output/csl.jsonl"))
    assert [r["id"] for r in records] == ["csl-dev-0", "csl-dev-3"]
    # U+2028 is not a line end (it is a space inside Chinese); meta is carried unchanged.
    assert records[0]["title"]["zh"] == json.loads(CSL_LINES[0])["title"]
    assert records[0]["meta"]["discipline"].endswith("\u2029\u0085")
    errors = strict_lines(Path("output/csl.errors.jsonl"))
    assert [(e["line"], e["reason"]) for e in errors] == [
        (2, "expected a JSON object, found a number"),
        (3, "the key 'abstract' appears twice in one object; which value is meant is unclear"),
    ]
    assert_outputs_are_strict_json(Path("output"))


def test_control_characters_are_dropped_from_text_and_title(workdir: Path) -> None:
    def controls(record: dict[str, Any]) -> None:
        record["title"] = "\x07" + record["title"] + "\x00"  # pasted from a PDF
        record["abstract"] = "\x1b[1m" + record["abstract"]

    (workdir / "input" / "csl.jsonl").write_text(damage(0, controls, "") + "\n", encoding="utf-8")
    # A DOS tool's end-of-file ^Z after the last abstract of an export is not an abstract.
    (workdir / "input" / "export.txt").write_bytes(SAMPLE_EXPORT.read_bytes() + b"\x1a")
    result = run_digest("run", "-q")
    assert result.exit_code == 0, result.stderr
    [record] = read_jsonl(Path("output/csl.jsonl"))
    original = json.loads(CSL_LINES[0])
    assert record["title"]["zh"] == original["title"]
    assert record["text"]["zh"] == "[1m" + normalise_whitespace(original["abstract"])
    assert len(read_jsonl(Path("output/export.jsonl"))) == 19


def test_a_ten_megabyte_record_on_one_line(workdir: Path) -> None:
    # The full text carried along in a field of its own: the record is read and written whole.
    record = json.loads(CSL_LINES[0])
    record["fulltext"] = "".join(json.loads(line)["abstract"] for line in CSL_LINES) * 20
    line = json.dumps(record, ensure_ascii=False)
    assert len(line.encode("utf-8")) > 10_000_000
    (workdir / "input" / "csl.jsonl").write_text(line + "\n" + CSL_LINES[1] + "\n", encoding="utf-8")
    result = run_digest("run", "-q")
    assert result.exit_code == 0, result.stderr
    big, small = strict_lines(Path("output/csl.jsonl"))
    assert big["meta"]["fulltext"] == record["fulltext"] and small["source"]["line"] == 2


def test_the_words_of_the_marker_inside_an_abstract_do_not_split_it(workdir: Path) -> None:
    chunks = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")
    topic = "本文研究基于引文网络的相似文献推荐方法,实验表明该方法优于传统的关键词匹配."
    export = workdir / "input" / "cnki.txt"
    export.write_text(chunks[0] + topic + "相似文献\n" + "相似文献".join(chunks[1:]), encoding="utf-8")
    plain = workdir / "input" / "plain.txt"
    plain.write_text("\n\n".join([chunks[2].strip(), topic, chunks[3].strip()]) + "\n", encoding="utf-8")
    assert run_digest("run", "-q").exit_code == 0
    records = read_jsonl(workdir / "output" / "cnki.jsonl")
    assert len(records) == 19 and records[0]["text"]["zh"].endswith(topic)
    assert [r["text"]["zh"] for r in read_jsonl(workdir / "output" / "plain.jsonl")][1] == topic


def test_a_long_run_of_spaces_in_an_export_is_read_in_linear_time() -> None:
    # After the marker, 400,000 spaces and no line end: the old separator's leading \s* was
    # retried from each of them (quadratic: minutes). Read once, it takes milliseconds.
    data = ("相似文献x" + " " * 400_000 + "x\n").encode()
    with Alarm(20, "not linear"):
        records = list(read_records(BatchSource("spaces", Path("spaces.txt")), data))
    assert len(records) == 1


def test_an_empty_abstract_field_beside_a_text_field_uses_the_text(workdir: Path) -> None:
    text = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[0].strip()
    lines = [
        json.dumps({"id": "a", "abstract": None, "text": text}, ensure_ascii=False),
        json.dumps({"id": "b", "abstract": "", "text": text}, ensure_ascii=False),
        json.dumps({"id": "c", "abstract": None}, ensure_ascii=False),
    ]
    (workdir / "input" / "fields.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_digest("run", "-q").exit_code == 1
    assert [r["id"] for r in read_jsonl(workdir / "output" / "fields.jsonl")] == ["a", "b"]
    [error] = read_jsonl(workdir / "output" / "fields.errors.jsonl")
    assert error["line"] == 3 and error["reason"] == "the text ('abstract' or 'text') is missing"


@pytest.mark.parametrize("trick", ["\u202e", "\u2066"])
def test_bidirectional_overrides_are_refused_in_ids_and_file_names(workdir: Path, trick: str) -> None:
    text = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[0].strip()
    record = json.dumps({"id": f"csl{trick}txt.exe", "abstract": text}, ensure_ascii=False)
    (workdir / "input" / "ids.jsonl").write_text(record + "\n", encoding="utf-8")
    (workdir / "input" / f"notes{trick}txt.exe").write_text(text, encoding="utf-8")
    result = run_digest("run")
    assert result.exit_code == 1
    assert trick not in result.stderr  # nothing shown reversed in the cron log
    assert "the file name contains a line break or control character" in result.stderr
    [error] = read_jsonl(workdir / "output" / "ids.errors.jsonl")
    assert "'id' contains" in error["reason"]
