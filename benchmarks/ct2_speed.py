"""What the whole `digest run --engine ct2` costs against raw CTranslate2 on the same model and texts.

    python benchmarks/ct2_speed.py [--abstracts 100] [--beam 2] [--threads 1] [--profile FILE]

On real CSL abstracts, with a CTranslate2 folder shaped like OPUS-MT's zh->en model (Marian:
random weights, 6+6 layers, d_model 512, feed-forward 2048, 8 heads, int8, SentencePiece models
trained on the sample export and the CSL abstracts; the end-of-sentence logit raised so that, like
a real model, it stops after about 1.3 times as many tokens as its source), added with `digest
models add`, it runs in one invocation, each in a fresh process:

- **run**: the whole job, `digest run --engine ct2 --model bench --no-cache` on the abstracts as
  one JSON lines batch: the process's CPU time from its start to its end (imports, model load,
  sentence splitting, keywords, summaries, translation, pages and all);
- **raw**: `Translator.translate_batch` over the very texts the run sent to the model (each
  record's sentences and keywords, read back from the run's output), tokenized beforehand, in the
  same length bands with the same settings: the model calls' CPU time alone, the floor.

The figure is run CPU / raw CPU (issue 24's goal: within 1.10x); wall-clock seconds are beside it.
Both use one CPU thread by default (`--threads`): with several, CTranslate2's threads spin while
they wait for each other, and on a shared machine that spinning, not work, fills the CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.argos_speed import BASE_SHAPE, banded, decoding_limit, load_abstracts  # noqa: E402

MODEL = "bench"


def build_model(models_dir: Path, scratch: Path) -> None:
    """Build the OPUS-MT-shaped folder and add it to `models_dir` as `bench`."""
    from jobs.engines.ct2.models import add_model
    from tests.ct2_models import build_ct2_model

    folder = build_ct2_model(
        scratch / "opus-mt-zh-en-bench",
        "opus-mt",
        layers=6,
        chinese=load_abstracts(1000),
        **BASE_SHAPE,
    )
    add_model(folder, models_dir, MODEL)


def cpu_seconds() -> float:
    """This process's CPU time since it started (every thread, user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def whole_run(models_dir: Path, folder: Path, count: int, beam: int, threads: int) -> dict[str, float]:
    """`digest run --engine ct2` on the abstracts; the process's CPU time from its start."""
    start = time.perf_counter()
    from jobs.cli import cli

    (folder / "input").mkdir()
    lines = (
        json.dumps({"id": str(n), "abstract": text}, ensure_ascii=False) for n, text in enumerate(load_abstracts(count))
    )
    (folder / "input" / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    arguments = ["run", str(folder / "input"), "--output-dir", str(folder / "output"), "--engine", "ct2", "-q"]
    arguments += ["--model", MODEL, "--models-dir", str(models_dir), "--beam-size", str(beam), "--no-cache"]
    arguments += ["--threads", str(threads)]
    try:
        cli.main(arguments, standalone_mode=False)
    except SystemExit as end:  # the command ends with the run's exit code
        if end.code:
            raise
    return {"seconds": time.perf_counter() - start, "cpu_seconds": cpu_seconds()}


def raw(models_dir: Path, folder: Path, beam: int, threads: int) -> dict[str, float]:
    """The model calls alone, over the texts the run translated (read from its output), as digest bands them."""
    from jobs.engines.base import EngineSettings
    from jobs.engines.ct2.engine import Ct2Engine
    from jobs.engines.neural import MAX_BATCH_TOKENS
    from jobs.translators import has_words

    records = [json.loads(line) for line in (folder / "output" / "csl.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [s["zh"] for r in records for s in r["sentences"]] + [
        k for r in records for k in (r["keywords"] or {}).get("zh") or []
    ]
    texts = list(dict.fromkeys(text for text in texts if has_words(text, "zh")))
    sentences = len({s["zh"] for r in records for s in r["sentences"] if has_words(s["zh"], "zh")})
    engine = Ct2Engine.load(
        "zh", "en", EngineSettings(models_dir=models_dir, options={"model": MODEL, "threads": threads})
    )
    encoded = list(enumerate(engine.tokens.encode(texts)))
    start, cpu = time.perf_counter(), cpu_seconds()
    for band in banded(encoded):
        engine.translator.translate_batch(
            [tokens for _, tokens in band],
            beam_size=beam,
            batch_type="tokens",
            max_batch_size=MAX_BATCH_TOKENS,
            max_decoding_length=decoding_limit(band),
            replace_unknowns=True,
        )
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": cpu_seconds() - cpu,
        "texts": len(texts),
        "sentences": sentences,
    }


def child(variant: str, models_dir: Path, folder: Path, args: argparse.Namespace, profile: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--variant", variant, "--models-dir", str(models_dir), "--folder", str(folder)]
    command += ["--abstracts", str(args.abstracts), "--beam", str(args.beam), "--threads", str(args.threads)]
    if profile is not None:
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode:
        raise SystemExit(f"{variant} failed:\n{done.stderr}")
    result: dict = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=100, help="how many CSL abstracts (%(default)s)")
    parser.add_argument("--beam", type=int, default=2, help="beam size (digest's default: %(default)s)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of the model (%(default)s; 0: all)")
    parser.add_argument("--profile", type=Path, help="also write a cProfile of the whole run to this file")
    parser.add_argument("--variant", choices=("run", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--models-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant == "run":
        print(json.dumps(whole_run(args.models_dir, args.folder, args.abstracts, args.beam, args.threads)))
        return
    if args.variant == "raw":
        print(json.dumps(raw(args.models_dir, args.folder, args.beam, args.threads)))
        return

    with tempfile.TemporaryDirectory() as scratch:
        models_dir, folder = Path(scratch) / "lang_models", Path(scratch) / "job"
        folder.mkdir()
        build_model(models_dir, Path(scratch))
        run = child("run", models_dir, folder, args)
        floor = child("raw", models_dir, folder, args)
        if args.profile:
            profiled = Path(scratch) / "profiled"
            profiled.mkdir()
            child("run", models_dir, profiled, args, args.profile)
    print(
        f"{args.abstracts} abstracts: {floor['texts']} distinct texts translated ({floor['sentences']} sentences, "
        f"the rest keywords), beam {args.beam}, {args.threads or 'all'} model thread(s), {os.cpu_count()} CPUs"
    )
    print("| path | seconds | CPU seconds |\n|---|---|---|")
    print(f"| digest run --engine ct2 (whole job) | {run['seconds']:.1f} | {run['cpu_seconds']:.1f} |")
    print(f"| raw CTranslate2 translate_batch | {floor['seconds']:.1f} | {floor['cpu_seconds']:.1f} |")
    print(
        f"whole run / raw: {run['cpu_seconds'] / floor['cpu_seconds']:.2f}x CPU, {run['seconds'] / floor['seconds']:.2f}x wall"
    )


if __name__ == "__main__":
    main()
