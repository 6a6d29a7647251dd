"""RIS exports (`TY  - JOUR`; Wanfang, VIP, Scopus, Web of Science): their references, read with rispy.

Each reference runs from its `TY` line to its `ER` line; rispy reads its fields, after the one-space
dialect (`TI - ...`) is given rispy's two spaces and each field's wrapped lines are joined. Text
that is no reference (before the first `TY` line, after an `ER` line) is reported, not dropped. A
tag rispy's table does not know is read and dropped, and named in the reference's `unknown`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...record import Citation
from ..exports.fields import (
    KEYWORD_SEPARATORS,
    NAME_SEPARATORS,
    doi,
    is_thesis,
    keywords,
    last_first,
    split,
    standard_number,
    url,
    year,
)
from ..exports.lines import has_text, references
from ..exports.reference import Reference, make_reference, reference_reader
from .base import InputFormat

NAME = "ris"
# A reference's first line, and the file's: a two-character tag, two spaces, a dash (some tools
# write one space).
_RIS_START = re.compile(r"TY {1,2}- ")
# A tag line written with one space before the dash (`TI - ...`), as some tools do: rispy only
# knows two (`TI  - `). Rewritten only in a reference whose `TY` line has one space, so that an
# abstract's wrapped line such as "CT - guided biopsy ..." in a two-space file stays text.
_RIS_ONE_SPACE_TAG = re.compile(r"^([A-Z][A-Z0-9]) -(?: |$)", re.MULTILINE)


def read_ris(text: str) -> Iterator[Reference]:
    import rispy  # here, not above: a run without RIS files does not wait for it

    lists = [*rispy.LIST_TYPE_TAGS, "AD"]
    for start, lines in references(text.split("\n"), lambda line: bool(_RIS_START.match(line))):
        chunk = "\n".join(lines).replace("\t", " ")
        if not _RIS_START.match(lines[0]):
            yield Reference(start, None, None, None, "text before the first reference's TY  - line: not RIS")
            continue
        if lines[0].startswith("TY - "):
            chunk = _RIS_ONE_SPACE_TAG.sub(r"\1  - ", chunk)
        try:
            # rispy would cut every UR at each ";", a URL's own too (";jsessionid=..."): the URLs
            # of a line are told apart by `fields.url`, as those of every format.
            entries = rispy.loads(_ris_lines_joined(chunk, lists), list_tags=lists, delimiter_tags_mapping={})
        except Exception as error:  # rispy raises IOError and others for lines it cannot read
            yield Reference(start, None, None, None, f"not a readable RIS reference: {error}")
            continue
        if not entries:
            yield Reference(start, None, None, None, "a RIS reference without its end line (ER  -)")
            continue
        yield _ris_reference(entries[0], start)
        # rispy stops at ER and ignores the rest up to the next TY: a reference that lost its
        # TY line, or another format pasted after the last reference, would vanish unseen.
        after = chunk.split("\n")
        end = next((number for number, line in enumerate(after) if line.startswith("ER  -")), len(after))
        extra = next((number for number, line in enumerate(after[end + 1 :], start=end + 1) if has_text(line)), None)
        if extra is not None:
            yield Reference(
                start + extra,
                None,
                None,
                None,
                "text after a reference's end line (ER  -) that is no reference: one without its TY  - line?",
            )


def _ris_lines_joined(chunk: str, lists: list[str]) -> str:
    """The reference with each field's wrapped lines joined onto its tag line by spaces.

    rispy does the same, but by copying the field onto each line (quadratic in their number).
    Lines after a tag that holds a list (AU, KW, UR) are each an item to rispy: left alone.
    """
    out: list[list[str]] = []
    joinable = False
    for line in chunk.split("\n"):
        if line[2:5] == "  -" and line[:2].isupper() and line[:1].isalpha():  # rispy's test of a tag line
            out.append([line])
            joinable = line[:2] not in lists and line[:2] != "ER"
        elif joinable:
            out[-1].append(line.strip())
        else:
            out.append([line])
    return "\n".join(" ".join(parts) for parts in out)


def _ris_reference(entry: dict[str, object], line: int) -> Reference:
    def first(*keys: str) -> str | None:
        for key in keys:
            value = entry.get(key)
            values = value if isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, str) and item.strip():
                    return item.strip()
        return None

    def every(*keys: str) -> list[str]:
        values: list[str] = []
        for key in keys:
            value = entry.get(key)
            values += [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)]
        return values

    start, end = first("start_page"), first("end_page")
    kind = first("type_of_reference")
    unknown = entry.get("unknown_tag")
    return make_reference(
        line,
        first("title", "primary_title"),
        first("abstract", "notes_abstract"),
        Citation(
            format=NAME,
            type=kind,
            authors=split(last_first(every("authors", "first_authors")), NAME_SEPARATORS),
            affiliations=split(every("author_address"), NAME_SEPARATORS),
            supervisors=split(last_first(every("tertiary_authors")), NAME_SEPARATORS) if is_thesis(kind) else [],
            journal=first(
                "secondary_title", "journal_name", "alternate_title3", "alternate_title1", "alternate_title2"
            ),
            publisher=first("publisher"),
            year=year(first("year", "publication_year", "date")),
            volume=first("volume"),
            issue=first("number"),
            pages=f"{start}-{end}" if start and end else start or end,
            standard_number=standard_number(every("issn", "id")),
            doi=doi(first("doi")),
            url=url(every("urls")),
            keywords=keywords(split(every("keywords"), KEYWORD_SEPARATORS)),
            database=first("database_provider", "name_of_database"),
        ),
        tuple(unknown) if isinstance(unknown, dict) else (),
    )


FORMAT = InputFormat(
    NAME, "RIS", "first line TY  - JOUR", read=reference_reader(read_ris), first_line=_RIS_START, cites=True
)
