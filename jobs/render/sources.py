"""What the readers' files are made from, and whether each one is still what it would be made now.

A page carries its batch's `sources_key` and how many pages the batch has near its start
(`digest-sources: <key>-<pages> `, see `Batch.sources`); the index and the feed carry the
folder's `sources_fingerprint`. A file is up to date exactly while it
carries what it would carry if made now: decided by the content of the batches (SHA-256), never
by comparing a file's time with another's, which another machine's clock or a copy that kept
its times would mislead. The key lives in the file itself, so it arrives with the file's
content in one rename: no crash between two writes can leave a file and its record disagreeing.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..manifest import file_fingerprint
from ..writing import open_regular
from .batch import batch_date, batch_files, errors_path, iso_date

#: How far into a file its `digest-sources:` line is looked for.
_HEAD = 4096
#: The line that every page, index, feed and RIS or BibTeX citation file digest writes carries near
#: its start, and no database's export has; a CSL-JSON file (JSON has no comments) has it as its
#: first item's `custom` variable (CSL-JSON's own place for what is no CSL variable), or is the
#: empty array as digest writes it (no item to carry it, nothing to read).
_SOURCES_LINE_RE = re.compile(
    rb"(?:\A|\n)<!-- digest-sources: [0-9a-f-]+ -->\r?\n"
    rb'|\A\[\r?\n(?:\{"custom": \{"digest-sources": "[0-9a-f-]+"\}|\]\r?\n\Z)'
)


def sources_key(jsonl_path: Path) -> str:
    """What a batch's pages are made from, as one hash: its name, records, errors file and date, digest's version.

    The name is in it because the pages show it and are named after it: a batch renamed with its
    pages gets pages under its new name. Hashing the JSONL costs about 0.2 s for a batch of
    30,000 abstracts (160 MB). Raises OSError when the batch file cannot be read.
    """
    digest = hashlib.sha256(__version__.encode())
    digest.update(b"\0" + os.fsencode(jsonl_path.name))
    digest.update(f"\0{file_fingerprint(jsonl_path)['sha256']}\0{_hash_or_why(errors_path(jsonl_path))}".encode())
    digest.update(f"\0{iso_date(batch_date(jsonl_path))}".encode())
    return digest.hexdigest()[:32]


def _hash_or_why(path: Path) -> str:
    try:
        return str(file_fingerprint(path)["sha256"])
    except FileNotFoundError:
        return "none"
    except OSError as error:  # a FIFO or a file digest may not read: counted as no errors
        return f"unreadable: {error.strerror}"


def sources_fingerprint(output_dir: Path, keys: dict[Path, str | None] | None = None) -> str:
    """A hash of every batch's name and `sources_key` (its records, errors file and date), and of digest's version.

    The index and the feed carry it, so that a run with nothing new can leave them as they are.
    `keys` are the batches' keys where they are known already (None: the batch cannot be read).
    """
    if keys is None:
        keys = {path: sources_key_or_none(path) for path in batch_files(output_dir)}
    digest = hashlib.sha256(__version__.encode())
    for path, key in sorted(keys.items()):
        digest.update(f"{path.name}\0{key}\n".encode("utf-8", "replace"))
    return digest.hexdigest()[:20]


def sources_key_or_none(jsonl_path: Path) -> str | None:
    """The batch's `sources_key`, or None when it cannot be read (its render will say why)."""
    try:
        return sources_key(jsonl_path)
    except OSError:
        return None


def carries(path: Path, key: str) -> bool:
    """Whether the file was written from sources with this key (it is near its start)."""
    try:
        with open_regular(path) as handle:
            return f"digest-sources: {key} ".encode() in handle.read(_HEAD)
    except OSError:
        return False


def pages_carry(key: str, page: Callable[[int], Path], end: str, links: str | None = None) -> bool:
    """Whether every page of a batch in one format is whole and made from its batch as it is (`key`),
    with its papers' links to other batches as they are (`links`, `Papers.links_key`; None: any).

    `page(number)` is where page `number` goes; every page ends with `end`. The first page says
    how many there are (`<key>-<links>-<pages>`), so that a later page that is missing, cut short
    or left from another version of the batch is found too, not only a first one.
    """
    first = page(1)
    carried = re.escape(links.encode()) if links is not None else rb"[0-9a-f]{12}"
    try:
        with open_regular(first) as handle:
            found = re.search(
                rb"digest-sources: " + re.escape(key.encode()) + rb"-(" + carried + rb")-([0-9]+) ", handle.read(_HEAD)
            )
    except OSError:
        return False
    if found is None or not is_complete(first, end):
        return False
    count = int(found.group(2))
    whole = f"{key}-{found.group(1).decode()}-{count}"
    return all(is_complete(page(number), end) and carries(page(number), whole) for number in range(2, count + 1))


def is_readers_file(path: Path) -> bool:
    """Whether `path` is a page, the index, a feed or a citation file of an output folder (or a copy of
    one), by its `digest-sources:` line."""
    try:
        with open_regular(path) as handle:
            return _SOURCES_LINE_RE.search(handle.read(_HEAD)) is not None
    except OSError:
        return False


def is_complete(path: Path, end: str) -> bool:
    """Whether the file ends with `end` (the last line its format always writes): not cut short."""
    try:
        with open_regular(path) as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - len(end.encode())))
            return handle.read() == end.encode()
    except OSError:
        return False
