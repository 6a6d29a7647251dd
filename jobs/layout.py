"""The names of the files digest writes in an output folder, in one place.

Per batch `<name>`: `<name>.jsonl` (the records), `<name>.errors.jsonl` (records that could not be
used), `<name>.digest.md` and `<name>.digest.html` (the readers' pages). For the folder: the run
log, the manifest, the index and the feed. A batch is never allowed a name whose files would be
one of these, so that no input can overwrite digest's own files or another batch's.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

BATCH_SUFFIX = ".jsonl"
ERRORS_SUFFIX = ".errors.jsonl"
MARKDOWN_SUFFIX = ".digest.md"
HTML_SUFFIX = ".digest.html"

RUNS_LOG_NAME = "runs.jsonl"
MANIFEST_NAME = ".digest-manifest.json"
INDEX_NAME = "index.html"
FEED_NAME = "feed.xml"
#: The folder of the topics' pages, feeds and citation exports (`topics/<name>.digest.html`...).
TOPICS_FOLDER = "topics"


def topic_file(name: str, suffix: str) -> str:
    """A topic's file (`.html`, `.md`, `.atom`, `.ris`, `.bib`, `.csl.json`), relative to the output folder."""
    return f"{TOPICS_FOLDER}/{name}{suffix}"


#: Files of the folder itself (not of a batch).
FOLDER_FILES = (RUNS_LOG_NAME, MANIFEST_NAME, INDEX_NAME, FEED_NAME)


def batch_outputs(output_dir: Path, name: str) -> tuple[Path, Path]:
    """A batch's records file and its errors file."""
    return output_dir / f"{name}{BATCH_SUFFIX}", output_dir / f"{name}{ERRORS_SUFFIX}"


def folded(name: str) -> str:
    """`name` as file systems that ignore case and Unicode normalisation compare it (macOS, Windows).

    Unicode's canonical caseless match (NFD, case folding, NFD): `café` typed on a Mac (NFD) and
    on Linux (NFC), or `Café` and `CAFÉ`, are one name there. Compatibility forms are not folded
    (２０２３ is not 2023, nor the radical ⾦ the ideograph 金): no file system takes them for one name.
    """
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def is_reserved_batch_name(name: str) -> bool:
    """Whether a batch called `name` would write over a file of the folder or of another batch.

    `runs` would write the run log; `a.errors` would write batch `a`'s errors file. Compared as
    `folded` names, for file systems that ignore case or Unicode normalisation.
    """
    own = {folded(file) for file in FOLDER_FILES}
    return (
        not name
        or name.startswith(".")
        or any(
            folded(f"{name}{suffix}") in own for suffix in (BATCH_SUFFIX, ERRORS_SUFFIX, MARKDOWN_SUFFIX, HTML_SUFFIX)
        )
        or folded(name).endswith(ERRORS_SUFFIX.removesuffix(BATCH_SUFFIX))
    )
