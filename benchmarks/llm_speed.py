"""How close the whole `digest run --engine llm` comes to raw CTranslate2 generation on the same model and prompts.

    python benchmarks/llm_speed.py [--abstracts 20] [--threads 1] [--hidden 512 --layers 4]

The model is shaped like a converted Qwen2 instruction model (`tests/llm_model.py`: grouped-query
attention, SwiGLU, RMS norm, rotary embeddings, int8), with random weights and a byte-level BPE
tokenizer trained on the CSL abstracts. In one invocation, each path in a fresh process of its own:

- the whole run: `python -m jobs run --engine llm --no-cache` over the first N CSL abstracts as one
  JSONL batch: reading, segmenting, the chat template, tokenizing, generating, reading the numbered
  answers and repairing those that do not match, keywords, summaries, writing the outputs;
- raw CTranslate2: `Generator.generate_batch` called exactly as the run calls it, with the same
  prompts (as tokens), the same bounds and settings, in the same calls: a process that ran digest
  once beforehand, its generator wrapped to write down every call, hands them over, and the timed
  process only loads the model and makes those calls.

A random model never numbers its lines, so the run asks for every document again sentence by
sentence (a real model seldom needs that); the raw path makes the same repair calls, so the two do
the same generation, and the ratio is what digest adds around it. The lead figure is CPU seconds
(user + system, the model's loading included on both sides), on as many threads as `--threads`;
the goal is within 1.10x.
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS, require  # noqa: E402

MODEL_NAME = "qwen-shaped-bench"


def csl_lines(count: int) -> list[str]:
    """The first `count` CSL abstracts, as JSONL lines (id, title, abstract, keywords)."""
    lines = [line for line in require(CSL_ABSTRACTS).read_text(encoding="utf-8").split("\n") if line.strip()]
    return lines[:count]


def build_model(models_dir: Path, args: argparse.Namespace) -> None:
    """Build the benchmark model (see the module's docstring) and install it as `digest models add` does."""
    from jobs.engines.base import EngineSettings
    from jobs.engines.llm.engine import LlmEngine
    from jobs.engines.llm.prompt import SYSTEM_PROMPTS
    from tests.llm_model import build_llm_folder

    rows = [json.loads(line) for line in csl_lines(1000)]
    text = "\n".join(f"{row['title']}\n{row['abstract']}\n{' '.join(row['keywords'])}" for row in rows)
    folder = build_llm_folder(
        models_dir.parent / MODEL_NAME,
        training_text=text + "\n" + "\n".join(SYSTEM_PROMPTS.values()),
        vocab_size=8000,
        layers=args.layers,
        hidden=args.hidden,
        heads=args.hidden // 64,
        kv_heads=2,
        ffn=args.hidden * 3,
    )
    LlmEngine.install(folder, EngineSettings(models_dir=models_dir))


def run_arguments(folder: Path, models_dir: Path, threads: int) -> list[str]:
    """`digest run`'s arguments for the benchmark batch in `folder`."""
    return [
        "run",
        str(folder / "input"),
        "--output-dir",
        str(folder / "output"),
        "--engine",
        "llm",
        "--models-dir",
        str(models_dir),
        "--threads",
        str(threads),
        "--device",
        "cpu",
        "--no-cache",
        "-q",
    ]


def write_batch(folder: Path, count: int) -> None:
    (folder / "input").mkdir(parents=True)
    (folder / "input" / "csl.jsonl").write_text("\n".join(csl_lines(count)) + "\n", encoding="utf-8")


class RecordingGenerator:
    """The run's `ctranslate2.Generator`, writing down every `generate_batch` call it is given."""

    def __init__(self, generator: Any, calls: list[dict[str, Any]]) -> None:
        self.generator = generator
        self.calls = calls

    def generate_batch(self, prompts: list[list[str]], **options: Any) -> Any:
        results = self.generator.generate_batch(prompts, **options)
        generated = sum(len(result.sequences_ids[0]) for result in results)
        self.calls.append({"prompts": prompts, "options": options, "generated": generated})
        return results


def record_calls(folder: Path, models_dir: Path, threads: int, calls_file: Path) -> None:
    """Run digest in this process with its generator wrapped; write the calls it made to `calls_file`."""
    from jobs.cli import cli
    from jobs.engines.llm.engine import LlmEngine

    calls: list[dict[str, Any]] = []
    load = LlmEngine.load_generator

    def recording(engine: LlmEngine) -> None:
        load(engine)
        engine.generator = RecordingGenerator(engine.generator, calls)

    LlmEngine.load_generator = recording  # type: ignore[method-assign]
    try:
        cli.main(run_arguments(folder, models_dir, threads), standalone_mode=False)
    except SystemExit as end:
        if end.code:
            raise
    calls_file.write_text(json.dumps(calls), encoding="utf-8")


def replay_calls(models_dir: Path, threads: int, calls_file: Path) -> dict[str, float]:
    """Load the model and make the recorded calls (this process's CPU time from its start is the figure)."""
    import ctranslate2

    calls = json.loads(calls_file.read_text(encoding="utf-8"))
    generator = ctranslate2.Generator(
        str(models_dir / "llm" / MODEL_NAME), device="cpu", compute_type="int8", inter_threads=1, intra_threads=threads
    )
    generated = 0
    for call in calls:
        results = generator.generate_batch(call["prompts"], **call["options"])
        generated += sum(len(result.sequences_ids[0]) for result in results)
    if generated != sum(call["generated"] for call in calls):
        raise SystemExit(f"the replay generated {generated} tokens, the run {sum(call['generated'] for call in calls)}")
    return {"generated": generated}


def timed(command: list[str]) -> dict[str, float]:
    """Run `command`; its wall and CPU seconds (its children's too)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}... failed:\n{completed.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": wall, "cpu_seconds": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=512, help="the model's width (heads of 64)")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; the least CPU time counts")
    parser.add_argument("--replay", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--models-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        print(json.dumps(replay_calls(args.models_dir, args.threads, args.replay)))
        return

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        os.environ["DIGEST_CACHE_DIR"] = str(root / "cache")
        models_dir = root / "models"
        start = time.perf_counter()
        build_model(models_dir, args)
        print(
            f"benchmark model ({args.layers} layers, hidden {args.hidden}, {args.hidden // 64} heads, 2 key/value "
            f"heads, feed-forward {args.hidden * 3}, vocabulary 8000, int8) built in {time.perf_counter() - start:.1f} s"
        )
        write_batch(root / "recorded", args.abstracts)
        calls_file = root / "calls.json"
        record_calls(root / "recorded", models_dir, args.threads, calls_file)
        calls = json.loads(calls_file.read_text(encoding="utf-8"))
        prompts = sum(len(call["prompts"]) for call in calls)
        generated = sum(call["generated"] for call in calls)
        print(
            f"{args.abstracts} CSL abstracts: {len(calls)} generate_batch calls, {prompts} prompts, "
            f"{generated} tokens generated; {os.cpu_count()} CPU cores, {args.threads} thread(s)\n"
        )
        results: dict[str, list[dict[str, float]]] = {"run": [], "raw": []}
        for attempt in range(args.repeat):
            folder = root / f"run-{attempt}"
            write_batch(folder, args.abstracts)
            results["run"].append(
                timed([sys.executable, "-m", "jobs", *run_arguments(folder, models_dir, args.threads)])
            )
            replay = [sys.executable, __file__, "--replay", str(calls_file), "--models-dir", str(models_dir)]
            results["raw"].append(timed([*replay, "--threads", str(args.threads)]))
        labels = {"run": "the whole `digest run --engine llm`", "raw": "raw `Generator.generate_batch`, the same calls"}
        best = {path: min(runs, key=lambda figures: figures["cpu_seconds"]) for path, runs in results.items()}
        print("| path | CPU seconds (least of runs) | seconds | tokens generated per CPU second |")
        print("|---|---|---|---|")
        for path, figures in best.items():
            print(
                f"| {labels[path]} | {figures['cpu_seconds']:.2f} | {figures['seconds']:.2f} "
                f"| {generated / figures['cpu_seconds']:.0f} |"
            )
        ratio = best["run"]["cpu_seconds"] / best["raw"]["cpu_seconds"]
        every = ", ".join(f"{run['cpu_seconds']:.2f}/{raw['cpu_seconds']:.2f}" for run, raw in zip(*results.values()))
        print(f"\nthe whole run takes {ratio:.2f}x raw generation's CPU time (goal: 1.10x); every run/raw: {every}")


if __name__ == "__main__":
    main()
