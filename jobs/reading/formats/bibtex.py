"""BibTeX exports (`@article{key,`): their entries, read with bibtexparser, their LaTeX decoded field by field.

bibtexparser splits the file into entries and fields; a block it cannot read is reported with
its line, the other entries are read, and two entries with the same key are both kept. The
LaTeX of each field people read is then decoded on its own (`latex`): a field whose LaTeX
cannot be decoded keeps its text, never the reference. DOIs and URLs are taken as written, less
LaTeX's escapes and braces (`\\_` is `_`; a bare `~` or `%` is that character, not LaTeX); authors
are split before their names are decoded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

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
from ..exports.latex import latex_text, url_text
from ..exports.reference import Reference, make_reference, reference_reader
from .base import InputFormat

# Bibtexparser reports a block it cannot parse through logging as well as in failed_blocks.
logging.getLogger("bibtexparser").setLevel(logging.ERROR + 1)


NAME = "bibtex"
# An entry's head with its key and comma (`@article{zhang2023,`), or a @string, @preamble or
# @comment block: an abstract may well start "@RISK (Palisade) software was used ...".
_FIRST_LINE = re.compile(
    r"@\s*(?:(?:string|preamble|comment)\s*[{(]|[A-Za-z]+\s*[{(]\s*[^\s,{}()]*\s*,)", re.IGNORECASE
)
# A `%` comment line, as JabRef and Zotero write them before the first entry.
_COMMENT_LINE = re.compile(r"%(\s|$)")

#: The abbreviations every BibTeX style defines: the months.
_MONTHS = {
    name[:3].lower(): name
    for name in "January February March April May June July August September October November December".split()
}
# One part of a value joined with "#": a braced or quoted text, a number, or an @string's name.
_PART = re.compile(r"\s*(?:([{\"])|([0-9]+)|([^\s\"#%'(),={}]+))")
_JOIN = re.compile(r"\s*(#|$)")
#: A value joined from @strings, at most (characters): `@string{b = a # a}`, `@string{c = b # b}`...
#: doubles with each definition.
_JOINED_LIMIT = 100_000


def read_bibtex(text: str) -> Iterator[Reference]:
    entries, failed, strings = _bibtex_entries(text)
    found = [Reference(line, None, None, None, f"not a readable BibTeX entry: {problem}") for line, problem in failed]
    for line, entry in entries.items():
        found.append(_bibtex_reference(line, entry, strings))
    found.sort(key=lambda reference: reference.line)
    return iter(found)


def _bibtex_reference(line: int, entry: Any, strings: dict[str, str]) -> Reference:
    # Field names are case-blind in BibTeX (`Title`, `AUTHOR`); the first of a name wins.
    raw: dict[str, str] = {}
    for field in entry.fields:
        if isinstance(field.key, str) and isinstance(field.value, str):
            joined = field.enclosing == "no-enclosing"  # an @string's name, or parts joined with "#"
            raw.setdefault(field.key.lower(), _joined(field.value, strings) if joined else field.value)

    def text(*keys: str) -> str | None:
        """The first of `keys` that holds text, LaTeX decoded (an href's URL dropped from its words), stripped."""
        for key in keys:
            decoded = latex_text(raw.get(key, ""))[0].strip()
            if decoded:
                return decoded
        return None

    def names(*keys: str) -> list[str]:
        """The people of the first of `keys` that names any, each name's LaTeX decoded."""
        found = next((raw[key] for key in keys if raw.get(key, "").strip()), "")
        return split(last_first([latex_text(name)[0] for name in _names(found)]), NAME_SEPARATORS)

    issued, volume, issue, pages = text("year", "date"), text("volume"), text("number", "issue"), text("pages")
    # A standard's number where BibTeX has no field for it: cnki2bib writes it as the ISBN, biblatex as `number`.
    standard = standard_number([text("isbn"), text("number")])
    # The url field (less its LaTeX escapes), or the URL of a \url{...} or \href{...}{...} in it;
    # then those in `note` and `howpublished`, where plain BibTeX (which has no url field) gives a
    # web page.
    written = raw.get("url", "")
    written_links = latex_text(written)[1] if "\\url" in written or "\\href" in written else []
    links = [link for key in ("note", "howpublished") for link in latex_text(raw.get(key, ""))[1]]
    return make_reference(
        line,
        text("title"),
        text("abstract"),
        Citation(
            format=NAME,
            type=entry.entry_type,
            authors=names("author"),
            # The authors' affiliations: Web of Science's `affiliation`, Scopus's `affiliations`,
            # cnki2bib's `authoraddress`. (BibTeX's `address` is the publisher's city.)
            affiliations=split([text("affiliation", "affiliations", "authoraddress") or ""], NAME_SEPARATORS),
            supervisors=names("tertiaryauthor", "supervisor", "advisor") if is_thesis(entry.entry_type) else [],
            journal=text("journal", "booktitle"),
            publisher=text("publisher", "school", "institution"),
            year=year(issued),
            volume=volume,
            issue=None if standard and standard == text("number") else issue,
            pages=pages,
            standard_number=standard,
            doi=doi(url_text(raw.get("doi", ""))),
            url=url([*(written_links or [url_text(written)]), *links]),
            keywords=keywords(split([text("keywords", "keyword") or ""], KEYWORD_SEPARATORS)),
        ),
    )


def _joined(value: str, strings: dict[str, str]) -> str:
    """A value written without braces or quotes as BibTeX reads it: its parts joined, @strings and months resolved.

    `strings`: each @string's value (resolved) by its name in lower case. A value that is not
    parts joined with "#", or that would be longer than `_JOINED_LIMIT`, is kept as written.
    """
    out: list[str] = []
    length = position = 0
    while True:
        part = _PART.match(value, position)
        if part is None:
            return value
        if part.group(1):
            end = _enclosed_end(value, part.start(1))
            if end is None:
                return value
            out.append(value[part.start(1) + 1 : end - 1])
            position = end
        else:
            name = part.group(2) or part.group(3)
            out.append(name if part.group(2) else strings.get(name.lower(), _MONTHS.get(name.lower(), name)))
            position = part.end()
        length += len(out[-1])
        join = _JOIN.match(value, position)
        if join is None or length > _JOINED_LIMIT:
            return value
        if join.group(1) != "#":
            return "".join(out)
        position = join.end()


def _enclosed_end(value: str, start: int) -> int | None:
    """Where the braced or quoted text opening at `value[start]` ends (the index after it), or None."""
    closing = "}" if value[start] == "{" else '"'
    depth = 0
    index = start
    while index < len(value):
        char = value[index]
        if char == "\\":  # escapes the next character (bibtexparser's convention)
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return None
        if depth == 0 and char == closing and index > start:
            return index + 1
        index += 1
    return None


def _names(authors: str) -> list[str]:
    """A BibTeX author field's names: split at "and", except inside braces ("{Food and Drug Administration}")."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    try:
        return list(split_multiple_persons_names(authors))
    except Exception:  # a name bibtexparser cannot split: the field as one name, never a lost reference
        return [authors] if authors.strip() else []


def _bibtex_entries(text: str) -> tuple[dict[int, Any], list[tuple[int, str]], dict[str, str]]:
    """The entries by their 1-based first line, the (line, problem) of each block that failed, and the @strings.

    Two entries with the same key (common when several exports are pasted together) are both
    kept: the key means nothing to digest. The @strings (for `_joined`) are by their name in
    lower case, each resolved from those before it, as BibTeX does.
    """
    import bibtexparser  # here, not above: a run without BibTeX files does not wait for it
    from bibtexparser import model

    library = bibtexparser.parse_string(text)
    entries = {(entry.start_line or 0) + 1: entry for entry in library.entries}
    failed = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock) and block.raw:
            again = bibtexparser.parse_string(block.raw)
            if len(again.entries) == 1 and not again.failed_blocks:
                entries[line] = again.entries[0]
                continue
        failed.append((line, _bibtex_error(block)))
    strings: dict[str, str] = {}
    for string in library.strings:  # in the file's order
        if isinstance(string.key, str) and isinstance(string.value, str):
            joined = string.enclosing == "no-enclosing"
            strings[string.key.lower()] = _joined(string.value, strings) if joined else string.value
    return dict(sorted(entries.items())), failed, strings


def _bibtex_error(block: object) -> str:
    error = getattr(block, "error", None)
    message = str(error).strip() if error else ""
    # A block cut short says why only in its `abort_reason`, in bibtexparser's words.
    reason = str(getattr(error, "abort_reason", "") or "")
    if not message and "Was still looking for field-value closing" in reason:
        return "a field's braces or quotes are not closed (a '{' too many, or a '\\' just before its closing '}')"
    if not message and "end of file" in reason:
        return "the entry is not closed before the end of the file"
    # bibtexparser's own hints are for programmers ("Note: ... failed_block.ignore_error_block").
    return message.split("\n")[0].split(". Note:")[0] or reason.strip() or "syntax error"


FORMAT = InputFormat(
    NAME,
    "BibTeX",
    "first line @article{ (% comment lines may come first)",
    read=reference_reader(read_bibtex),
    first_line=_FIRST_LINE,
    skipped=_COMMENT_LINE,
    cites=True,
)
