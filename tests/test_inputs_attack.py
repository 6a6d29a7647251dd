"""Odd inputs beyond issue 20's own cases: each fails alone, is skipped, or is a usage error, never wedging runs.

Each test here failed on the code as issue 20 left it: a batch file in the output folder whose name
is too long for its pages stopped every run with exit 74; a file with a byte-order mark was read
through its hole; `digest render` with too few file descriptors left a batch out of the feed with
exit 0, and a soft limit that could simply be raised was refused; a deleted working folder gave a
traceback; a copy of one of digest's pages was published as abstracts; a run over other inputs
forgot the links it kept; an input that became a FIFO was waited on forever.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import run_digest
from .test_inputs import assert_published, write_batch


def digest_in(cwd: Path | None, *args: str, limits: tuple[int, int] | None = None) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` in a child process, optionally under `ulimit -Sn/-Hn` LIMITS."""

    def start() -> None:
        if limits is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)

    return subprocess.run(
        [sys.executable, "-m", "jobs", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        preexec_fn=start,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("digest: error:")]


# --- a batch in the output folder whose name is too long for its pages -----------------------------


def test_a_batch_file_whose_name_is_too_long_for_its_pages_fails_alone(sample_batch: Path) -> None:
    # Left by a digest from before names were checked (it wrote the records, then failed on the
    # pages), or copied in: a page's temporary file needs 38 bytes and more beside the name.
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    long_name = "q" * 230
    shutil.copy("output/seed-cnki-export.jsonl", f"output/{long_name}.jsonl")
    expected = (
        f"digest: error: output/{long_name}.jsonl: the batch name is too long for the names of its pages "
        "(the file system allows 255 bytes); remove its files from the output folder, and rename its input "
        "to at most 209 bytes before the suffix to process it"
    )
    for _ in range(2):  # every run: the pages of the other batches, the index and the feed are written
        write_batch(Path("input/z.txt"))
        result = run_digest("run", "--engine", "gloss")
        assert result.exit_code == 1, result.stderr  # a page failed, as the README's exit codes say
        assert error_lines(result.stderr) == [expected]
        assert_published("z")
        Path("input/z.txt").unlink()
        Path("output/z.jsonl").unlink()
    assert not [name for name in os.listdir("output") if name.startswith(long_name) and name != f"{long_name}.jsonl"]

    result = run_digest("render", f"output/{long_name}.jsonl")
    assert result.exit_code == 1 and error_lines(result.stderr) == [expected]
