"""Fit the weights of the cue-position summary and of the keyphrase score, on the tuning half only.

    python benchmarks/tune_weights.py [--data PATH]

A grid search on the tuning half of the CSL abstracts (`data_files.halves`), scored as
benchmarks/summary_quality.py scores them: mean ROUGE-L of the one-sentence summary against the
title, and top-5 keyword F1 exact against the authors' keywords. It prints the best weights of
each grid and the score of the weights in the code; the held-out half is never read. Change the
constants in jobs/summarize.py (CuePositionSummarizer) and jobs/keywords.py by hand.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS, halves, require  # noqa: E402
from benchmarks.summary_quality import Abstract, _summary_scores, keyword_scores, read_abstracts  # noqa: E402

SUMMARY_GRID = {"CENTRALITY": (0.25, 0.5, 0.75, 1.0), "CUE": (0.2, 0.3, 0.4, 0.5), "LENGTH": (0.0, 0.05, 0.1)}
KEYWORD_GRID = {
    "TITLE_WEIGHT": (0.5, 1.0, 1.5, 2.0),
    "FIRST_SENTENCE_WEIGHT": (0.0, 0.3, 0.6),
    "WORD_IDF_POWER": (0.0, 0.5, 1.0),
}


def search(target: object, grid: dict[str, Sequence[float]], score: Callable[[], float]) -> None:
    """Try every combination of `grid` as attributes of `target`; print the code's and the best."""
    current = {name: getattr(target, name) for name in grid}
    print(f"in the code {current}: {score():.2f}")
    best = (float("-inf"), current)
    for values in itertools.product(*grid.values()):
        weights = dict(zip(grid, values))
        for name, value in weights.items():
            setattr(target, name, value)
        result = score()
        if result > best[0]:
            best = (result, weights)
    for name, value in current.items():
        setattr(target, name, value)
    print(f"best {best[1]}: {best[0]:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run both grid searches on the tuning half."""
    from jobs import keywords
    from jobs.summarize import CuePositionSummarizer, choose_sentences

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=CSL_ABSTRACTS, help="CSL-style JSONL (default: %(default)s)")
    args = parser.parse_args(argv)
    tuning: list[Abstract] = halves(read_abstracts(require(args.data)), lambda a: a.id)[0]
    print(f"{len(tuning)} abstracts of the tuning half")

    def summary_score() -> float:
        chosen = [choose_sentences(a.sentences, a.lang, 1, "cue-position").indices for a in tuning]
        return statistics.mean(_summary_scores(a, indices)[1] for a, indices in zip(tuning, chosen)) * 100

    def keyword_score() -> float:
        extracted = [keywords.extract_keywords(a.sentences, a.lang, 5, title=a.title) for a in tuning]
        return statistics.mean(keyword_scores(e, a.keywords)[2] for e, a in zip(extracted, tuning)) * 100

    print("\ncue-position, ROUGE-L of the one-sentence summary against the title")
    search(CuePositionSummarizer, SUMMARY_GRID, summary_score)
    print("\nkeyphrases, top-5 F1 exact")
    search(keywords, KEYWORD_GRID, keyword_score)
    return 0


if __name__ == "__main__":
    sys.exit(main())
