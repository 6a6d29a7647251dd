"""Shared fixtures: the real data, an isolated cache, and ways to run `digest`."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from jobs.engines.base import EngineSettings, ModelInfo

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
SAMPLE_EXPORT = REPO / "input" / "seed-cnki-export.txt"


def repo_data(name: str) -> Path:
    """A file of the real data kept in `tests/data/` (sources and licences in its SOURCES.md)."""
    path = TEST_DATA / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the repository")
    return path


def in_ci() -> bool:
    """Whether the suite runs in CI (which sets CI=true), where .ci/run has installed every component."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_system_component(reason: str) -> NoReturn:
    """A test needs a program or an extra this machine lacks (Chromium, Ray, mkdocs): skip it, saying
    which and how to install it; in CI, fail instead, since .ci/run installs every one of them and a
    test skipped there would pass unseen."""
    if in_ci():
        pytest.fail(f"{reason}; CI must have it (.ci/run installs it), so this fails rather than skip", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def import_component(name: str, reason: str) -> ModuleType:
    """The module `name`, or `missing_system_component(reason)` where it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing_system_component(reason)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep jieba's and the gloss's caches out of the user's cache folder during tests."""
    cache = tmp_path_factory.mktemp("cache")
    cache.chmod(0o700)  # as digest makes its own (pytest does too): a folder others can write is refused
    previous = os.environ.get("DIGEST_CACHE_DIR")
    os.environ["DIGEST_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        del os.environ["DIGEST_CACHE_DIR"]
    else:
        os.environ["DIGEST_CACHE_DIR"] = previous


@pytest.fixture
def no_nltk_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point NLTK at an empty folder: anything that needs punkt or another download fails here."""
    import nltk

    empty = tmp_path / "nltk_data"
    empty.mkdir()
    monkeypatch.setattr(nltk.data, "path", [str(empty)])
    monkeypatch.setenv("NLTK_DATA", str(empty))
    yield
    with pytest.raises(LookupError):  # the fixture really hides the data
        nltk.data.find("tokenizers/punkt")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder with `input/` and `output/`, made the current directory."""
    (tmp_path / "input").mkdir()
    (tmp_path / "output").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_MODELS_DIR", str(tmp_path / "lang_models"))
    return tmp_path


@pytest.fixture
def sample_batch(workdir: Path) -> Path:
    """The real sample export, as the only batch in `input/`."""
    return Path(shutil.copy(SAMPLE_EXPORT, workdir / "input" / SAMPLE_EXPORT.name))


def run_digest(*args: str) -> Result:
    """`digest ARGS` in-process, with stderr kept apart from stdout."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest_subprocess(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """`digest ARGS` as a separate process, as cron would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "jobs", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )


def read_jsonl(path: Path) -> list[dict]:
    """The objects of a JSONL file (lines split on \\n only)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


class Alarm:
    """Fail the test (not hang the suite) if the block runs past `seconds`; no timing is asserted."""

    def __init__(self, seconds: int, why: str = "") -> None:
        self.seconds = seconds
        self.why = why

    def __enter__(self) -> None:
        def expire(signum: int, frame: object) -> None:
            raise TimeoutError(f"still running after {self.seconds} s{': ' + self.why if self.why else ''}")

        self.previous = signal.signal(signal.SIGALRM, expire)
        signal.alarm(self.seconds)

    def __exit__(self, *exc: object) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


@pytest.fixture(scope="session")
def argos_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with a real-format zh->en Argos package installed (built once per session)."""
    from jobs.engines.argos.models import install_package

    from .argos_package import build_argos_package

    folder = tmp_path_factory.mktemp("argos")
    package = build_argos_package(
        folder / "translate-zh_en-1_0.argosmodel", training_text=SAMPLE_EXPORT.read_text(encoding="utf-8")
    )
    models = folder / "lang_models"
    install_package(package, models)
    return models


def llm_training_text() -> str:
    """What the test LLM's tokenizer learns from: real abstracts, titles and keywords, and digest's own prompts."""
    from jobs.engines.llm.prompt import SYSTEM_PROMPTS

    rows = [json.loads(line) for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [f"{row['title']}\n{row['abstract']}\n{' '.join(row['keywords'])}" for row in rows[:400]]
    return "\n".join([*texts, SAMPLE_EXPORT.read_text(encoding="utf-8"), *SYSTEM_PROMPTS.values()])


#: The name the test LLM is installed under.
TEST_LLM = "qwen-tiny"


@pytest.fixture(scope="session")
def llm_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder shaped like a converted Qwen2 instruction model, random weights (see tests/llm_model.py)."""
    from .llm_model import build_llm_folder

    return build_llm_folder(tmp_path_factory.mktemp("llm") / TEST_LLM, training_text=llm_training_text())


@pytest.fixture(scope="session")
def llm_models(tmp_path_factory: pytest.TempPathFactory, llm_folder: Path) -> Path:
    """A models folder with the test LLM installed."""
    models = tmp_path_factory.mktemp("llm-models") / "lang_models"
    install_llm(llm_folder, models)
    return models


def install_llm(folder: Path, models: Path, name: str | None = None) -> ModelInfo:
    """Install an LLM folder as `digest models add` does (checked, loaded in a child process)."""
    from jobs.engines.llm.engine import LlmEngine

    return LlmEngine.install(folder, EngineSettings(models_dir=models), name)


#: The random-weight CTranslate2 folders `ct2_folders` builds: name -> (layout, build arguments).
CT2_FOLDERS: dict[str, tuple[str, dict]] = {
    "opus-mt-zh-en": ("opus-mt", {}),
    "opus-mt-en-zh": ("opus-mt", {"english_to_chinese": True}),
    "nllb-test": ("nllb", {}),
    "m2m-test": ("m2m", {"tokenizer_file": "spm.128k.model"}),
    "madlad-test": ("madlad", {}),
}


#: What each test model of the `openai` engine's server answers to any chat (tests/gguf_model.py),
#: by the alias the server serves it under: a piece is one token.
SERVER_MODELS: dict[str, list[str] | None] = {
    # A reasoning block, then one numbered line: right for a one-sentence abstract, wrong for more.
    "one-line": ["<think>", " Reading", " the", " abstract", "</think>", "\n\n", "1.", " The", " results", " improved"],
    "two-lines": ["1.", " Alpha", " rose", "\n\n", "2.", " Beta", " fell"],
    "empty": [],
    "random": None,
}


@pytest.fixture(scope="session")
def ct2_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random-weight CTranslate2 translator folders, one in each layout the `ct2` engine reads (built once per session)."""
    from .ct2_models import build_ct2_model

    folder = tmp_path_factory.mktemp("ct2-folders")
    return {name: build_ct2_model(folder / name, kind, **arguments) for name, (kind, arguments) in CT2_FOLDERS.items()}


@pytest.fixture(scope="session")
def ct2_models(tmp_path_factory: pytest.TempPathFactory, ct2_folders: dict[str, Path]) -> Path:
    """A models folder with every folder of `ct2_folders` added under its name (once per session)."""
    from jobs.engines.ct2.models import add_model

    models = tmp_path_factory.mktemp("ct2") / "lang_models"
    for name, folder in ct2_folders.items():
        add_model(folder, models, name)
    return models


@pytest.fixture(scope="session")
def server_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny GGUF models that answer as SERVER_MODELS says (and one that never stops), by alias.

    Skipped, with the tests that serve them, where llama-cpp-python's server is not installed.
    """
    from .gguf_model import build_gguf
    from .llama_server import llama_server_available

    missing = llama_server_available()
    if missing:
        missing_system_component(missing)

    folder = tmp_path_factory.mktemp("gguf")
    models = {alias: build_gguf(folder / f"{alias}.gguf", answer) for alias, answer in SERVER_MODELS.items()}
    models["endless"] = build_gguf(folder / "endless.gguf", ["1.", " again", " and"], loop=True)
    return models


@pytest.fixture(scope="session")
def llama_server(server_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """llama-cpp-python's server on 127.0.0.1 serving the test models (skipped where it is not installed)."""
    from .llama_server import LlamaServer

    server = LlamaServer(server_models, tmp_path_factory.mktemp("llama-server")).start()
    yield server
    server.stop()
