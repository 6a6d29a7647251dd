"""The readers' formats behind two registries: the batch JSONL is the source, everything else a format.

A page format writes a batch's pages, `<batch><suffix>` then `<batch>.digest-2.html` and so on
(see `batch.PAGE_SIZE`), beside the batch's JSONL; a folder
file (the index, the feed) is one file about every batch in the folder. Adding either is one
registration here (and its own module that writes it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..layout import BATCH_SUFFIX, FEED_NAME, HTML_SUFFIX, INDEX_NAME, MARKDOWN_SUFFIX, batch_outputs
from ..limits import MAX_INPUT_BYTES, name_max
from ..writing import longest_temporary_name
from .atom import feed_fingerprint, write_feed
from .batch import Batch, Page, page_count, page_path
from .html_page import batch_page
from .index_page import index_fingerprint, write_index
from .markdown_page import MARKDOWN_END, batch_markdown
from .papers import Folder


@dataclass(frozen=True)
class PageFormat:
    """One kind of page: its file suffix, how a page of a batch becomes its text, and how every page ends.

    Every page carries what it was made from, `digest-sources: <batch.sources> ` within its first
    4 KiB (a comment, in the formats that have them): a page that does not is rebuilt.
    """

    name: str
    suffix: str
    render: Callable[[Batch, Page], str]
    #: The last line of every page: one that does not end with it was cut short and is rebuilt.
    end: str

    def path(self, jsonl_path: Path, number: int = 1) -> Path:
        """Where this format's page `number` of a batch goes."""
        return page_path(jsonl_path, self.suffix, number)


PAGE_FORMATS: dict[str, PageFormat] = {}


def register(page_format: PageFormat) -> PageFormat:
    """Add a page format; every batch gets a page in it from the next render on."""
    PAGE_FORMATS[page_format.name] = page_format
    return page_format


register(PageFormat("markdown", MARKDOWN_SUFFIX, batch_markdown, MARKDOWN_END))
register(PageFormat("html", HTML_SUFFIX, batch_page, "</html>\n"))


def longest_name(batch: str, pages: int) -> int:
    """Bytes in the longest file name digest derives from batch name `batch` with `pages` pages.

    That is the temporary file of a file of the batch, most often of its last page:
    `.<batch>.digest-<pages>.html.<pid>.<random>.partial`.
    """
    names = [path.name for path in batch_outputs(Path(), batch)]
    names += [page_format.path(Path(batch + BATCH_SUFFIX), pages).name for page_format in PAGE_FORMATS.values()]
    return max(len(os.fsencode(longest_temporary_name(name))) for name in names)


def batch_name_limit(output_dir: Path | None) -> int:
    """The most bytes a batch's name may have: the longest file digest derives from it must fit in `output_dir`.

    Counted for the largest batch an input file can hold (an abstract a byte, at most).
    """
    return name_max(output_dir) - (longest_name("x", page_count(MAX_INPUT_BYTES)) - 1)


@dataclass(frozen=True)
class FolderFile:
    """A file about every batch of the output folder: its name, how to write it, what it was written from.

    The file carries a fingerprint near its start (`digest-sources: <fingerprint> `) that changes
    whenever the file would: the folder's (`Folder.fingerprint`, of every batch's content), as
    `fingerprint` makes it this file's. A run with nothing new leaves it alone. `write` gets the
    folder with its papers (`Folder.papers`: each paper once, wherever it is).
    """

    name: str
    file_name: str
    write: Callable[[Folder], Path]
    #: The fingerprint this file carries, from the folder's (the feed adds its size and base URL).
    fingerprint: Callable[[Folder], str] = lambda folder: folder.fingerprint


FOLDER_FILES: dict[str, FolderFile] = {}


def register_folder_file(folder_file: FolderFile) -> FolderFile:
    """Add a folder file; it is written from the next render on."""
    FOLDER_FILES[folder_file.name] = folder_file
    return folder_file


register_folder_file(FolderFile("index", INDEX_NAME, write_index, index_fingerprint))
register_folder_file(FolderFile("feed", FEED_NAME, write_feed, feed_fingerprint))
