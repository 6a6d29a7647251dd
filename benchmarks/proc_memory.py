"""Peak memory that is a process's own: `VmHWM` from /proc, read inside the process or polled from outside.

Never `ru_maxrss` of a child: on Linux a process started from a big parent keeps the parent's
high-water mark across fork and exec, so every child of a 900 MB parent reports at least 900 MB.
`VmHWM` belongs to the process's own address space, which exec replaces. Linux only.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def status_kb(pid: int | str, name: str) -> int | None:
    """A `kB` field (`VmHWM`, `VmRSS`) of /proc/PID/status; None once the process is gone (or a zombie)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def own_peak_mb() -> float:
    """This process's peak resident memory so far, in MB (its own `VmHWM`)."""
    peak = status_kb("self", "VmHWM")
    if peak is None:
        raise SystemExit("peak memory needs Linux's /proc/self/status (VmHWM)")
    return peak / 1024


def _descendants(root: int) -> list[int]:
    """`root`'s children, their children and so on, found through every process's parent in /proc."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) may hold spaces and parentheses: the parent id follows its last ')'.
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    waiting = list(children.get(root, []))
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, []))
    return found


def _name(pid: int) -> str:
    """What a process calls itself: Ray's workers set theirs (`ray::ChunkWorker`); Python ones by script or module."""
    try:
        words = [word.decode(errors="replace") for word in (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")]
    except OSError:
        return ""
    words = [word for word in words if word]
    if not words:
        return ""
    if " " in words[0] and len(words) == 1:  # a title set with setproctitle, e.g. "ray::ChunkWorker.process"
        return words[0].split()[0]
    program = words[0].rsplit("/", 1)[-1]
    if program.startswith("python"):
        arguments = iter(words[1:])
        for word in arguments:  # the script, or the module after -m, past flags such as -u
            if word == "-m":
                return f"{program} -m {next(arguments, '')}"
            if word == "-c":
                return f"{program} -c"
            if not word.startswith("-"):
                return f"{program} {word.rsplit('/', 1)[-1]}"
    return program


@dataclass
class ProcessPeak:
    """One process of a watched tree: what it is called, its last seen `VmHWM`, and when it first appeared."""

    pid: int
    name: str
    peak_kb: int
    first_seen_s: float


@dataclass
class Watched:
    """A command run under `watch`: its exit status, wall time, CPU time and every process's own peak."""

    pid: int
    returncode: int
    seconds: float
    #: User plus system CPU seconds of the command and the descendants it waited for (from wait4).
    cpu_seconds: float = 0.0
    processes: dict[int, ProcessPeak] = field(default_factory=dict)
    #: The largest sum of the tree's resident memory seen at one poll (all processes at once).
    peak_together_kb: int = 0

    @property
    def root(self) -> ProcessPeak:
        return self.processes.get(self.pid) or ProcessPeak(self.pid, "", 0, 0.0)

    @property
    def peak_sum_mb(self) -> float:
        """The sum of every process's own peak (the command and all its descendants), in MB."""
        return sum(process.peak_kb for process in self.processes.values()) / 1024


def watch(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    children: bool = True,
    interval: float = 0.05,
    stdout: int | None = subprocess.DEVNULL,
    stderr: int | None = None,
    cwd: Path | None = None,
) -> Watched:
    """Run `command`, polling its own `VmHWM` (and each descendant's) until it exits.

    The last poll falls at most `interval` seconds before the exit, so growth in that last moment
    can be missed; `VmHWM` never goes down, so everything before it counts.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, env=None if env is None else dict(env), stdout=stdout, stderr=stderr, cwd=cwd)
    watched = Watched(pid=process.pid, returncode=0, seconds=0.0)
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            pids = [process.pid] + (_descendants(process.pid) if children else [])
            together = 0
            for pid in pids:
                peak = status_kb(pid, "VmHWM")
                if peak is None:
                    continue
                together += status_kb(pid, "VmRSS") or 0
                name = _name(pid)  # read each time: a Ray worker names itself once it has started
                seen = watched.processes.get(pid)
                if seen is None:
                    watched.processes[pid] = ProcessPeak(pid, name, peak, time.perf_counter() - start)
                else:
                    seen.peak_kb = max(seen.peak_kb, peak)
                    seen.name = name or seen.name
            watched.peak_together_kb = max(watched.peak_together_kb, together)
            done.wait(interval)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        # wait4, not process.wait(): it also gives the command's own CPU time, whatever else this process runs.
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:  # interrupted (Ctrl-C, a timeout's SIGTERM): the command must not outlive us
        process.kill()
        process.wait()
        raise
    process.returncode = watched.returncode = os.waitstatus_to_exitcode(status)
    watched.cpu_seconds = usage.ru_utime + usage.ru_stime
    watched.seconds = time.perf_counter() - start
    done.set()
    poller.join()
    return watched


def environment(**changes: str | None) -> dict[str, str]:
    """This process's environment with `changes` applied (None removes a variable)."""
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env
