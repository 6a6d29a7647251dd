"""The `ray` executor: same output as the local one, models shipped through Ray, workers that die.

Every test runs a real Ray: a local instance started by the run, or a 2-node cluster on this
machine (`ray.cluster_utils.Cluster`, as Ray's own tests do). Starting Ray takes seconds, so
they are all marked slow.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import import_component

ray = import_component("ray", "Ray is not installed (pip install -e '.[ray]'): the ray executor's tests need it")
from ray.cluster_utils import Cluster  # noqa: E402

from jobs.context import RunContext
from jobs.engines.base import EngineSettings
from jobs.errors import ConfigError
from jobs.options import RunOptions
from jobs.pipeline import make_executor, run
from jobs.ray_executor import ACTOR_PREFIX, NAMESPACE, RayExecutor
from jobs.translators import Translators

from .conftest import SAMPLE_EXPORT, TEST_DATA, digest_subprocess

pytestmark = pytest.mark.slow

QUIET = lambda message: None  # noqa: E731


def options_for(inputs: Path, output: Path, models: Path, **changes: object) -> RunOptions:
    defaults: dict[str, object] = {
        "inputs": [inputs],
        "output_dir": output,
        "engine": "gloss",
        "use_cache": False,
        "engine_settings": EngineSettings(models_dir=models),
    }
    return RunOptions(**{**defaults, **changes})  # type: ignore[arg-type]


def batch_of_csl(folder: Path, count: int) -> Path:
    """A JSONL batch of the first `count` real CSL abstracts."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (TEST_DATA / "csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    (folder / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    """Every batch file the run wrote, by name."""
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.jsonl")) if path.name != "runs.jsonl"}


def test_ray_output_is_the_local_output_byte_for_byte(tmp_path: Path) -> None:
    """A local Ray instance started (and stopped) by the run itself, two workers, small chunks."""
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / SAMPLE_EXPORT.name).write_bytes(SAMPLE_EXPORT.read_bytes())
    batch_of_csl(inputs, 60)
    for export in (TEST_DATA / "exports").iterdir():  # records with a citation travel to workers too
        (inputs / export.name).write_bytes(export.read_bytes())
    models = tmp_path / "lang_models"
    local = run(options_for(inputs, tmp_path / "local", models, chunk_records=7), warn=QUIET)
    assert not ray.is_initialized()
    remote = run(options_for(inputs, tmp_path / "ray", models, chunk_records=7, executor="ray", workers=2), warn=QUIET)
    assert not ray.is_initialized()  # the run stopped the instance it started
    assert local.exit_code == remote.exit_code == 0
    assert remote.records == local.records > 60 + 20  # the sample, the CSL batch and the exports' records
    assert remote.engine_translations == local.engine_translations > 0
    batches = len(list(inputs.iterdir()))  # each input file a batch, whatever tests/data/exports holds
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local") and len(outputs(tmp_path / "ray")) == batches
    assert (tmp_path / "ray" / "csl.digest.html").is_file()  # the driver renders the pages


@pytest.fixture
def two_nodes() -> Iterator[Cluster]:
    """A head node and a second node, one CPU each, on this machine; the test process is the driver."""
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, namespace=NAMESPACE)
    cluster.wait_for_nodes()
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_models_reach_workers_on_two_nodes_through_ray(two_nodes: Cluster, argos_models: Path, tmp_path: Path) -> None:
    options = options_for(SAMPLE_EXPORT.parent, tmp_path / "ray", argos_models, engine="argos", executor="ray")
    translators = Translators("argos", options.engine_settings, QUIET)
    with RayExecutor(RunContext(options, translators, QUIET)) as executor:
        executor.start()
        places = ray.get([actor.where.remote() for actor in executor.actors])
        assert len(places) == 2  # one worker per CPU of the cluster
        assert len({place["node"] for place in places}) == 2  # one on each node
        folders = [Path(place["models"]["zh->en"]) for place in places]
        for folder in folders:
            # Unpacked by each worker into a temporary folder of its own, never the driver's models folder.
            assert folder.name == "zh_en" and (folder / "model" / "model.bin").is_file()
            assert argos_models.resolve() not in folder.resolve().parents
        assert folders[0] != folders[1]
    assert not any(folder.exists() for folder in folders)  # removed when the run is over

    local = run(options_for(SAMPLE_EXPORT.parent, tmp_path / "local", argos_models, engine="argos"), warn=QUIET)
    remote = run(options, warn=QUIET)
    assert local.exit_code == remote.exit_code == 0
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    records = [json.loads(line) for line in (tmp_path / "ray" / "seed-cnki-export.jsonl").read_text().splitlines()]
    assert {record["engine"]["translation"] for record in records if record["source_lang"] == "zh"} == {"argos"}


def test_ct2_models_reach_workers_in_their_place_under_the_models_folder(ct2_models: Path, tmp_path: Path) -> None:
    """A CTranslate2 model lies at `ct2/<name>/` of the models folder: the worker finds it at the same place."""
    changes: dict[str, object] = {
        "engine": "ct2",
        "engine_settings": EngineSettings(models_dir=ct2_models, options={"model": "m2m-test"}),
    }
    local = run(options_for(SAMPLE_EXPORT.parent, tmp_path / "local", ct2_models, **changes), warn=QUIET)
    remote = run(
        options_for(SAMPLE_EXPORT.parent, tmp_path / "ray", ct2_models, executor="ray", workers=1, **changes),
        warn=QUIET,
    )
    assert local.exit_code == remote.exit_code == 0
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    records = [json.loads(line) for line in (tmp_path / "ray" / "seed-cnki-export.jsonl").read_text().splitlines()]
    assert {record["engine"]["model"] for record in records} == {"m2m-test (ct2/m2m)"}


def kill_a_worker_once_work_is_under_way(output: Path, killed: list[int]) -> None:
    """Wait for the batch's partial file to get records, then SIGKILL one worker's process."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        partial = [path for path in output.glob(".csl.jsonl.*.partial") if path.stat().st_size > 0]
        names = [name for name in ray.util.list_named_actors() if name.startswith(ACTOR_PREFIX)]
        workers = [name for name in names if not name.endswith("-setup")]
        if partial and workers:
            place = ray.get(ray.get_actor(sorted(workers)[0], namespace=NAMESPACE).where.remote())
            os.kill(place["pid"], signal.SIGKILL)
            killed.append(place["pid"])
            return
        time.sleep(0.05)


def run_killing_a_worker(options: RunOptions) -> tuple[object, list[int]]:
    killed: list[int] = []
    watcher = threading.Thread(target=kill_a_worker_once_work_is_under_way, args=(options.output_dir, killed))
    watcher.start()
    report = run(options, warn=QUIET, error=QUIET)
    watcher.join()
    return report, killed


def test_a_killed_worker_is_restarted_and_the_batch_completes(tmp_path: Path) -> None:
    inputs = batch_of_csl(tmp_path / "input", 300)
    models = tmp_path / "lang_models"
    local = run(options_for(inputs, tmp_path / "local", models, chunk_records=5), warn=QUIET)
    ray.init(address="local", num_cpus=2, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)
    try:
        options = options_for(inputs, tmp_path / "ray", models, chunk_records=5, executor="ray", workers=2)
        report, killed = run_killing_a_worker(options)
    finally:
        ray.shutdown()
    assert len(killed) == 1, "the worker was not killed while the batch was under way"
    assert report.exit_code == local.exit_code == 0  # type: ignore[attr-defined]
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")


def test_a_worker_that_cannot_be_restarted_fails_the_batch_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jobs.ray_executor.RESTARTS", 0)
    inputs = batch_of_csl(tmp_path / "input", 300)
    errors: list[str] = []
    ray.init(address="local", num_cpus=2, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)
    try:
        options = options_for(inputs, tmp_path / "ray", tmp_path / "models", chunk_records=5, executor="ray", workers=2)
        killed: list[int] = []
        watcher = threading.Thread(target=kill_a_worker_once_work_is_under_way, args=(options.output_dir, killed))
        watcher.start()
        report = run(options, warn=QUIET, error=errors.append)
        watcher.join()
    finally:
        ray.shutdown()
    assert len(killed) == 1
    assert report.exit_code == 1 and list(report.batches_failed) == ["csl"]
    assert "a Ray worker failed" in report.batches_failed["csl"] and "redone by the next run" in errors[0]
    assert not (tmp_path / "ray" / "csl.jsonl").exists()  # nothing half-written
    assert not list((tmp_path / "ray").glob(".*.partial"))


def test_without_ray_installed_the_run_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    monkeypatch.delitem(sys.modules, "jobs.ray_executor", raising=False)
    options = options_for(SAMPLE_EXPORT.parent, tmp_path / "out", tmp_path / "models", executor="ray")
    translators = Translators("gloss", options.engine_settings, QUIET)
    with pytest.raises(ConfigError, match=r"pip install 'zh-abstract-digest\[ray\]'"):
        make_executor(RunContext(options, translators, QUIET))


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (Ray's own: its GCS, raylet, agents and workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("when", ["starting", "working"])
def test_sigterm_ends_a_ray_run_cleanly_and_stops_its_ray(
    tmp_path: Path, when: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ray installs signal handlers of its own (they exit 15 or abort); the run's must still win."""
    batch_of_csl(tmp_path / "input", 1000)
    monkeypatch.setenv("DIGEST_MODELS_DIR", str(tmp_path / "models"))
    victim = digest_subprocess("run", "input", "--executor", "ray", "--engine", "gloss", "--no-cache", cwd=tmp_path)
    output = tmp_path / "output"
    deadline = time.monotonic() + 120
    ray_processes: set[int] = set()
    while time.monotonic() < deadline and victim.poll() is None:
        ray_processes |= descendants(victim.pid)
        under_way = any(path.stat().st_size > 0 for path in output.glob(".*.partial"))
        if (when == "starting" and ray_processes) or (when == "working" and under_way):
            break
        time.sleep(0.05)
    assert victim.poll() is None, "the run ended before the signal"
    victim.send_signal(signal.SIGTERM)
    _, stderr = victim.communicate(timeout=60)
    assert victim.returncode == 143, stderr
    assert stderr.strip() == "digest: error: terminated; completed outputs are kept, the rest is redone next time"
    assert not list(output.glob(".*.partial")) and not (output / "csl.jsonl").exists()
    time.sleep(2)
    assert ray_processes and not [pid for pid in ray_processes if alive(pid)]


def test_more_workers_than_the_cluster_has_room_for_is_a_usage_error_not_a_hang(tmp_path: Path) -> None:
    ray.init(address="local", num_cpus=2, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)
    try:
        options = options_for(SAMPLE_EXPORT.parent, tmp_path / "out", tmp_path / "models", executor="ray", workers=3)
        with pytest.raises(ConfigError, match="3 workers need 3 CPUs, and the cluster has 2 CPUs and 0 GPUs"):
            run(options, warn=QUIET)
        assert not ray.util.list_named_actors()  # nothing left behind on the cluster
    finally:
        ray.shutdown()


def test_an_llm_reaches_the_workers_and_they_write_the_local_output(llm_models: Path, tmp_path: Path) -> None:
    """The llm engine's models live a folder deeper (`llm/NAME/`) than Argos packages: they arrive where it looks."""
    inputs = batch_of_csl(tmp_path / "input", 4)
    local = run(options_for(inputs, tmp_path / "local", llm_models, engine="llm"), warn=QUIET)
    remote = run(
        options_for(inputs, tmp_path / "ray", llm_models, engine="llm", executor="ray", workers=2, chunk_records=2),
        warn=QUIET,
    )
    assert local.exit_code == remote.exit_code == 0
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    records = [json.loads(line) for line in (tmp_path / "ray" / "csl.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [record["engine"]["translation"] for record in records] == ["llm"] * 4


def test_the_openai_engine_runs_on_the_workers_against_the_same_server(llama_server, tmp_path: Path) -> None:
    """Each worker asks the server the run was given (its options travel with the work): the same records as a local run."""
    inputs = batch_of_csl(tmp_path / "input", 4)
    settings = EngineSettings(
        models_dir=tmp_path / "lang_models", options={"server_url": llama_server.base_url, "model": "two-lines"}
    )
    local = run(
        options_for(inputs, tmp_path / "local", tmp_path, engine="openai", engine_settings=settings), warn=QUIET
    )
    remote = run(
        options_for(
            inputs, tmp_path / "ray", tmp_path, engine="openai", engine_settings=settings, executor="ray", workers=2,
            chunk_records=2,
        ),
        warn=QUIET,
    )  # fmt: skip
    assert local.exit_code == remote.exit_code == 0
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    records = [json.loads(line) for line in (tmp_path / "ray" / "csl.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [record["engine"]["translation"] for record in records] == ["openai"] * 4
    assert all(record["engine"]["model"] == "two-lines" for record in records), records[0]["engine"]
