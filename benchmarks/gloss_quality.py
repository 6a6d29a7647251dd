"""How good and how fast is the `gloss` engine? chrF and BLEU against human references, and sentences/s.

    python benchmarks/gloss_quality.py [--pairs PATH] [--fresh-cache] [--seconds N] [--show N]
                                       [--abstracts N] [--abstracts-file PATH]

Quality: the Chinese originals (`direction == "zh-en"`) of the WMT18 Medline pairs against their
human references, for a naive baseline (longest CC-CEDICT match, the first sense that is not a
note, no rules) and for the engine. The engine's weights were tuned on those pairs, so the
English originals (`en-zh`, whose Chinese is a translation) are scored too, as a held-out check.
Load: the first load (a cold build with `--fresh-cache`), a load from the disk cache, and a
load in the same process. Speed: `translate_batch` over the zh-en sentences, repeated for at
least `--seconds`. Needs sacrebleu (`pip install -e .[bench]`).

The rules are for any academic abstract, not for these pairs: `--abstracts N` prints the glosses
of the first N CSL abstracts (every discipline, no references) sentence by sentence, to read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS as DEFAULT_ABSTRACTS  # noqa: E402
from benchmarks.data_files import MEDLINE_PAIRS as DEFAULT_PAIRS  # noqa: E402
from benchmarks.data_files import require  # noqa: E402

_HAN_RUN_RE = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")


def read_pairs(path: Path, direction: str = "zh-en") -> tuple[list[str], list[str]]:
    """The Chinese sentences and English references of one direction of a JSONL file of pairs."""
    sources: list[str] = []
    references: list[str] = []
    # Split on "\n" only: one record holds a U+2029, which splitlines() would break apart.
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            record = json.loads(line)
            if record.get("direction") == direction:
                sources.append(record["zh"])
                references.append(record["en"])
    return sources, references


class NaiveGloss:
    """The baseline: longest CC-CEDICT match, its first sense that is not a note, joined by spaces.

    With `cleaned`, the sense is cleaned as the engine cleans its own (parentheticals, "to ",
    explanations removed, the first of its ";" alternatives kept): what the engine's segmentation,
    sense choice and rules add on top of that is the rest of its lead.
    """

    def __init__(self, cleaned: bool = False) -> None:
        from jobs.engines.gloss import clean_sense, is_note, read_cedict

        self.senses: dict[str, str] = {}
        for entry in read_cedict()[1]:
            sense = next((s for s in entry.senses if not is_note(s)), None)
            if sense is not None and cleaned:
                sense = clean_sense(sense.split(";")[0]) or None
            if sense is not None:
                self.senses.setdefault(entry.simplified, sense)
                self.senses.setdefault(entry.traditional, sense)
        self.longest = max(map(len, self.senses))

    def translate(self, sentence: str) -> str:
        """Gloss one sentence word by word; what is not Han (Latin, digits, punctuation) stays as it is."""
        words: list[str] = []
        for run in _HAN_RUN_RE.split(sentence):
            if not _HAN_RUN_RE.fullmatch(run):
                words.extend(run.split())
                continue
            start = 0
            while start < len(run):
                longest = min(len(run), start + self.longest)
                end = next((end for end in range(longest, start, -1) if run[start:end] in self.senses), 0)
                words.append(self.senses[run[start:end]] if end else run[start])
                start = end or start + 1
        return " ".join(words)


def scores(hypotheses: Sequence[str], references: Sequence[str]) -> str:
    """chrF and BLEU of the hypotheses against one reference each."""
    import sacrebleu

    chrf = sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score
    bleu = sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score
    return f"chrF {chrf:5.1f}  BLEU {bleu:5.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the baselines' and the engine's scores, the engine's load times and its speed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS, help="JSONL of zh/en pairs (%(default)s)")
    parser.add_argument("--fresh-cache", action="store_true", help="build the cache in an empty temporary folder")
    parser.add_argument("--seconds", type=float, default=3.0, help="time translate_batch at least this long")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N sentences with both glosses")
    parser.add_argument("--abstracts", type=int, default=0, metavar="N", help="print the glosses of N abstracts")
    parser.add_argument(
        "--abstracts-file", type=Path, default=DEFAULT_ABSTRACTS, help="JSONL with an 'abstract' field (%(default)s)"
    )
    args = parser.parse_args(argv)
    require(args.pairs)
    if args.abstracts:
        require(args.abstracts_file)
    with tempfile.TemporaryDirectory(prefix="digest-gloss-benchmark-") as temporary:
        if args.fresh_cache:
            os.environ["DIGEST_CACHE_DIR"] = temporary
        return measure(args)


def measure(args: argparse.Namespace) -> int:
    """The measurements, printed as they are made."""
    from jobs.engines.gloss import GlossEngine, shared_gloss_data

    sources, references = read_pairs(args.pairs)
    held_out, held_out_references = read_pairs(args.pairs, "en-zh")
    print(f"{len(sources)} Chinese-original and {len(held_out)} English-original sentences from {args.pairs}")
    engine = load(fresh_cache=args.fresh_cache)

    naive, cleaned = NaiveGloss(), NaiveGloss(cleaned=True)
    for label, chinese, english in (("zh-en", sources, references), ("en-zh", held_out, held_out_references)):
        note = "" if label == "zh-en" else "  (held out)"
        for name, gloss in (("naive first sense", naive.translate), ("naive first sense, cleaned", cleaned.translate)):
            print(f"{label}  {name + ':':27} {scores([gloss(s) for s in chinese], english)}{note}")
        print(f"{label}  {'gloss engine:':27} {scores(engine.translate_batch(chinese), english)}{note}")
    examples = zip(sources[: args.show], references, engine.translate_batch(sources[: args.show]), strict=False)
    for source, reference, glossed in examples:
        print(f"\nzh:    {source}\nref:   {reference}\nnaive: {naive.translate(source)}\ngloss: {glossed}")

    if args.abstracts:
        show_abstracts(engine, args.abstracts_file, args.abstracts)

    started = time.perf_counter()
    GlossEngine("zh", "en", shared_gloss_data()).translate_batch(sources)  # a new engine: no word remembered
    first_pass = len(sources) / (time.perf_counter() - started)
    rounds, elapsed = 0, 0.0
    started = time.perf_counter()
    while elapsed < args.seconds or rounds < 3:
        engine.translate_batch(sources)
        rounds += 1
        elapsed = time.perf_counter() - started
    speed = rounds * len(sources) / elapsed
    print(f"\nspeed: {speed:,.0f} sentences/s ({rounds} rounds of {len(sources)}), first pass {first_pass:,.0f}")
    return 0


def show_abstracts(engine: Any, path: Path, count: int) -> None:
    """Print the first `count` abstracts of a JSONL file, each sentence with its gloss."""
    from jobs.segment import split_sentences

    with open(path, encoding="utf-8") as lines:
        for line, _ in zip(lines, range(count), strict=False):
            sentences = split_sentences(json.loads(line)["abstract"], "zh")
            print()
            for sentence, glossed in zip(sentences, engine.translate_batch(sentences), strict=True):
                print(f"zh:    {sentence}\ngloss: {glossed}")


def load(fresh_cache: bool) -> Any:  # -> GlossEngine
    """Load the engine three times (first, from the disk cache, again in-process), printing each time."""
    from jobs.engines.base import EngineSettings
    from jobs.engines.gloss import GlossEngine, shared_gloss_data
    from jobs.settings import cache_dir

    seconds = []
    for forget in (False, True, False):
        if forget:
            shared_gloss_data.cache_clear()  # as a new process would: read the cache files just written
        started = time.perf_counter()
        engine = GlossEngine.load("zh", "en", EngineSettings())
        seconds.append(time.perf_counter() - started)
    print(f"engine: {engine.model}, cache in {cache_dir()}")
    state = "a cold build" if fresh_cache else "the existing cache, if any"
    print(
        f"load: first {seconds[0]:.2f} s ({state}), from the disk cache {seconds[1]:.2f} s, "
        f"again {seconds[2] * 1000:.2f} ms"
    )
    return engine


if __name__ == "__main__":
    sys.exit(main())
