"""Odd inputs: each fails alone, is skipped, or is refused as a usage error, never wedging every run (issue 20).

Each test here failed on the code before its fix: a long file name stopped every run at its batch
(exit 74, no index or feed), a huge or sparse file was read whole before it was found not to be
text, too few file descriptors gave a traceback or "reinstall the package", a path longer than
PATH_MAX gave a traceback, a hard link of an output was published as an abstract, and two names that
differ only in Unicode normalisation became two batches that look the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from jobs.errors import BatchError
from jobs.reading import MAX_INPUT_BYTES, scan_input

from .conftest import SAMPLE_EXPORT, Alarm, read_jsonl, run_digest

CHUNKS = [chunk.strip() for chunk in SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献") if chunk.strip()]


def write_batch(path: Path, number: int = 0) -> Path:
    """One abstract of the real sample export as a batch of its own."""
    path.write_text(CHUNKS[number] + "\n", encoding="utf-8")
    return path


def assert_published(name: str) -> None:
    """Batch `name` was written: its record, its pages, and its place in the index and the feed."""
    assert len(read_jsonl(Path(f"output/{name}.jsonl"))) == 1
    assert Path(f"output/{name}.digest.md").is_file() and Path(f"output/{name}.digest.html").is_file()
    page = quote(f"{name}.digest.html")
    assert page in Path("output/index.html").read_text(encoding="utf-8")
    assert page in Path("output/feed.xml").read_text(encoding="utf-8")


def digest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jobs", *args], capture_output=True, text=True, timeout=300)


# --- huge and sparse files ------------------------------------------------------------------------


def bytes_read() -> int:
    """Bytes this process has read so far, by Linux's count (`rchar` of /proc/self/io)."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["rchar"])


@contextmanager
def reads_at_most(limit: int) -> Iterator[None]:
    before = bytes_read()
    with Alarm(60, "a sparse file read whole"):
        yield
    assert bytes_read() - before <= limit


def test_a_file_over_the_size_ceiling_is_refused_before_it_is_read(workdir: Path) -> None:
    huge = workdir / "input" / "s.txt"
    with huge.open("wb") as handle:
        handle.write(CHUNKS[0].encode())
        os.truncate(handle.fileno(), MAX_INPUT_BYTES + 1)  # a sparse file: no disk, and no time, to make
    with reads_at_most(64 << 10), pytest.raises(BatchError) as refused:
        scan_input(huge)
    assert str(refused.value) == (
        f"{huge}: 1.0 GiB, more than the 1 GiB digest reads from one input file; split it to process it"
    )

    write_batch(workdir / "input" / "z.txt")
    with Alarm(120, "a huge file read whole"):
        result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("digest: error:")] == [
        "digest: error: input/s.txt: 1.0 GiB, more than the 1 GiB digest reads from one input file; split it to process it"
    ]
    assert_published("z")


@pytest.mark.parametrize("text_before", [0, 1, 3 << 20], ids=["all NULs", "one byte", "3 MiB of text"])
def test_a_sparse_file_under_the_ceiling_is_found_not_text_without_reading_it_all(
    workdir: Path, text_before: int
) -> None:
    sparse = workdir / "input" / "disk.img"
    text = (CHUNKS[0] + "\n").encode() * (text_before // len(CHUNKS[0].encode()) + 1)
    with sparse.open("wb") as handle:
        handle.write(text[:text_before])
        os.truncate(handle.fileno(), 512 << 20)  # a hole: NUL bytes as far as any reader can tell
    lines = text[:text_before].count(b"\n") + 1
    with reads_at_most(text_before + (2 << 20)), pytest.raises(BatchError) as refused:
        scan_input(sparse)
    assert str(refused.value).startswith(f"{sparse}: not a text file (a NUL byte at byte {text_before}, line {lines})")

    write_batch(workdir / "input" / "z.txt")
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1 and "input/disk.img: not a text file" in result.stderr
    assert_published("z")


def test_utf16_is_still_text_though_half_its_bytes_are_nul(workdir: Path) -> None:
    (workdir / "input" / "u16.txt").write_bytes("\ufeff".encode("utf-16-le") + CHUNKS[0].encode("utf-16-le"))
    scan_input(workdir / "input" / "u16.txt")  # no NUL check on UTF-16: its NULs are half its characters
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert_published("u16")
