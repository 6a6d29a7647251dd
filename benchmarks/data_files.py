"""Where the benchmarks' real data comes from, and one clear line when a file is missing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent

#: 1,000 CSL abstracts, kept in the repository (Apache-2.0; see tests/data/SOURCES.md).
CSL_ABSTRACTS = REPO / "tests" / "data" / "csl-dev-abstracts.jsonl"

#: The WMT18 Biomedical Medline zh/en test set (456 sentence pairs with human references). It is
#: not in the repository (research-use test data): it lies in ../shared/data on the project's own
#: machines; elsewhere pass its path.
MEDLINE_PAIRS = REPO.parent / "shared" / "data" / "medline-wmt18-zh-en-pairs.jsonl"

SOURCES = {
    CSL_ABSTRACTS.name: "CSL dev abstracts (github ydli-ai/CSL, benchmark/*/dev.tsv), kept in tests/data/",
    MEDLINE_PAIRS.name: (
        "the WMT18 Biomedical Medline zh/en test set as JSONL pairs ({id, zh, en, direction}), "
        "kept in ../shared/data/ on the project's machines; pass its path with --pairs"
    ),
}


def require(path: Path) -> Path:
    """`path` if it is a file; otherwise stop with one line saying what it is and where to get it."""
    if not path.is_file():
        where = SOURCES.get(path.name, "a JSONL file of the same shape")
        raise SystemExit(f"{path} is missing: this benchmark needs {where}.")
    return path


def halves(records: Sequence[T], record_id: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """The tuning half and the held-out half of the CSL abstracts, the same on every machine.

    Records are ordered by the SHA-256 of their id (csl-dev-0, ...), which mixes disciplines and
    file order, and cut in the middle: the first half tunes (weights, the keyword document
    frequencies of jobs/data/keyword-df.tsv), the second is only ever scored.
    """
    ordered = sorted(records, key=lambda record: hashlib.sha256(record_id(record).encode("utf-8")).hexdigest())
    middle = len(ordered) // 2
    return ordered[:middle], ordered[middle:]
