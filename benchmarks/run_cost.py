"""What a run costs in CPU time: one with nothing new, a gloss run of 1,000 abstracts against a baseline, long abstracts.

    python benchmarks/run_cost.py [--repeats 7] [--baseline main] [--rounds 3]
                                  [--sizes 100000,200000,400000,1000000]
                                  [--skip-noop] [--skip-throughput] [--skip-growth]

Every command runs in a process of its own, one after the other; CPU time is the process's own
user + system time (wait4), never wall time, since this machine's cores are shared. Peak memory is
the process's own `VmHWM` (benchmarks/proc_memory.py). Python's bytecode is cached in the scratch
folder (`PYTHONPYCACHEPREFIX`), as an installed digest has it, and an unmeasured first round builds
it and digest's dictionary caches. In one invocation:

- Nothing new: a project whose only batch (input/seed-cnki-export.txt) is done, so `digest run`
  finds nothing to do (the cron case), against `python -c pass` and `python -c "import jieba"`,
  taken in turn `--repeats` times; `digest --help` and `digest run --help` likewise. Goal (issue
  20): each within 1.5x the CPU time of `import jieba`, with a peak under 60 MB.
- Throughput: `digest run --engine gloss --no-cache` of the 1,000 CSL abstracts (tests/data) with
  this checkout and with `--baseline` (a git revision, checked out with `git worktree` into the
  scratch folder for the run, or the path of a checkout), taken in turn `--rounds` times. It prints
  abstracts per CPU second of each, the ratio (goal: 1.5x), and whether the two wrote the same
  records; where they differ, the records whose keywords differ.
- Growth: one abstract of each of `--sizes` characters, run whole with `--engine gloss`, on both
  checkouts. The abstracts are the CSL abstracts one after another, each round after the first
  numbered (（第2遍）...) so that no sentence repeats: digest translates each distinct sentence
  once, which would hide a step that grows faster than the text. Linear (or better) where the
  time for n times the text is at most n times the time of the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS, require  # noqa: E402
from benchmarks.proc_memory import Watched, environment, watch  # noqa: E402

SAMPLE = REPO / "input" / "seed-cnki-export.txt"
#: Issue 20's goals.
NOOP_CPU_RATIO = 1.5  # at most this times `python -c "import jieba"`
NOOP_PEAK_MB = 60
THROUGHPUT_RATIO = 1.5  # at least this times the baseline's abstracts per CPU second
#: How often a short command's peak memory is read (a no-op run lasts about 0.2 s).
SHORT_POLL = 0.005


class Checkout:
    """A digest checkout that commands run from, with caches of its own in the scratch folder."""

    def __init__(self, name: str, path: Path, scratch: Path) -> None:
        self.name = name
        self.path = path
        self.env = environment(
            PYTHONPATH=str(path),
            DIGEST_CACHE_DIR=str(scratch / f"cache-{name}"),
            PYTHONPYCACHEPREFIX=str(scratch / "pycache"),
            PYTHONDONTWRITEBYTECODE=None,
            RAY_ADDRESS=None,
        )

    def run(self, args: Sequence[str], cwd: Path, interval: float = 0.05) -> Watched:
        """`python -m jobs ARGS` from this checkout, watched; stops the benchmark if it fails."""
        return measure([sys.executable, "-m", "jobs", *args], self.env, cwd, interval)


def measure(command: Sequence[str], env: dict[str, str], cwd: Path, interval: float = 0.05) -> Watched:
    """Run `command` once, watched (CPU time and its own peak memory); stops the benchmark if it fails."""
    watched = watch(command, env=env, cwd=cwd, children=False, interval=interval, stderr=subprocess.DEVNULL)
    if watched.returncode != 0:
        raise SystemExit(f"{' '.join(command)} (in {cwd}) exited {watched.returncode}")
    return watched


def spread(values: Sequence[float], digits: int = 2) -> str:
    """The median, and the smallest and largest in brackets."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def verdict(holds: bool) -> str:
    return "holds" if holds else "DOES NOT HOLD"


def noop(checkout: Checkout, scratch: Path, repeats: int) -> None:
    """A run with nothing new, and the help, against `python -c pass` and `python -c "import jieba"`."""
    project = scratch / "noop"
    (project / "input").mkdir(parents=True)
    shutil.copy(SAMPLE, project / "input")
    checkout.run(["run", "-q"], project)  # the batch's first run: the rest find nothing new
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import jieba"': [sys.executable, "-c", "import jieba"],
        "digest run (nothing new)": [sys.executable, "-m", "jobs", "run", "-q"],
        "digest --help": [sys.executable, "-m", "jobs", "--help"],
        "digest run --help": [sys.executable, "-m", "jobs", "run", "--help"],
    }
    taken: dict[str, list[Watched]] = {name: [] for name in commands}
    for round_ in range(repeats + 1):  # the first round is not counted: it writes the bytecode caches
        for name, command in commands.items():
            watched = measure(command, checkout.env, project, SHORT_POLL)
            if round_:
                taken[name].append(watched)
    cpu = {name: [w.cpu_seconds for w in runs] for name, runs in taken.items()}
    peak = {name: [w.root.peak_kb / 1024 for w in runs] for name, runs in taken.items()}
    jieba = statistics.median(cpu['python -c "import jieba"'])
    print(f"\nA run with nothing new, {repeats} runs of each taken in turn, {os.cpu_count()} CPU cores\n")
    print("| command | CPU s, median (min-max) | peak MB, median (min-max) | CPU / `import jieba` |")
    print("|---|---|---|---|")
    for name in commands:
        ratio = statistics.median(cpu[name]) / jieba
        print(f"| {name} | {spread(cpu[name], 3)} | {spread(peak[name], 0)} | {ratio:.2f}x |")
    print()
    for name in ("digest run (nothing new)", "digest --help", "digest run --help"):
        ratio = statistics.median(cpu[name]) / jieba
        highest = max(peak[name])
        holds = ratio <= NOOP_CPU_RATIO and highest < NOOP_PEAK_MB
        print(
            f"goal for {name}: CPU {ratio:.2f}x `import jieba` (at most {NOOP_CPU_RATIO}x), "
            f"peak at most {highest:.0f} MB (under {NOOP_PEAK_MB}): {verdict(holds)}"
        )


def baseline_checkout(given: str, scratch: Path) -> tuple[Path, bool]:
    """The baseline's folder: `given` if it is one, else a worktree of the revision `given` (True: remove it after)."""
    if Path(given).is_dir():
        return Path(given).resolve(), False
    folder = scratch / "baseline"
    added = subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), given], capture_output=True, text=True
    )
    if added.returncode != 0:
        raise SystemExit(f"cannot check out the baseline {given!r}: {added.stderr.strip()}")
    revision = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    print(f"baseline {given} ({revision.stdout.strip()}) checked out in {folder}")
    return folder, True


def gloss_run(checkout: Checkout, inputs: Path, output: Path) -> Watched:
    return checkout.run(
        ["run", str(inputs), "--engine", "gloss", "--no-cache", "-q", "-o", str(output), "--force"], inputs
    )


def throughput(this: Checkout, baseline: Checkout, scratch: Path, rounds: int) -> None:
    """A gloss run of the 1,000 CSL abstracts on each checkout in turn; abstracts per CPU second, and their outputs."""
    inputs = scratch / "csl-input"
    inputs.mkdir()
    shutil.copy(require(CSL_ABSTRACTS), inputs / "csl.jsonl")
    abstracts = sum(1 for line in CSL_ABSTRACTS.read_text(encoding="utf-8").split("\n") if line.strip())
    sides = (baseline, this)
    for side in sides:  # builds each side's dictionary caches: a machine's first run, not measured
        gloss_run(side, inputs, scratch / f"out-{side.name}")
    taken: dict[str, list[Watched]] = {side.name: [] for side in sides}
    for _ in range(rounds):
        for side in sides:
            taken[side.name].append(gloss_run(side, inputs, scratch / f"out-{side.name}"))
            print(f"  {side.name}: {taken[side.name][-1].cpu_seconds:.2f} CPU s", flush=True)
    rate = {name: [abstracts / w.cpu_seconds for w in runs] for name, runs in taken.items()}
    print(f"\n`digest run --engine gloss --no-cache` of {abstracts} CSL abstracts, {rounds} runs each taken in turn\n")
    print("| checkout | CPU s, median (min-max) | abstracts per CPU s, median (min-max) | peak MB, median |")
    print("|---|---|---|---|")
    for side in sides:
        runs = taken[side.name]
        peaks = statistics.median(w.root.peak_kb / 1024 for w in runs)
        cpu = spread([w.cpu_seconds for w in runs])
        print(f"| {side.name} ({side.path}) | {cpu} | {spread(rate[side.name], 0)} | {peaks:.0f} |")
    pairs = [new / old for new, old in zip(rate[this.name], rate[baseline.name])]
    ratio = statistics.median(pairs)
    print(
        f"\n{this.name} / {baseline.name}: {ratio:.2f}x the abstracts per CPU second (median of the "
        f"{rounds} pairs, {min(pairs):.2f}-{max(pairs):.2f}); goal at least {THROUGHPUT_RATIO}x: "
        f"{verdict(ratio >= THROUGHPUT_RATIO)}"
    )
    compare_records(scratch / f"out-{baseline.name}" / "csl.jsonl", scratch / f"out-{this.name}" / "csl.jsonl")


def compare_records(old: Path, new: Path) -> None:
    """Whether two runs wrote the same records; if not, how many differ and the keywords that changed."""
    old_bytes, new_bytes = old.read_bytes(), new.read_bytes()
    if old_bytes == new_bytes:
        records = new_bytes.count(b"\n")
        print(f"records byte-identical: yes ({len(new_bytes):,} bytes, {records} records)")
        return
    olds = [json.loads(line) for line in old_bytes.decode("utf-8").split("\n") if line.strip()]
    news = [json.loads(line) for line in new_bytes.decode("utf-8").split("\n") if line.strip()]
    differ = [(a, b) for a, b in zip(olds, news) if a != b]
    keywords = [(a, b) for a, b in differ if a.get("keywords") != b.get("keywords")]
    print(
        f"records byte-identical: NO ({len(differ)} of {len(news)} records differ, "
        f"{len(keywords)} of them in their keywords)"
    )
    for a, b in keywords[:20]:
        print(f"  {a['id']}: {a['keywords']} -> {b['keywords']}")


def long_abstract(size: int, records: list[dict]) -> str:
    """`size` characters of CSL abstracts one after another, each round after the first numbered."""
    parts: list[str] = []
    length = 0
    number = 0
    while length < size:
        round_ = number // len(records)
        text = (f"（第{round_ + 1}遍）" if round_ else "") + records[number % len(records)]["abstract"]
        parts.append(text)
        length += len(text)
        number += 1
    return "".join(parts)[:size]


def growth(checkouts: Sequence[Checkout], scratch: Path, sizes: Sequence[int]) -> None:
    """A whole gloss run of one abstract of each size, on each checkout: CPU time as the text grows."""
    records = [json.loads(line) for line in require(CSL_ABSTRACTS).read_text(encoding="utf-8").split("\n") if line]
    times: dict[str, list[float]] = {checkout.name: [] for checkout in checkouts}
    for size in sizes:
        inputs = scratch / f"long-{size}"
        inputs.mkdir()
        record = {"id": f"long-{size}", "title": "长摘要", "abstract": long_abstract(size, records)}
        (inputs / "long.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        for checkout in checkouts:
            watched = gloss_run(checkout, inputs, scratch / f"long-out-{checkout.name}")
            times[checkout.name].append(watched.cpu_seconds)
            print(f"  {checkout.name}, {size:,} characters: {watched.cpu_seconds:.2f} CPU s", flush=True)
        shutil.rmtree(inputs)
    print("\nOne abstract, whole `digest run --engine gloss --no-cache`, CPU seconds\n")
    print("| characters | " + " | ".join(checkout.name for checkout in checkouts) + " |")
    print("|---|" + "---|" * len(checkouts))
    for index, size in enumerate(sizes):
        print(f"| {size:,} | " + " | ".join(f"{times[c.name][index]:.2f}" for c in checkouts) + " |")
    for checkout in checkouts:
        first, last = times[checkout.name][0], times[checkout.name][-1]
        grown, scale = last / first, sizes[-1] / sizes[0]
        print(
            f"{checkout.name}: {scale:.0f}x the text takes {grown:.1f}x the CPU time: "
            f"{'linear or better' if grown <= scale else 'FASTER THAN LINEAR GROWTH'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each short command")
    parser.add_argument("--baseline", default="main", help="git revision or checkout folder to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="gloss runs of each checkout, taken in turn")
    parser.add_argument("--sizes", default="100000,200000,400000,1000000", help="abstract lengths for growth")
    parser.add_argument("--skip-noop", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-growth", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    # A SIGTERM (a timeout) ends this as an exception, so that the run it waits on ends too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="digest-run-cost-") as folder:
        scratch = Path(folder)
        this = Checkout("this", REPO, scratch)
        if not args.skip_noop:
            noop(this, scratch, args.repeats)
        if args.skip_throughput and args.skip_growth:
            return
        path, added = baseline_checkout(args.baseline, scratch)
        try:
            baseline = Checkout("baseline", path, scratch)
            if not args.skip_throughput:
                throughput(this, baseline, scratch, args.rounds)
            if not args.skip_growth:
                growth((baseline, this), scratch, sizes)
        finally:
            if added:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], check=False)


if __name__ == "__main__":
    main()
