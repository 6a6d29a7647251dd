"""Where the benchmarks' real data comes from, and one clear line when a file is missing."""

from __future__ import annotations

from pathlib import Path

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
