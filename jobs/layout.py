"""The names of the files digest writes in an output folder, in one place.

Per batch `<name>`: `<name>.jsonl` (the records), `<name>.errors.jsonl` (records that could not be
used), `<name>.digest.md` and `<name>.digest.html` (the readers' pages). For the folder: the run
log, the manifest, the index and the feed. A batch is never allowed a name whose files would be
one of these, so that no input can overwrite digest's own files or another batch's.
"""

from __future__ import annotations

from pathlib import Path

BATCH_SUFFIX = ".jsonl"
ERRORS_SUFFIX = ".errors.jsonl"
MARKDOWN_SUFFIX = ".digest.md"
HTML_SUFFIX = ".digest.html"

RUNS_LOG_NAME = "runs.jsonl"
MANIFEST_NAME = ".digest-manifest.json"
INDEX_NAME = "index.html"
FEED_NAME = "feed.xml"
#: Files of the folder itself (not of a batch).
FOLDER_FILES = (RUNS_LOG_NAME, MANIFEST_NAME, INDEX_NAME, FEED_NAME)


def batch_outputs(output_dir: Path, name: str) -> tuple[Path, Path]:
    """A batch's records file and its errors file."""
    return output_dir / f"{name}{BATCH_SUFFIX}", output_dir / f"{name}{ERRORS_SUFFIX}"


def is_reserved_batch_name(name: str) -> bool:
    """Whether a batch called `name` would write over a file of the folder or of another batch.

    `runs` would write the run log; `a.errors` would write batch `a`'s errors file. Compared
    case-insensitively, for file systems that are.
    """
    folded = name.casefold()
    own = {file.casefold() for file in FOLDER_FILES}
    return (
        not name
        or name.startswith(".")
        or any(
            f"{name}{suffix}".casefold() in own
            for suffix in (BATCH_SUFFIX, ERRORS_SUFFIX, MARKDOWN_SUFFIX, HTML_SUFFIX)
        )
        or folded.endswith(ERRORS_SUFFIX.removesuffix(BATCH_SUFFIX))
    )
