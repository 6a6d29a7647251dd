"""One reference as an export's reader gives it back, the rule every reader applies to it, and the
records of an export made of its references.

A `Reference` is where the reference starts in the file, and either its title, abstract and
`Citation`, or the problem that makes it unusable; and the tags it held that its format's table
does not know (`unknown`: kept out of its text and fields; tests/test_export_fields.py checks it
empty on every real sample). `make_reference` is the one place that decides between the two: the
title on one line, the abstract without CNKI's markup (`..markup`), and a reference with neither a
title nor an abstract refused with `NO_TITLE_OR_ABSTRACT`. `reference_reader` makes a reader of references
the reader of an input format, whose records are the references, their citations without the
words converters write for no value (`Null`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...record import Citation
from ..markup import clean_abstract, clean_line
from ..source import CONTROL_RE, BatchSource, RecordError, Records, SourceRecord
from .fields import is_placeholder

#: Why a reference is no record.
NO_TITLE_OR_ABSTRACT = "the reference has neither a title nor an abstract"


@dataclass
class Reference:
    """One reference as an export gives it: where it starts, and its fields or why it is unusable."""

    line: int
    title: str | None
    abstract: str | None
    citation: Citation | None
    problem: str | None = None
    #: The tags of the reference its format's table does not know, in order (each once).
    unknown: tuple[str, ...] = ()


def make_reference(
    line: int, title: str | None, abstract: str | None, citation: Citation, unknown: tuple[str, ...] = ()
) -> Reference:
    # A converter's word for no value (cnki2bib's `abstract = {Null}`) is none, as in the citation.
    title = None if title is None or is_placeholder(title) else _one_line(clean_line(title))
    abstract = None if abstract is None or is_placeholder(abstract) else clean_abstract(abstract).strip() or None
    if not title and not abstract:
        return Reference(line, None, None, None, NO_TITLE_OR_ABSTRACT, unknown)
    return Reference(line, title, abstract, citation, unknown=unknown)


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None


def reference_reader(read: Callable[[str], Iterator[Reference]]) -> Callable[[BatchSource, str], Records]:
    """The reader of an export's records from the reader of its references (`read`): one record a reference."""

    def read_records(source: BatchSource, text: str) -> Records:
        # Exports concatenated onto each other (`cat a.txt b.txt`) bring each file's BOM along, at
        # the start of a line in the middle of the text: left there, it hides the tag that starts a
        # reference, and that reference is merged into the one before. U+FEFF is no text anywhere.
        yield from _export_records(source, read(text.replace("\ufeff", "")))

    return read_records


def _export_records(source: BatchSource, references: Iterator[Reference]) -> Records:
    """The records of a reference export; a reference with neither title nor abstract is a RecordError."""
    for number, reference in enumerate(references, start=1):
        if reference.problem is not None or reference.citation is None:
            yield RecordError(str(source.path), reference.line, number, reference.problem or "not a reference")
            continue
        abstract = CONTROL_RE.sub("", reference.abstract or "").strip()
        title = CONTROL_RE.sub("", reference.title or "").strip() or None
        if not abstract and not title:  # a title or abstract of control characters only is none
            yield RecordError(str(source.path), reference.line, number, NO_TITLE_OR_ABSTRACT)
            continue
        yield SourceRecord(
            batch=source.name,
            file=str(source.path),
            line=reference.line,
            number=number,
            text=abstract,
            title=title,
            citation=_tidied(reference.citation),
            unknown_tags=reference.unknown,
        )


def _tidied(citation: Citation) -> Citation:
    """The citation with control characters and CNKI's markup dropped from every field, as from
    the text and title, and a value that is a converter's word for none (`Null`) taken for none."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            value = clean_line(CONTROL_RE.sub("", value)).strip()
            return None if not value or is_placeholder(value) else value
        if isinstance(value, list):
            return [item for item in map(clean, value) if item]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    return dataclasses.replace(
        citation, **{part.name: clean(getattr(citation, part.name)) for part in dataclasses.fields(citation)}
    )
