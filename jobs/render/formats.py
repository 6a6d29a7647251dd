"""The readers' page formats behind one registry: the batch JSONL is the source, pages are formats.

Each format writes one page per batch, `<batch><suffix>`, beside the batch's JSONL. Adding a
format is one registration here (and its own module that turns a `Batch` into text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..layout import HTML_SUFFIX, MARKDOWN_SUFFIX
from .batch import Batch, page_path
from .html_page import batch_page
from .markdown_page import MARKDOWN_END, batch_markdown


@dataclass(frozen=True)
class PageFormat:
    """One kind of page: its file suffix, how a batch becomes its text, and how every page ends."""

    name: str
    suffix: str
    render: Callable[[Batch], str]
    #: The last line of every page: one that does not end with it was cut short and is rebuilt.
    end: str

    def path(self, jsonl_path: Path) -> Path:
        """Where this format's page of a batch goes."""
        return page_path(jsonl_path, self.suffix)


PAGE_FORMATS: dict[str, PageFormat] = {}


def register(page_format: PageFormat) -> PageFormat:
    """Add a page format; every batch gets a page in it from the next render on."""
    PAGE_FORMATS[page_format.name] = page_format
    return page_format


register(PageFormat("markdown", MARKDOWN_SUFFIX, batch_markdown, MARKDOWN_END))
register(PageFormat("html", HTML_SUFFIX, batch_page, "</html>\n"))
