"""Ray against the local executor, and a whole run's peak memory as batches grow.

    python benchmarks/scale.py [--abstracts 1000] [--rounds 2] [--sizes 1000,10000,30000]
                               [--skip-ray] [--skip-memory]

In one run on this machine, each `digest run` in a fresh process with a fresh output folder and
`--no-cache`, after one small unmeasured run that builds digest's dictionary caches (as a
machine's first run does, slower and bigger than any later one):

- Ray against local: the first `--abstracts` CSL abstracts (tests/data) as one JSON-lines batch,
  translated by the base-shaped Argos package of `argos_speed.py` (random weights, 6+6 layers,
  d_model 512, int8), under `--executor local` and `--executor ray --workers 2` (a local Ray
  instance started by the run), taken in turn `--rounds` times (local, ray, local, ray) since a
  shared machine's speed drifts. The run hands Ray chunks of 256 records, so below 257 abstracts
  one worker does all the work (the table's heading says how many chunks there were). It prints each run's wall time, the ratio of Ray to local, and
  whether every run's batch JSONL is byte for byte the first local run's; for Ray also when its
  first worker process appeared and each Ray process's own peak memory.
- Memory: a whole `digest run --engine gloss` (the gloss engine, to keep it quick) over batches
  of each of `--sizes` abstracts. Batches over 1,000 repeat the CSL abstracts with distinct ids
  (`csl-dev-0`, ..., then `csl-dev-0~1`, ...), so they hold repeated texts. Peak memory is the
  run's own `VmHWM` polled from outside (`/proc/PID/status`), summed with its descendants' (the
  local executor has none).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.argos_speed import build_model  # noqa: E402
from benchmarks.data_files import CSL_ABSTRACTS, require  # noqa: E402
from benchmarks.proc_memory import Watched, environment, watch  # noqa: E402

BATCH = "csl"
RAY_WORKERS = 2


def write_batch(path: Path, count: int) -> None:
    """A JSON-lines batch of `count` CSL abstracts, repeated with distinct ids past the 1,000 there are."""
    lines = [line for line in require(CSL_ABSTRACTS).read_text(encoding="utf-8").split("\n") if line.strip()]
    records = [json.loads(line) for line in lines]
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            record = dict(records[number % len(records)])
            round_ = number // len(records)
            if round_:
                record["id"] = f"{record['id']}~{round_}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def digest_run(inputs: Path, output: Path, scratch: Path, *options: str) -> Watched:
    """One `digest run` of `inputs` into a fresh `output`, in its own process, watched."""
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-m", "jobs", "run", str(inputs), "-o", str(output), "--no-cache", "-q", *options]
    # A local Ray instance for the run, not a cluster the environment names; caches in the scratch folder.
    env = environment(RAY_ADDRESS=None, DIGEST_CACHE_DIR=str(scratch / "cache"))
    watched = watch(command, env=env)
    if watched.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {watched.returncode}")
    return watched


def warm_up(scratch: Path) -> None:
    """One small unmeasured run, so that every measured one finds digest's dictionary caches built.

    A first run on a machine builds them (jieba's, the gloss dictionary's) in the cache folder,
    which takes longer and more memory than any later run.
    """
    inputs = scratch / "warm-up-input"
    inputs.mkdir()
    write_batch(inputs / f"{BATCH}.jsonl", 20)
    watched = digest_run(inputs, scratch / "warm-up-output", scratch, "--engine", "gloss")
    print(f"warm-up run (builds the dictionary caches; not measured): {watched.seconds:.1f} s", flush=True)


def ray_against_local(scratch: Path, count: int, rounds: int) -> None:
    """Wall time of local and Ray runs of the Argos model, taken in turn, and whether their outputs agree."""
    models_dir = scratch / "models"
    models_dir.mkdir()
    start = time.perf_counter()
    build_model(models_dir)
    print(f"benchmark model (6+6 layers, d512, ff2048, 8 heads, int8) built in {time.perf_counter() - start:.1f} s")
    inputs = scratch / "ray-input"
    inputs.mkdir()
    write_batch(inputs / f"{BATCH}.jsonl", count)
    common = ("--engine", "argos", "--models-dir", str(models_dir))
    runs: list[tuple[str, Watched, bytes]] = []
    for number in range(rounds):
        for executor in ("local", "ray"):
            output = scratch / f"out-{executor}-{number}"
            extra = ("--executor", "ray", "--workers", str(RAY_WORKERS)) if executor == "ray" else ()
            watched = digest_run(inputs, output, scratch, *common, *extra)
            runs.append((executor, watched, (output / f"{BATCH}.jsonl").read_bytes()))
            print(f"  {executor}: {watched.seconds:.1f} s", flush=True)

    from jobs.options import RunOptions

    chunks = -(-count // RunOptions().chunk_records)
    print(
        f"\n{count} CSL abstracts ({chunks} chunk(s) of at most {RunOptions().chunk_records} records), "
        f"Argos base-shaped model, {os.cpu_count()} CPU cores, `--no-cache`\n"
    )
    if chunks < RAY_WORKERS:
        print(f"(fewer chunks than Ray workers: {RAY_WORKERS - chunks} of the {RAY_WORKERS} have nothing to do)\n")
    print("| run | executor | wall time (s) | ratio to the local run before it | peak memory, all processes (MB) |")
    print("|---|---|---|---|---|")
    local_seconds = 0.0
    for number, (executor, watched, _) in enumerate(runs, 1):
        if executor == "local":
            local_seconds = watched.seconds
        ratio = f"{watched.seconds / local_seconds:.2f}x" if executor == "ray" else ""
        print(f"| {number} | {executor} | {watched.seconds:.1f} | {ratio} | {watched.peak_sum_mb:.0f} |")
    mean = {executor: sum(w.seconds for e, w, _ in runs if e == executor) / rounds for executor in ("local", "ray")}
    ratio = mean["ray"] / mean["local"]
    print(f"\nmean wall time: Ray {mean['ray']:.1f} s, local {mean['local']:.1f} s: Ray takes {ratio:.2f}x")
    first = runs[0][2]
    same = all(output == first for _, _, output in runs)
    records = first.count(b"\n")
    print(
        f"batch JSONL of all {len(runs)} runs byte-identical: {'yes' if same else 'NO'} "
        f"({len(first):,} bytes, {records} records)"
    )
    for number, (executor, watched, _) in enumerate(runs, 1):
        if executor != "ray":
            continue
        workers = [p for p in watched.processes.values() if "ChunkWorker" in p.name]
        first_worker = min((p.first_seen_s for p in workers), default=float("nan"))
        print(f"\nRay run {number}: first worker process after {first_worker:.1f} s; each process's own peak (MB):")
        for process in sorted(watched.processes.values(), key=lambda p: -p.peak_kb):
            if process.peak_kb >= 20 * 1024:
                print(f"  {process.peak_kb / 1024:6.0f}  {process.name or '?'} (pid {process.pid})")
        print(
            f"  {watched.peak_sum_mb:6.0f}  all {len(watched.processes)} processes "
            f"(at one moment at most {watched.peak_together_kb / 1024:.0f})"
        )


def memory(scratch: Path, sizes: list[int]) -> None:
    """Peak memory of a whole gloss run over batches of each size."""
    results: list[tuple[int, Watched, int]] = []
    for size in sizes:
        inputs = scratch / f"memory-input-{size}"
        inputs.mkdir()
        write_batch(inputs / f"{BATCH}.jsonl", size)
        output = scratch / f"memory-out-{size}"
        watched = digest_run(inputs, output, scratch, "--engine", "gloss")
        pages = sum(path.stat().st_size for path in output.glob(f"{BATCH}*") if path.suffix != ".jsonl")
        results.append((size, watched, pages))
        print(f"  {size} abstracts: {watched.seconds:.1f} s, {watched.peak_sum_mb:.0f} MB", flush=True)
        shutil.rmtree(inputs)
        shutil.rmtree(output)

    print(f"\nwhole `digest run --engine gloss --no-cache` (local executor), {os.cpu_count()} CPU cores\n")
    print("| abstracts | peak memory (MB) | processes | wall time (s) | batch pages (MB) |")
    print("|---|---|---|---|---|")
    for size, watched, pages in results:
        print(
            f"| {size:,} | {watched.peak_sum_mb:.0f} | {len(watched.processes)} | {watched.seconds:.1f} "
            f"| {pages / 1e6:.1f} |"
        )
    if len(results) > 1:
        (small, low, _), (large, high, _) = results[0], results[-1]
        print(f"\npeak memory at {large:,} is {high.peak_sum_mb / low.peak_sum_mb:.2f}x that at {small:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=1000, help="abstracts for Ray against local")
    parser.add_argument("--rounds", type=int, default=2, help="local and Ray runs, taken in turn")
    parser.add_argument("--sizes", default="1000,10000,30000", help="batch sizes for memory, comma-separated")
    parser.add_argument("--skip-ray", action="store_true", help="measure memory only")
    parser.add_argument("--skip-memory", action="store_true", help="measure Ray against local only")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    # A SIGTERM (a timeout) ends this as an exception, so that the digest run it waits on is ended too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as folder:
        scratch = Path(folder)
        warm_up(scratch)
        if not args.skip_ray:
            ray_against_local(scratch, args.abstracts, args.rounds)
        if not args.skip_memory:
            memory(scratch, sizes)


if __name__ == "__main__":
    main()
