"""Build jobs/data/keyword-df.tsv: in how many real abstracts each candidate keyphrase and word appears.

    python benchmarks/build_keyword_df.py [--data PATH]

Reads the tuning half of the CSL abstracts (benchmarks/data_files.py `halves`; never the held-out
half, whose keyword scores would otherwise be flattered), splits each title and abstract as digest
does, collects the candidate phrases and their words once per abstract
(`jobs.keywords.document_terms`) and writes those in two abstracts or more: a term seen in one
abstract says only that this abstract has it. The first line is `#documents<TAB>N`; then
`term<TAB>count`, most frequent first. Run it again after changing how candidates are found.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS, halves, require  # noqa: E402

#: Terms in fewer abstracts are left out of the table.
MIN_DOCUMENTS = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Count the terms of the tuning half and write the table."""
    from jobs.keywords import DF_TABLE, document_terms
    from jobs.language import detect_language, normalise_whitespace
    from jobs.segment import split_sentences

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=CSL_ABSTRACTS, help="CSL-style JSONL (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DF_TABLE, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in require(args.data).read_text(encoding="utf-8").split("\n") if line.strip()]
    tuning, _ = halves(records, lambda record: record["id"])
    counts: Counter[str] = Counter()
    for record in tuning:
        text = normalise_whitespace(record["abstract"])
        lang = detect_language(text)
        counts.update(document_terms(split_sentences(text, lang), lang, normalise_whitespace(record["title"])))
    kept = sorted((term for term, n in counts.items() if n >= MIN_DOCUMENTS), key=lambda t: (-counts[t], t))
    lines = [f"#documents\t{len(tuning)}"] + [f"{term}\t{counts[term]}" for term in kept]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(kept)} terms from {len(tuning)} abstracts written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
