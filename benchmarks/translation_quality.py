"""Score any installed engine and model on a zh->en test set: chrF and BLEU against human references.

    python benchmarks/translation_quality.py --engine ct2 --model NAME [--models-dir DIR]
        [--pairs PATH] [--device auto|cpu|cuda] [--beam-size N] [--show N]

By default the test set is the WMT18 Biomedical Medline pairs the gloss benchmark scores
(`benchmarks/gloss_quality.py`): its Chinese originals (`direction == "zh-en"`) and, apart, its
English originals (`en-zh`, whose Chinese is a translation), each translated zh->en and scored by
sacrebleu (`pip install -e .[bench]`). That file is not in the repository (research-use test
data): it lies in `../shared/data/` on the project's machines; elsewhere, or for a test set of your
own, pass `--pairs`: JSON lines with `zh` and `en` (a `direction` field splits it into its halves,
as the Medline file does). The engine runs as `digest run` loads it, with the same options, so
engines and models compare on one machine: for example the gloss, an Argos package and each
CTranslate2 model installed. Sentences per second are beside the scores (one call over all
sentences, after the model is loaded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.data_files import MEDLINE_PAIRS, require  # noqa: E402
from benchmarks.gloss_quality import scores  # noqa: E402


def read_sets(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """The test set's Chinese sentences and English references, by direction (`all` when the file has none)."""
    sets: dict[str, tuple[list[str], list[str]]] = {}
    # Split on "\n" only: a record may hold a U+2029, which splitlines() would break apart.
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            zh, en = record["zh"], record["en"]
        except (ValueError, KeyError, TypeError):
            raise SystemExit(f"{path}, line {number}: not a JSON object with 'zh' and 'en'") from None
        sources, references = sets.setdefault(str(record.get("direction") or "all"), ([], []))
        sources.append(zh)
        references.append(en)
    if not sets:
        raise SystemExit(f"{path}: no pairs")
    return sets


def load_engine(args: argparse.Namespace) -> object:
    """The engine `digest run --engine E --model M` would use for zh->en, loaded."""
    from jobs import engines
    from jobs.engines.base import EngineSettings
    from jobs.errors import DigestError
    from jobs.settings import default_models_dir

    options = {"device": args.device, "beam_size": args.beam_size} | ({"model": args.model} if args.model else {})
    names = {option.name for option in engines.engine_class(args.engine).options} if args.engine != "auto" else set()
    settings = EngineSettings(
        models_dir=args.models_dir or default_models_dir(),
        options={name: value for name, value in options.items() if args.engine == "auto" or name in names},
    )
    try:
        engine = engines.select_engine(args.engine, "zh", "en", settings, warn=lambda message: print(message))
    except DigestError as error:
        raise SystemExit(str(error)) from None
    if engine is None:
        raise SystemExit(engines.engine_class(args.engine).unavailable_message("zh", "en", settings))
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engine", default="auto", help="an engine of `digest run --engine` (%(default)s)")
    parser.add_argument("--model", default="", help="the model's name in `digest models list` (engines with several)")
    parser.add_argument("--models-dir", type=Path, help="installed models (default: as digest run)")
    parser.add_argument("--pairs", type=Path, default=MEDLINE_PAIRS, help="JSON lines of zh/en pairs (%(default)s)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--beam-size", type=int, default=2)
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N sentences with their translations")
    args = parser.parse_args()
    sets = read_sets(require(args.pairs))
    engine = load_engine(args)
    print(f"{engine.name} {engine.model} on {args.pairs}")  # type: ignore[attr-defined]
    for direction, (sources, references) in sets.items():
        start = time.perf_counter()
        hypotheses = engine.translate_batch(sources)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - start
        what = {"zh-en": "Chinese originals", "en-zh": "English originals"}.get(direction, "pairs")
        print(f"{what} ({len(sources)}): {scores(hypotheses, references)}  {len(sources) / seconds:7.1f} sentences/s")
        for source, hypothesis, reference in list(zip(sources, hypotheses, references))[: args.show]:
            print(f"  zh  {source}\n  mt  {hypothesis}\n  ref {reference}")


if __name__ == "__main__":
    main()
