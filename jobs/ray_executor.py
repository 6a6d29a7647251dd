"""The `ray` executor: the per-chunk work in a pool of Ray actors, on one machine or a cluster.

Each actor is a `ChunkWorker`: it loads the run's engines once (a CTranslate2 model, the gloss
dictionary) and then maps chunks with `process_chunk`, as the local executor does. The driver
(`digest run`) keeps everything else: reading, the lock, atomic writes, the manifest, the report
and the pages. Results come back in input order, so the output is the same as the local one.

Models reach the actors through Ray, never by the driver's path: the driver packs the installed
package folders the run uses into one tar held in Ray's object store, and each actor unpacks it
to node-local temporary storage. An actor whose process dies is restarted by Ray and its chunk
retried; when that fails too, the batch fails as a whole (nothing of it is written).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import os
import pickle
import shutil
import signal
import socket
import tarfile
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.util.actor_pool import ActorPool

from . import engines
from .context import RunContext
from .engines.base import EngineSettings
from .errors import BatchError, ConfigError
from .executor import Chunk, ChunkResult, Executor, run_chunk
from .glossary import Glossary
from .limits import RAY_FREE_DESCRIPTORS, check_descriptors
from .options import RunOptions
from .ray_store import SetupStore
from .translators import Translators

#: Times Ray restarts a worker whose process died, and retries the chunk it was working on.
RESTARTS = 3
#: Chunks in flight per worker: one being worked on and one waiting, so no worker waits for the driver.
CHUNKS_PER_WORKER = 2
#: Seconds the workers get to start and load their engines before the run gives up on them.
START_SECONDS = 600
#: Actor names start with this (with a run's own id after it), so that they can be found.
ACTOR_PREFIX = "digest-worker"
NAMESPACE = "digest"
_ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker of a run starts from: the run's options and engines, and the model packages as a tar."""

    options: RunOptions
    settings: EngineSettings
    glossary: Glossary
    chosen: dict[tuple[str, str], str | None]
    models: bytes


class ChunkWorker:
    """One Ray actor: the run's engines loaded once, then chunk after chunk."""

    def __init__(self, store_name: str) -> None:
        setup: WorkerSetup = pickle.loads(ray.get(ray.get_actor(store_name, namespace=NAMESPACE).get.remote()))
        self.models_dir = Path(tempfile.mkdtemp(prefix="digest-models-"))
        if setup.models:
            with tarfile.open(fileobj=io.BytesIO(setup.models)) as archive:
                archive.extractall(self.models_dir, filter="data")
        settings = dataclasses.replace(setup.settings, models_dir=self.models_dir)
        # The engines were chosen by the run, which gave any warning about them: none to give here.
        translators = Translators(setup.options.engine, settings, _unheard, None, setup.glossary, chosen=setup.chosen)
        for pair, name in setup.chosen.items():  # load every engine now, once, rather than on a first chunk
            if name is not None:
                translators.get(*pair)
        # A chunk's warnings go back with its result (`run_chunk`); nothing else here gives any.
        self.context = RunContext(setup.options, translators, warn=_unheard, error=_unheard)

    def process(self, index: int, chunk: Chunk) -> tuple[int, ChunkResult]:
        """The chunk's result, with its place in the batch."""
        return index, run_chunk(chunk, self.context)

    def where(self) -> dict[str, Any]:
        """Where this worker runs and what it loaded: process, node and model folders."""
        translators = self.context.translators
        loaded = {
            f"{source}->{target}": str(engines.engine_class(name).installed_files(source, target, translators.settings))
            for (source, target), name in (translators.chosen or {}).items()
            if name is not None
        }
        return {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(), "models": loaded}

    def cleanup(self) -> None:
        """Remove the unpacked models."""
        shutil.rmtree(self.models_dir, ignore_errors=True)


class RayExecutor(Executor):
    """A pool of `ChunkWorker` actors on the Ray cluster at `--ray-address` (or a local one)."""

    name = "ray"

    def __init__(self, context: RunContext) -> None:
        self.context = context  # its translators' warn gives the run's warnings (choosing engines)
        self.started_ray = False
        self.actors: list[Any] = []
        self.store: Any = None

    def start(self) -> None:
        """Join or start Ray and start the workers (done by the first batch: a run with nothing new starts none)."""
        if self.actors:
            return
        options = self.context.options
        # digest works offline: Ray must not try to report usage statistics to the internet.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        address = None
        if not ray.is_initialized():
            # Without an address, a local instance for the run: never the cluster that the last
            # `ray start` on this machine recorded, which ray.init would join, even a dead one.
            address = options.ray_address or os.environ.get("RAY_ADDRESS") or "local"
            if address == "local":  # its processes get this one's limit on open files
                check_descriptors(RAY_FREE_DESCRIPTORS, "a local Ray instance")
            _check_reachable(address)
            if address != "local":
                _use_local_token()
            # Set first: a ray.init cut short (by a signal, by a failure) has processes to stop too.
            self.started_ray = True
        try:
            if address is not None:
                self._init_ray(address)
            self._start_workers()
        except BaseException:
            self.close()
            raise

    def _init_ray(self, address: str) -> None:
        # An ending signal is held back until ray.init returns: interrupted inside it, before Ray
        # records the processes it started, ray.shutdown cannot stop them, and Ray's agents
        # (ray::DashboardAgent, ray::RuntimeEnvAgent) outlive the run (until they notice, up to a minute later, that their raylet is gone).
        main = threading.current_thread() is threading.main_thread()
        handlers = {signum: signal.getsignal(signum) for signum in _ENDING_SIGNALS}
        received: list[int] = []
        if main:
            for signum in _ENDING_SIGNALS:
                signal.signal(signum, lambda signum, frame: received.append(signum))
        try:
            ray.init(
                address=address,
                namespace=NAMESPACE,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
        except (ConnectionError, RuntimeError, ValueError) as failure:
            where = "a local Ray instance" if address == "local" else address
            raise ConfigError(f"--executor ray: cannot start or join {where}: {failure}") from None
        except SystemExit as exiting:
            # ray.init's own SIGTERM handler exits with code 15: hand the signal to the run's handler.
            handler = handlers.get(signal.SIGTERM)
            if exiting.code == signal.SIGTERM and callable(handler):
                handler(signal.SIGTERM, None)
            raise
        finally:
            # Ray's core installs handlers of its own for ending signals (they abort the process);
            # the run's handlers are put back, so that SIGTERM still ends it cleanly (exit 143).
            if main:
                for signum, handler in handlers.items():
                    if handler is not None:
                        signal.signal(signum, handler)
        if received:  # now that ray.shutdown can stop what ray.init started
            signal.raise_signal(received[0])

    def _start_workers(self) -> None:
        options, translators = self.context.options, self.context.translators
        settings = translators.settings
        chosen = translators.choose()
        gpus = _gpus_per_worker(settings, chosen)
        threads = int(settings.options.get("threads") or 0)
        cpus = threads or 1
        if threads == 0 and "threads" in {option.name for option in engines.engine_options()}:
            # A worker uses the CPUs Ray gives it, not every core of its machine.
            settings = dataclasses.replace(settings, options={**settings.options, "threads": cpus})
        workers = options.workers or _default_workers(cpus, gpus)
        _check_room(workers, cpus, gpus)
        run_id = uuid.uuid4().hex[:8]
        store_name = f"{ACTOR_PREFIX}-{run_id}-setup"
        setup = WorkerSetup(options, settings, translators.glossary, chosen, _pack_models(settings, chosen))
        self.store = ray.remote(SetupStore).options(name=store_name, num_cpus=0).remote(pickle.dumps(setup))
        del setup
        worker_class = ray.remote(ChunkWorker)
        self.actors = [
            worker_class.options(
                name=f"{ACTOR_PREFIX}-{run_id}-{number}",
                num_cpus=cpus,
                num_gpus=gpus,
                max_restarts=RESTARTS,
                max_task_retries=RESTARTS,
            ).remote(store_name)
            for number in range(workers)
        ]
        # Fail here, once, when a worker cannot load its engines (rather than on every chunk).
        try:
            ray.get([actor.where.remote() for actor in self.actors], timeout=START_SECONDS)
        except ray.exceptions.GetTimeoutError:
            raise ConfigError(
                f"--executor ray: the workers did not start within {START_SECONDS} s "
                "(is the cluster short of CPUs, GPUs or memory for them?)"
            ) from None
        except ray.exceptions.RayError as failure:
            raise ConfigError(f"--executor ray: the workers cannot start: {_cause(failure)}") from None

    def map_chunks(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        with _signals_first():
            source = iter(chunks)
            first = next(source, None)
            if first is None:  # an empty batch, or one of record errors only: nothing for Ray to do
                return
            self.start()
            yield from self._map(itertools.chain([first], source))

    def _map(self, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        pool = ActorPool(self.actors)
        window = CHUNKS_PER_WORKER * len(self.actors)
        waiting: dict[int, ChunkResult] = {}
        submitted = returned = 0
        source = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and submitted - returned < window:
                chunk = next(source, None)
                if chunk is None:
                    exhausted = True
                    break
                pool.submit(lambda actor, value: actor.process.remote(*value), (submitted, chunk))
                submitted += 1
            if returned == submitted:
                return
            while returned not in waiting:
                try:
                    index, result = pool.get_next_unordered()
                except ray.exceptions.RayError as failure:
                    raise BatchError(
                        f"a Ray worker failed and Ray could not finish its work: {_cause(failure)}; "
                        "the batch was not written and is redone by the next run"
                    ) from None
                waiting[index] = result
            yield waiting.pop(returned)
            returned += 1

    def close(self) -> None:
        if self.actors:
            try:
                ray.get([actor.cleanup.remote() for actor in self.actors], timeout=30)
            except Exception:  # a dead or busy worker: its temporary folder is left to the system
                pass
            for actor in self.actors:
                ray.kill(actor)
            self.actors = []
        if self.store is not None:
            ray.kill(self.store)
            self.store = None
        if self.started_ray:
            ray.shutdown()
            self.started_ray = False


@contextmanager
def _signals_first() -> Iterator[None]:
    """Raise a signal's exception (Ctrl-C, the CLI's SIGTERM) as itself when Ray's C code wrapped it.

    A signal handler runs wherever Python checks for signals, often inside `ray.get`, whose C code
    turns the handler's exception into a SystemError caused by it.
    """
    try:
        yield
    except Exception as failure:
        cause: BaseException | None = failure
        while cause is not None:
            if not isinstance(cause, Exception):  # KeyboardInterrupt, SystemExit, the CLI's Terminated
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise


def _pack_models(settings: EngineSettings, chosen: dict[tuple[str, str], str | None]) -> bytes:
    """The installed model folders the chosen engines load, as one uncompressed tar ('' if none).

    Each goes where it lies in the models folder (an Argos package at the top, an LLM in `llm/`), so
    that the worker's engine finds it in the worker's models folder as the run's found it.
    """
    folders = {
        folder
        for (source_lang, target_lang), name in chosen.items()
        if name is not None
        and (folder := engines.engine_class(name).installed_files(source_lang, target_lang, settings)) is not None
    }
    if not folders:
        return b""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for folder in sorted(folders):
            archive.add(folder, arcname=_place_in(folder, settings.models_dir))
    return buffer.getvalue()


def _place_in(folder: Path, models_dir: Path) -> str:
    """Where `folder` lies in the models folder, as a relative path (its name alone if it lies elsewhere)."""
    for inner, outer in ((folder, models_dir), (folder.resolve(), models_dir.resolve())):
        if inner.is_relative_to(outer):
            return inner.relative_to(outer).as_posix()
    return folder.name


#: Seconds to wait for a cluster's address to answer before Ray is asked to join it.
REACH_SECONDS = 5
#: What an HTTP/2 client (gRPC, which Ray's GCS speaks) sends first: the preface and an empty SETTINGS frame.
_HTTP2_HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
_SETTINGS_FRAME = 4


def _check_reachable(address: str | None) -> None:
    """ConfigError unless a Ray cluster's GCS (an HTTP/2 server) answers at `address`.

    Given an address where nothing listens, or something that is not Ray, `ray.init` retries for
    many minutes and writes its own warnings to stderr: a cron run would hang there, noisily.
    """
    if not address or address in ("auto", "local") or "://" in address:
        return  # Ray's own lookups (a cluster started on this machine, Ray Client): left to Ray
    try:
        from ray._private.services import canonicalize_bootstrap_address

        target = canonicalize_bootstrap_address(address) or address  # as Ray will connect (it resolves localhost)
    except Exception:
        target = address
    host, _, port = target.rpartition(":")
    problem = None
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_SECONDS) as connection:
            if os.environ.get("RAY_USE_TLS", "0").lower() in ("0", "false", ""):
                connection.sendall(_HTTP2_HELLO)
                answer = b""
                while len(answer) < 9 and (block := connection.recv(9 - len(answer))):
                    answer += block
                if len(answer) < 9 or answer[3] != _SETTINGS_FRAME:
                    problem = "something answers there, but not a Ray cluster (is it the GCS port, 6379 by default?)"
    except TimeoutError:
        problem = f"no answer within {REACH_SECONDS} s"
    except OSError as failure:
        problem = failure.strerror or str(failure)
    except ValueError:
        problem = "it is not HOST:PORT"
    if problem is not None:
        raise ConfigError(f"--executor ray: cannot join the Ray cluster at {address}: {problem}")


def _use_local_token() -> None:
    """Join a cluster with this machine's Ray token when there is one and `RAY_AUTH_MODE` is not set.

    `ray start --head` turns token authentication on when it finds a token (`~/.ray/auth_token`,
    which any local Ray instance since Ray 2.59 leaves behind); `ray.init` given an address does
    not use it, and the cluster refuses the run. This is the rule `ray start` itself applies.
    """
    if "RAY_AUTH_MODE" in os.environ:
        return
    try:
        from ray._private.authentication.authentication_token_setup import (
            AuthenticationTokenLoader,
            _enable_token_auth,
        )
    except ImportError:  # a Ray without token authentication
        return
    if AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True):
        _enable_token_auth()


def _gpus_per_worker(settings: EngineSettings, chosen: dict[tuple[str, str], str | None]) -> int:
    """1 when the chosen engines run on a device and it is CUDA (`auto`: when the cluster has GPUs), else 0."""
    if not any(name is not None and engines.engine_class(name).uses_device for name in chosen.values()):
        return 0
    device = settings.options.get("device", "auto")
    if device == "cuda":
        return 1
    return 1 if device == "auto" and ray.cluster_resources().get("GPU", 0) > 0 else 0


def _check_room(workers: int, cpus: int, gpus: int) -> None:
    """ConfigError when the cluster has too few CPUs or GPUs for the workers: Ray would wait for them forever."""
    resources = ray.cluster_resources()
    have_cpus, have_gpus = int(resources.get("CPU", 0)), int(resources.get("GPU", 0))
    if workers * cpus > have_cpus or workers * gpus > have_gpus:
        asked = f"{workers * cpus} CPUs" + (f" and {workers * gpus} GPUs" if gpus else "")
        raise ConfigError(
            f"--executor ray: {workers} workers need {asked}, and the cluster has {have_cpus} CPUs and "
            f"{have_gpus} GPUs; give fewer --workers (or fewer --threads each)"
        )


def _default_workers(cpus: int, gpus: int) -> int:
    """One worker per GPU of the cluster when they use one, else one per `cpus` CPUs."""
    resources = ray.cluster_resources()
    if gpus:
        return max(1, int(resources.get("GPU", 0)))
    return max(1, int(resources.get("CPU", 1)) // cpus)


def _unheard(message: str) -> None:
    """Where a worker's own messages go: nowhere (the run gives those that matter)."""


def _cause(failure: BaseException) -> str:
    """The first line of what went wrong in a worker, without Ray's wrapping."""
    cause = getattr(failure, "cause", None) or failure
    text = str(cause).strip().splitlines()
    return text[-1] if text else type(cause).__name__
