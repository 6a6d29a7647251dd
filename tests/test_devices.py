"""`--device auto|cpu|cuda`: where CTranslate2 runs, and how many GPUs Ray workers ask for.

This machine has no GPU, so `auto` must mean the CPU here and `cuda` a usage error; where a GPU
exists the same tests check the other side. Ray is told it has a GPU (Ray trusts what it is told),
to check that workers ask for one each when models may run on CUDA, and not otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.context import RunContext
from jobs.engines.argos import cuda_devices, resolve_device
from jobs.engines.base import EngineSettings
from jobs.errors import ConfigError
from jobs.options import RunOptions
from jobs.translators import Translators

from .conftest import SAMPLE_EXPORT, import_component, run_digest

QUIET = lambda message: None  # noqa: E731


def test_auto_is_cuda_only_where_ctranslate2_sees_a_device() -> None:
    assert resolve_device("auto") == ("cuda" if cuda_devices() else "cpu")
    assert resolve_device("cpu") == "cpu"
    if cuda_devices():
        assert resolve_device("cuda") == "cuda"
    else:
        with pytest.raises(ConfigError, match="--device cuda: CTranslate2 sees no CUDA device here"):
            resolve_device("cuda")


@pytest.mark.skipif(bool(cuda_devices()), reason="checks the error a machine without a GPU gives")
def test_device_cuda_without_a_gpu_is_a_usage_error(sample_batch: Path, argos_models: Path) -> None:
    result = run_digest("run", "--engine", "argos", "--device", "cuda", "--models-dir", str(argos_models))
    assert result.exit_code == 2
    assert "--device cuda: CTranslate2 sees no CUDA device here; use --device cpu or auto" in result.stderr
    assert not Path("output/seed-cnki-export.jsonl").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("device", "engine", "workers"), [("auto", "argos", 1), ("cpu", "argos", 2), ("auto", "gloss", 2)]
)
def test_ray_workers_ask_for_a_gpu_each_only_when_models_may_run_on_cuda(
    argos_models: Path, tmp_path: Path, device: str, engine: str, workers: int
) -> None:
    """With one GPU in the cluster: one worker (one GPU each) for an Argos model on `auto`; one per CPU otherwise."""
    ray = import_component("ray", "Ray is not installed (pip install -e '.[ray]'): this test starts a Ray")
    from jobs.ray_executor import NAMESPACE, RayExecutor

    ray.init(address="local", num_cpus=2, num_gpus=1, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)
    try:
        settings = EngineSettings(models_dir=argos_models, options={"device": device})
        options = RunOptions(inputs=[SAMPLE_EXPORT.parent], output_dir=tmp_path, engine=engine, executor="ray")
        with RayExecutor(RunContext(options, Translators(engine, settings, QUIET), QUIET)) as executor:
            executor.start()
            assert len(executor.actors) == workers
            gpus = ray.available_resources().get("GPU", 0)
            assert gpus == (0 if workers == 1 else 1)  # the GPU is taken only by a worker that asked for it
    finally:
        ray.shutdown()
