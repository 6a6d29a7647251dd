"""BibTeX exports (`@article{key,`): their entries, read with bibtexparser.

Each entry is read twice, with LaTeX decoded for the words people read and without for DOIs and
URLs; authors are split before their names are decoded one by one (pylatexenc). A block
bibtexparser cannot read is reported with its line, and two entries with the same key are both kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from ..record import Citation
from .fields import KEYWORD_SEPARATORS, NAME_SEPARATORS, doi, keywords, last_first, split, url, year
from .reference import Reference, make_reference

# Bibtexparser reports a block it cannot parse through logging as well as in failed_blocks.
logging.getLogger("bibtexparser").setLevel(logging.ERROR + 1)


def read_bibtex(text: str) -> Iterator[Reference]:
    # Read twice: once with LaTeX decoded for the words people read (`{\\'e}`, `--`), once
    # without for DOIs and URLs, where `~` and `%` are characters, not LaTeX.
    decoded, failed = _bibtex_entries(text, decode=True)
    plain, _ = _bibtex_entries(text, decode=False)
    found = [Reference(line, None, None, None, f"not a readable BibTeX entry: {problem}") for line, problem in failed]
    for line, entry in decoded.items():
        fields = {key.lower(): field.value for key, field in entry.fields_dict.items()}
        links = {key.lower(): field.value for key, field in plain[line].fields_dict.items()} if line in plain else {}
        authors = fields.get("author")
        found.append(
            make_reference(
                line,
                _first(fields, "title"),
                _first(fields, "abstract"),
                Citation(
                    format="bibtex",
                    type=entry.entry_type,
                    authors=split(
                        last_first([_latex_name(name) for name in authors] if isinstance(authors, list) else []),
                        NAME_SEPARATORS,
                    ),
                    affiliations=split([_first(fields, "affiliation") or ""], NAME_SEPARATORS),
                    journal=_first(fields, "journal", "booktitle", "school"),
                    year=year(_first(fields, "year", "date")),
                    volume=_first(fields, "volume"),
                    issue=_first(fields, "number", "issue"),
                    pages=_first(fields, "pages"),
                    doi=doi(_first(links, "doi")),
                    url=url([_first(links, "url") or ""]),
                    keywords=keywords(split([_first(fields, "keywords", "keyword") or ""], KEYWORD_SEPARATORS)),
                ),
            )
        )
    found.sort(key=lambda reference: reference.line)
    return iter(found)


def _bibtex_entries(text: str, decode: bool) -> tuple[dict[int, Any], list[tuple[int, str]]]:
    """The entries by their 1-based first line, and the (line, problem) of each block that failed.

    Two entries with the same key (common when several exports are pasted together) are both
    kept: the key means nothing to digest.
    """
    import bibtexparser  # here, not above: a run without BibTeX files does not wait for it
    from bibtexparser import middlewares, model

    def parse(source: str) -> Any:
        # Authors are split before LaTeX is decoded, or the braces that protect a name
        # ("{Food and Drug Administration}") are gone and it is split at its "and"; the names
        # are decoded one by one (`_latex_name`), as the middleware leaves lists alone.
        extra = [middlewares.SeparateCoAuthors(), middlewares.LatexDecodingMiddleware()] if decode else []
        return bibtexparser.parse_string(source, append_middleware=extra)

    library = parse(text)
    entries = {(entry.start_line or 0) + 1: entry for entry in library.entries}
    failed = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock) and block.raw:
            again = parse(block.raw)
            if len(again.entries) == 1 and not again.failed_blocks:
                entries[line] = again.entries[0]
                continue
        failed.append((line, _bibtex_error(block)))
    return dict(sorted(entries.items())), failed


def _latex_name(name: object) -> str:
    """One BibTeX author as text: LaTeX decoded (`{\\"O}zil` is Özil), protecting braces dropped."""
    if not isinstance(name, str):
        return ""
    from pylatexenc.latex2text import LatexNodes2Text  # bibtexparser's own LaTeX decoder

    try:
        return str(LatexNodes2Text(math_mode="verbatim").latex_to_text(name))
    except Exception:  # pylatexenc's parse errors, and RecursionError for absurd nesting
        return name


def _first(fields: dict[str, object], *keys: str) -> str | None:
    """The first of `keys` that holds text, stripped."""
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _bibtex_error(block: object) -> str:
    error = getattr(block, "error", None)
    message = str(error).strip() if error else ""
    # bibtexparser's own hints are for programmers ("Note: ... failed_block.ignore_error_block").
    return message.split("\n")[0].split(". Note:")[0] or "syntax error"
