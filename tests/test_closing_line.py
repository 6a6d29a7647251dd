"""The run says where its output is: the closing line names the index page and the batch pages it wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import SAMPLE_EXPORT, repo_data, run_digest


def closing_line(stderr: str) -> str:
    lines = stderr.rstrip("\n").splitlines()
    assert lines, "nothing on stderr"
    return lines[-1]


def csl_batches(folder: Path, count: int) -> list[str]:
    """`count` small JSON lines batches of real CSL abstracts (two each); their names."""
    lines = [line for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n") if line]
    names = []
    for number in range(count):
        name = f"csl-{number + 1}"
        (folder / f"{name}.jsonl").write_text("\n".join(lines[2 * number : 2 * number + 2]) + "\n", encoding="utf-8")
        names.append(name)
    return names


def test_the_closing_line_names_the_batch_page_and_the_index(sample_batch: Path) -> None:
    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    line = closing_line(result.stderr)
    assert line.startswith("digest: 1 batch done, 0 skipped (unchanged), 0 failed; 19 records (12 zh, 7 en)")
    assert line.endswith("; pages written: output/seed-cnki-export.digest.html; index: output/index.html"), line
    assert Path("output/seed-cnki-export.digest.html").is_file() and Path("output/index.html").is_file()


def test_a_run_with_nothing_new_names_the_index_alone(sample_batch: Path) -> None:
    assert run_digest("run").exit_code == 0
    again = run_digest("run")
    assert again.exit_code == 0, again.stderr
    line = closing_line(again.stderr)
    assert line.startswith("digest: 0 batches done, 1 skipped (unchanged)")
    assert line.endswith("s; index: output/index.html") and "pages written" not in line, line


def test_a_few_batches_are_named_and_many_counted(workdir: Path) -> None:
    names = csl_batches(workdir / "input", 3)
    result = run_digest("run", "--keywords", "0")
    assert result.exit_code == 0, result.stderr
    pages = closing_line(result.stderr).split("; pages written: ", 1)[1].removesuffix("; index: output/index.html")
    assert sorted(pages.split(", ")) == [f"output/{name}.digest.html" for name in names]

    (workdir / "many").mkdir()
    csl_batches(workdir / "many", 5)
    result = run_digest("run", "many", "-o", "many-out", "--keywords", "0")
    assert result.exit_code == 0, result.stderr
    assert closing_line(result.stderr).endswith("; pages written for 5 batches; index: many-out/index.html")


def test_the_closing_line_names_the_output_folder_given(workdir: Path) -> None:
    shutil.copy(SAMPLE_EXPORT, workdir / "input" / "seed.txt")
    result = run_digest("run", "-o", "digests")
    assert result.exit_code == 0, result.stderr
    assert closing_line(result.stderr).endswith("; pages written: digests/seed.digest.html; index: digests/index.html")


def test_a_batch_without_pages_is_not_named(workdir: Path) -> None:
    """A batch whose pages failed (here: its JSONL is not a batch's) is not among the pages written; the index is."""
    csl_batches(workdir / "input", 1)
    assert run_digest("run", "--keywords", "0").exit_code == 0
    Path("output/broken.jsonl").write_text('{"not": "a record"}\n', encoding="utf-8")
    result = run_digest("run", "--keywords", "0")
    assert result.exit_code == 1, result.stderr
    line = closing_line(result.stderr)
    assert "broken" not in line.split("; 0 from cache)", 1)[1], line
    assert line.endswith("; index: output/index.html"), line


def test_quiet_prints_no_closing_line(sample_batch: Path) -> None:
    """A guard (it passed before the line named the pages): --quiet keeps cron logs to warnings."""
    result = run_digest("run", "-q")
    assert result.exit_code == 0 and "index.html" not in result.stderr, result.stderr


def test_the_closing_line_of_a_run_from_cron(sample_batch: Path, workdir: Path) -> None:
    """As cron starts it: a process of its own, stderr not a terminal; the line is the last of the log."""
    done = subprocess.run(
        [sys.executable, "-m", "jobs", "run"], cwd=workdir, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert closing_line(done.stderr).endswith(
        "; pages written: output/seed-cnki-export.digest.html; index: output/index.html"
    )
    run_log = json.loads(Path("output/runs.jsonl").read_text(encoding="utf-8"))
    assert "index_page" not in run_log and "pages_written" not in run_log  # the run log keeps its fields
