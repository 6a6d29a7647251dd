"""What the line-based formats (Refer, RIS, and the keyed ones) share: an export's lines in references.

`references` cuts the lines into references, at each line that starts one (or, in an export
without such lines, at blank lines); `joined` makes each field whose text wraps over several lines
one value; `has_text` tells a line with text from one of whitespace and control characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_NO_TEXT = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ufeff]+")


def references(lines: list[str], starts: Callable[[str], bool]) -> Iterator[tuple[int, list[str]]]:
    """Each reference's first line number and lines: from one line that `starts` one to the next.

    Abstracts may hold blank lines of their own, so the line that starts a reference (`%0`,
    `RT`) wins wherever there is one; an export without such lines is split on blank lines.
    """
    typed = any(starts(line) for line in lines)
    start: int | None = None
    if typed:
        # Lines before the first start line are a reference too (one without its `%0` or `RT`
        # line), or something else: either way the reader must say, not drop them unseen.
        first = next(number for number, line in enumerate(lines, start=1) if starts(line))
        start = next((number for number, line in enumerate(lines[: first - 1], start=1) if has_text(line)), None)
    for number, line in enumerate(lines, start=1):
        begins = starts(line) if typed else bool(line.strip())
        if start is not None and (begins if typed else not line.strip()):
            yield start, lines[start - 1 : number - 1]
            start = None
        if start is None and begins:
            start = number
    if start is not None:
        yield start, lines[start - 1 :]


def has_text(line: str) -> bool:
    """Whether a line holds more than whitespace and control characters (a DOS ^Z at the end)."""
    return bool(_NO_TEXT.sub("", line))


def joined(fields: dict[str, list[list[str]]]) -> dict[str, list[str]]:
    """Each field's lines joined by line ends (a blank line among them kept: a paragraph break), less
    the blank lines around them: gathered first, as copying the field onto every continuation line
    would be quadratic in the number of lines."""
    return {key: ["\n".join(lines).strip() for lines in values] for key, values in fields.items()}
