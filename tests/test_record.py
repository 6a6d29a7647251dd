"""The output record type and the JSON Schema describe the same thing."""

from __future__ import annotations

import dataclasses

from jobs.record import FLAGS, Record
from jobs.schema import record_schema


def test_record_fields_are_the_schemas_properties() -> None:
    schema = record_schema()
    fields = [field.name for field in dataclasses.fields(Record)]
    assert set(fields) == set(schema["properties"])
    optional = {field.name for field in dataclasses.fields(Record) if field.default_factory is not dataclasses.MISSING}
    assert set(schema["required"]) == set(fields) - optional


def test_the_flags_are_the_schemas_flags() -> None:
    assert set(record_schema()["properties"]["flags"]["items"]["enum"]) == set(FLAGS)


def test_every_flag_has_words_for_readers() -> None:
    assert all(words and words != flag for flag, (words, _) in FLAGS.items())
