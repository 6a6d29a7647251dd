"""A run with nothing new, and `--help`, load no engine, dictionary or summarizer: cron pays for none.

Each case runs `digest` in a child process under `python -X importtime`, which names every module
the process imports, and checks the names; nothing is timed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.language import detect_language

from .conftest import read_jsonl, repo_data, run_digest

#: What only a batch with work needs: word segmentation, summaries, translation models, the progress
#: bar, the readers of reference exports, pinyin, and Ray.
HEAVY = frozenset(
    (
        "jieba",
        "sumy",
        "nltk",
        "numpy",
        "argostranslate",
        "ctranslate2",
        "sentencepiece",
        "tqdm",
        "rispy",
        "bibtexparser",
        "pylatexenc",
        "pypinyin",
        "ray",
    )
)


def imported(*args: str, cwd: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules `digest ARGS` imports in a process of its own, and the finished process."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jobs", *args], cwd=cwd, capture_output=True, text=True
    )
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "jobs.cli" in names, done.stderr[-2000:]  # the listing is read as it is written
    return names, done


def heavy(names: set[str]) -> set[str]:
    return {name for name in names if name.split(".")[0] in HEAVY}


def test_a_run_with_nothing_new_imports_no_engine_or_summarizer(sample_batch: Path) -> None:
    workdir = sample_batch.parent.parent
    assert run_digest("run", "--engine", "gloss", "-q").exit_code == 0
    for engine in ("gloss", "auto"):
        names, done = imported("run", "--engine", engine, cwd=workdir)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "0 batches done, 1 skipped" in done.stderr
        assert heavy(names) == set()


@pytest.mark.slow  # the first run translates the sample with a real-format Argos model
def test_a_run_with_nothing_new_and_a_model_installed_imports_no_model_library(
    sample_batch: Path, argos_models: Path
) -> None:
    workdir = sample_batch.parent.parent
    assert run_digest("run", "--models-dir", str(argos_models), "-q").exit_code == 0  # translated with the model
    for engine in ("argos", "auto"):
        names, done = imported("run", "--engine", engine, "--models-dir", str(argos_models), cwd=workdir)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "0 batches done, 1 skipped" in done.stderr
        assert heavy(names) == set()


def test_pages_rebuilt_without_translating_import_no_engine_or_summarizer(sample_batch: Path) -> None:
    workdir = sample_batch.parent.parent
    assert run_digest("run", "--engine", "gloss", "-q").exit_code == 0
    pages = sorted(path for path in (workdir / "output").iterdir() if path.suffix in (".html", ".md", ".xml"))
    assert len(pages) >= 3  # the batch's two pages, the index and the feed
    for page in pages:
        page.unlink()
    names, done = imported("run", "-q", cwd=workdir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert all(page.is_file() for page in pages)
    assert heavy(names) == set()
    names, done = imported("render", str(workdir / "output" / f"{sample_batch.stem}.jsonl"), cwd=workdir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert heavy(names) == set()


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["render", "--help"], ["models", "--help"]])
def test_help_imports_no_engine_or_summarizer(tmp_path: Path, args: list[str]) -> None:
    names, done = imported(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage:" in done.stdout
    assert heavy(names) == set()


def test_a_run_of_chinese_abstracts_loads_only_what_they_need(tmp_path: Path) -> None:
    # cue-position summaries and tfidf keywords of Chinese need neither sumy's algorithms (which
    # import NLTK and numpy), nor sumy.utils (requests), nor jieba's tagger and TextRank.
    records = [
        json.loads(line) for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n")[:20]
    ]
    assert {detect_language(record["abstract"]) for record in records} == {"zh"}
    (tmp_path / "input").mkdir()
    with (tmp_path / "input" / "csl.jsonl").open("w", encoding="utf-8") as batch:
        batch.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    names, done = imported("run", "--engine", "gloss", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(read_jsonl(tmp_path / "output" / "csl.jsonl")) == 20
    assert {"jieba", "jobs.engines.gloss.engine"} <= names  # the work was done here
    unneeded = {"sumy.utils", "sumy.nlp", "sumy.summarizers", "jobs.summarizers", "jieba.posseg", "jieba.analyse"}
    assert {name for name in names if name.split(".")[0] in ("nltk", "numpy", "requests")} == set()
    assert names & unneeded == set()
