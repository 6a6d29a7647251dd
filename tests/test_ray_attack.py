"""`--executor ray` against clusters that misbehave: nothing at the address, something that is not Ray, a token.

The first tests start no Ray at all: a cron run given a bad address must stop at once with a
usage error, not sit for many minutes in Ray's retries writing Ray's warnings to stderr.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import SAMPLE_EXPORT, import_component

import_component("ray", "Ray is not installed (pip install -e '.[ray]'): the ray executor's tests need it")

from .test_ray import descendants


def digest(*args: str, cwd: Path, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` as cron starts it, with `env` as its whole environment."""
    return subprocess.run(
        [sys.executable, "-m", "jobs", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def cron_env(tmp_path: Path, **changes: str) -> dict[str, str]:
    """The test's environment without Ray settings an earlier test's Ray left in it, plus `changes`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    env["DIGEST_MODELS_DIR"] = str(tmp_path / "models")
    return {**env, **changes}


def inputs_in(tmp_path: Path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / SAMPLE_EXPORT.name).write_bytes(SAMPLE_EXPORT.read_bytes())
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def not_ray() -> Iterator[int]:
    """A port on every interface where a web server answers, as on a wrong port of the head node."""
    server = socket.socket()
    server.bind(("", 0))
    server.listen()
    stop = threading.Event()

    def answer() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    connection.recv(1024)
                    connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        server.close()


def test_an_address_where_no_cluster_listens_stops_the_run_at_once(tmp_path: Path) -> None:
    inputs_in(tmp_path)
    port = free_port()
    # Without the check, ray.init retries for many minutes: the timeout fails the test.
    done = digest("run", "input", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}", cwd=tmp_path,
                  env=cron_env(tmp_path), timeout=90)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"digest: error: --executor ray: cannot join the Ray cluster at 127.0.0.1:{port}: Connection refused\n"
    )
    # RAY_ADDRESS, as Ray itself reads it, is checked the same way.
    done = digest("run", "input", "--executor", "ray", cwd=tmp_path, timeout=90,
                  env=cron_env(tmp_path, RAY_ADDRESS=f"127.0.0.1:{port}"))  # fmt: skip
    assert done.returncode == 2 and "cannot join the Ray cluster" in done.stderr, done.stderr
    assert not (tmp_path / "output").exists()  # a usage error leaves nothing behind, not even the folder


def test_an_address_where_something_else_answers_is_not_taken_for_ray(tmp_path: Path, not_ray: int) -> None:
    inputs_in(tmp_path)
    done = digest("run", "input", "--executor", "ray", "--ray-address", f"127.0.0.1:{not_ray}", cwd=tmp_path,
                  env=cron_env(tmp_path), timeout=90)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "something answers there, but not a Ray cluster" in done.stderr
    assert done.stderr.count("\n") == 1  # one line, none of Ray's own


def test_ray_address_in_the_environment_does_not_touch_the_local_executor(tmp_path: Path) -> None:
    inputs_in(tmp_path)
    env = cron_env(tmp_path, RAY_ADDRESS=f"127.0.0.1:{free_port()}")
    done = digest("run", "input", "-q", "--engine", "gloss", "--no-cache", cwd=tmp_path, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def ray_processes_of(temp_dir: str) -> set[int]:
    """The processes of the Ray instance whose temporary folder is `temp_dir`, and all below them.

    Ray's agents rename themselves (`ray::DashboardAgent`), so they are found as the raylet's children.
    """
    found: set[int] = set()
    children: dict[int, list[int]] = {}
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if temp_dir.encode() in (process / "cmdline").read_bytes():
                found.add(int(process.name))
            parent = int((process / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(process.name))
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.mark.slow
def test_a_head_started_with_ray_start_and_a_token_is_joined(tmp_path: Path) -> None:
    """The commands of docs/cluster.md: `ray start --head` turns token authentication on when this machine has a token."""
    inputs_in(tmp_path)
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text("a" * 32)  # left by any earlier local Ray instance
    env = cron_env(tmp_path, HOME=str(home), RAY_USAGE_STATS_ENABLED="0")
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="rayt", dir="/tmp")  # Ray's socket paths must stay short
    ray_cli = str(Path(sys.executable).with_name("ray"))
    started = subprocess.run(
        [ray_cli, "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
         f"--temp-dir={temp_dir}"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    try:
        assert started.returncode == 0, started.stderr
        local = digest("run", "input", "-o", "local", "--engine", "gloss", "--no-cache", cwd=tmp_path, env=env)
        joined = digest("run", "input", "-q", "-o", "joined", "--engine", "gloss", "--no-cache", "--executor", "ray",
                        "--ray-address", f"127.0.0.1:{port}", cwd=tmp_path, env=env, timeout=300)  # fmt: skip
    finally:
        for pid in ray_processes_of(temp_dir):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
    assert local.returncode == 0, local.stderr
    assert joined.returncode == 0, joined.stderr[-2000:]
    assert joined.stderr == ""
    name = f"{SAMPLE_EXPORT.stem}.jsonl"
    assert (tmp_path / "joined" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


@pytest.mark.slow
def test_without_an_address_the_run_starts_its_own_ray_not_the_last_ray_start(tmp_path: Path) -> None:
    """`ray start` records its cluster in Ray's temporary folder; a crashed one leaves the record behind."""
    inputs_in(tmp_path)
    ray_tmp = tempfile.mkdtemp(prefix="rayt", dir="/tmp")  # Ray's socket paths must stay short
    (Path(ray_tmp) / "ray").mkdir()
    (Path(ray_tmp) / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{free_port()}")  # nothing there now
    env = cron_env(tmp_path, RAY_TMPDIR=ray_tmp, RAY_USAGE_STATS_ENABLED="0")
    try:
        # Joining the recorded cluster, ray.init retries for many minutes: the timeout fails the test.
        done = digest("run", "input", "-q", "--engine", "gloss", "--no-cache", "--executor", "ray", "--workers", "1",
                      cwd=tmp_path, env=env, timeout=150)  # fmt: skip
    finally:
        left = ray_processes_of(ray_tmp)
        for pid in left:
            os.kill(pid, 9)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    assert (tmp_path / "output" / f"{SAMPLE_EXPORT.stem}.jsonl").is_file()
    assert not left  # the instance the run started was stopped by it


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGINT])
def test_a_signal_while_ray_starts_its_agents_leaves_no_ray_process(tmp_path: Path, signum: int) -> None:
    """Interrupted inside ray.init, Ray cannot stop what it started: its agents outlived the run (by up to a minute, until they noticed their raylet was gone)."""
    inputs_in(tmp_path)
    victim = subprocess.Popen(
        [sys.executable, "-m", "jobs", "run", "input", "--executor", "ray", "--engine", "gloss", "--no-cache"],
        cwd=tmp_path, env=cron_env(tmp_path, RAY_USAGE_STATS_ENABLED="0"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and victim.poll() is None:
        seen |= descendants(victim.pid)
        if any(Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::") for pid in seen if alive(pid)):
            break  # Ray's agents are starting: ray.init has not returned yet
        time.sleep(0.02)
    assert victim.poll() is None, "the run ended before the signal"
    victim.send_signal(signum)
    while victim.poll() is None:
        seen |= descendants(victim.pid)
        time.sleep(0.02)
    _, stderr = victim.communicate()
    assert victim.returncode == 128 + signum, stderr
    time.sleep(5)
    left = [pid for pid in seen if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert seen and not left


def test_a_batch_with_no_record_to_work_on_starts_no_ray(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting Ray costs seconds: an empty file or one of bad lines only has nothing for it to do."""
    from jobs.options import RunOptions
    from jobs.pipeline import run
    from jobs.ray_executor import RayExecutor

    started: list[bool] = []
    monkeypatch.setattr(RayExecutor, "start", lambda self: started.append(True))
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / "empty.jsonl").write_bytes(b"")
    (inputs / "broken.jsonl").write_text('{"title": "无摘要"}\n{"abstract": "截断的记录\n', encoding="utf-8")
    options = RunOptions(inputs=[inputs], output_dir=tmp_path / "output", engine="gloss", use_cache=False,
                         executor="ray")  # fmt: skip
    report = run(options, warn=lambda message: None, error=lambda message: None)
    assert not started
    assert report.batches_done == ["broken", "empty"] and report.record_errors == 2
