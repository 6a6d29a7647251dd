"""The output record type and the JSON Schema describe the same thing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from jobs.record import FLAGS, Record
from jobs.schema import record_schema

GOLDEN = Path(__file__).parent / "golden" / "seed-cnki-export.jsonl"


def test_record_fields_are_the_schemas_properties() -> None:
    schema = record_schema()
    fields = [field.name for field in dataclasses.fields(Record)]
    assert set(fields) == set(schema["properties"])
    optional = {
        field.name
        for field in dataclasses.fields(Record)
        if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    }
    assert set(schema["required"]) == set(fields) - optional


def test_the_flags_are_the_schemas_flags() -> None:
    assert set(record_schema()["properties"]["flags"]["items"]["enum"]) == set(FLAGS)


def test_every_flag_has_words_for_readers() -> None:
    assert all(words and words != flag for flag, (words, _) in FLAGS.items())


def test_a_written_record_reads_back_as_the_same_record() -> None:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    for line in lines:
        value = json.loads(line)
        assert Record.from_json(value).as_json() == value


def test_a_record_from_another_version_reads_back_leniently() -> None:
    value = json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0])
    value.update(
        id=42,
        source_lang=None,
        title="not an object",
        flags=["truncated", "brand_new_flag", 3, None, "truncated"],
        engine=None,
        summary={"en": "not a list", "indices": [0, True, "1", 2]},
        keywords={"en": ["nuclear deterrence", 5, None]},
        source={"file": "seed.txt", "line": True},
        glossary_misses=["junk", {"zh": "核武器", "en": "nuclear weapons"}],
    )
    del value["meta"]
    record = Record.from_json(value)
    assert record.id == "42" and record.source_lang == "zh" and record.title is None
    assert record.flags == ["truncated", "brand_new_flag"]  # unknown flags kept, non-text dropped
    assert record.engine.translation is None and not record.translated and not record.glossed
    assert record.summary.sentences == {"zh": None, "en": None} and record.summary.indices == [0, 2]
    assert record.keywords == {"zh": None, "en": ["nuclear deterrence", "5"]}
    assert record.source.file == "seed.txt" and record.source.line == 0 and record.meta == {}
    assert record.glossary_misses == [{"zh": "核武器", "en": "nuclear weapons"}]


@pytest.mark.parametrize("value", [[], "text", {"id": "1"}, {"sentences": "not a list"}])
def test_what_is_no_record_at_all_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="not a digest record"):
        Record.from_json(value)  # type: ignore[arg-type]


def test_the_pipeline_cannot_write_a_flag_readers_have_no_words_for() -> None:
    value = json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0])
    record = Record.from_json(value)
    with pytest.raises(ValueError, match="unknown flags"):
        dataclasses.replace(record, flags=["brand_new_flag"])
