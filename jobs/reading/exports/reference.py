"""One reference as an export's reader gives it back, and the rule every reader applies to it.

A `Reference` is where the reference starts in the file, and either its title, abstract and
`Citation`, or the problem that makes it unusable. `make_reference` is the one place that
decides which: the title on one line, the abstract stripped, and a reference with neither a
title nor an abstract refused with `NO_TITLE_OR_ABSTRACT`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...record import Citation

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


def make_reference(line: int, title: str | None, abstract: str | None, citation: Citation) -> Reference:
    title = _one_line(title)
    abstract = (abstract or "").strip() or None
    if not title and not abstract:
        return Reference(line, None, None, None, NO_TITLE_OR_ABSTRACT)
    return Reference(line, title, abstract, citation)


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None
