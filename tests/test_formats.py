"""The registry of input formats: every format has a real sample that it is told by and read from, and
a format registered is told and read with no other change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobs.reading import (
    INPUT_FORMATS,
    BatchSource,
    InputFormat,
    SourceRecord,
    format_by_content,
    format_by_suffix,
    read_file_records,
    read_records,
    scan_input,
)
from jobs.reading import formats as registry
from jobs.reading.formats.text import read_text
from jobs.reading.source import Records

from .conftest import SAMPLE_EXPORT, repo_data

#: A real sample of every registered format (sources in tests/data/SOURCES.md): a format without one fails below.
SAMPLES: dict[str, list[Path]] = {
    "jsonl": [repo_data("csl-dev-abstracts.jsonl")],
    "cnki-refer": [repo_data("exports/cnki-endnote.txt"), repo_data("exports/cnki-endnote-2024.txt")],
    "refworks": [repo_data("exports/cnki-refworks.txt"), repo_data("exports/cnki-refworks-2024.txt")],
    "ris": [repo_data("exports/wanfang.ris.txt")],
    "bibtex": [repo_data("exports/references.bib.txt"), repo_data("exports/cnki2bib-CoverAllTest15Entries.bib")],
    "noteexpress": [
        repo_data("exports/cnki-noteexpress.txt"),
        repo_data("exports/cnki2bib-CoverAllTest15Entries.net"),
        repo_data("exports/cnki2bib-withLineBreakInAddress.net"),
    ],
    "cnki-self-defined": [repo_data("exports/cnki-self-defined.txt")],
    "text": [SAMPLE_EXPORT, repo_data("text-export.txt")],  # the 相似文献 layout, and abstracts between blank lines
}


@pytest.mark.parametrize("name", list(INPUT_FORMATS))
def test_every_format_is_told_by_and_read_from_a_real_sample(name: str) -> None:
    assert name in SAMPLES, (
        f"input format {name!r} has no sample: add a real one to tests/data/ (its source in SOURCES.md) and to SAMPLES"
    )
    known = INPUT_FORMATS[name]
    for path in SAMPLES[name]:
        assert (format_by_suffix(path) or format_by_content(path.read_text(encoding="utf-8"))) is known, path
        records = list(read_file_records(BatchSource(path.stem, path), scan_input(path)))
        read = [record for record in records if isinstance(record, SourceRecord)]
        assert read and len(read) == len(records), (path, records[:3])
        citations = {record.citation.format if record.citation else None for record in read}
        assert citations == ({name} if known.cites else {None}), path


def test_every_sample_is_of_a_registered_format() -> None:
    assert set(SAMPLES) <= set(INPUT_FORMATS), "a sample of a format that is no longer registered"


def test_the_fallback_is_one_format_and_every_other_is_told_by_a_suffix_or_a_first_line() -> None:
    fallbacks = [known.name for known in INPUT_FORMATS.values() if known.is_fallback]
    assert fallbacks == ["text"]
    for known in INPUT_FORMATS.values():
        assert known.is_fallback or bool(known.suffixes) != (known.first_line is not None), known.name


def _titles(source: BatchSource, text: str) -> Records:
    """A list of titles under a heading line: one record a title."""
    titles = [(line, title) for line, title in enumerate(text.split("\n"), start=1) if title and line > 1]
    for number, (line, title) in enumerate(titles, start=1):
        yield SourceRecord(batch=source.name, file=str(source.path), line=line, number=number, text=title)


def test_a_registered_format_is_told_and_read_with_no_other_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "INPUT_FORMATS", dict(INPUT_FORMATS))
    registry.register(
        InputFormat("titles", "title list", "first line # titles", read=_titles, first_line=re.compile("# titles$"))
    )
    path = tmp_path / "t.txt"
    path.write_text("# titles\n黄芪多糖的提取\n\n果蔬保鲜技术进展探索\n", encoding="utf-8")
    records = list(read_records(BatchSource("t", path), path.read_bytes()))
    assert [(record.line, record.text) for record in records if isinstance(record, SourceRecord)] == [
        (2, "黄芪多糖的提取"),
        (4, "果蔬保鲜技术进展探索"),
    ]
    assert format_by_content("黄芪多糖的提取\n").name == "text"  # the fallback still takes the rest


def test_the_registry_refuses_a_second_fallback_a_name_twice_and_a_format_with_no_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "INPUT_FORMATS", dict(INPUT_FORMATS))
    with pytest.raises(ValueError, match="second fallback"):
        registry.register(InputFormat("plain", "plain text", "any other file", read=read_text))
    with pytest.raises(ValueError, match="registered already"):
        registry.register(INPUT_FORMATS["ris"])
    with pytest.raises(ValueError, match="needs one reader"):
        InputFormat("nothing", "nothing", "first line x", first_line=re.compile("x"))
    with pytest.raises(ValueError, match="told by its suffixes"):
        InputFormat("lines", "lines", "first line x", read_lines=lambda source, lines: iter(()))
