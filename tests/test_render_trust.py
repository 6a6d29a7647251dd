"""Pages, index and feed that say what their batch holds, on any machine (issue 20).

Whether a page is up to date is decided by what it was made from (the hash it carries), never
by comparing its time with its batch's: clocks differ between machines, and copies keep times.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from jobs.render import render_all

from .conftest import repo_data
from .test_render import QUIET, parse_feed, run_pipeline

#: Ten years ahead: pages written by a machine whose clock ran ahead, or unpacked with its times.
FUTURE = time.time() + 10 * 365 * 86400
PAST = 631_152_000  # 1990-01-01


def csl_batch(path: Path, ids: list[str]) -> Path:
    """A JSON lines input of real CSL abstracts, one per id, in order."""
    lines = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()
    records = [{**json.loads(line), "id": record_id} for line, record_id in zip(lines, ids)]
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def readers_files(output: Path) -> list[Path]:
    """The pages of every batch, the index and the feed."""
    return sorted(output.glob("*.digest*")) + [output / "index.html", output / "feed.xml"]


def shown_ids(output: Path, batch: str) -> dict[str, list[str]]:
    """The record ids each readers' file shows for `batch`, in order."""
    html = (output / f"{batch}.digest.html").read_text(encoding="utf-8")
    markdown = (output / f"{batch}.digest.md").read_text(encoding="utf-8")
    feed = parse_feed(output / "feed.xml")
    return {
        "html": re.findall(r'<article class="record" id="([^"]+)"', html),
        "markdown": re.findall(r'<a id="([^"]+)"></a>', markdown),
        "feed": [entry.link.rsplit("#", 1)[1] for entry in feed.entries],
    }


def test_pages_dated_in_the_future_are_rebuilt_when_their_batch_is_redone(tmp_path: Path) -> None:
    # Pages whose time is ahead of the batch's (another machine's clock, a copy that kept its
    # times) looked newer than a batch redone since: `a.jsonl` new, its pages old, exit 0.
    export = csl_batch(tmp_path / "a.jsonl", ["r1", "r2"])
    output = tmp_path / "output"
    run_pipeline([export], output)
    for path in readers_files(output):
        os.utime(path, (FUTURE, FUTURE))
    csl_batch(export, ["s1", "s2", "s3"])
    run_pipeline([export], output)
    expected = ["s1", "s2", "s3"]
    assert shown_ids(output, "a") == {"html": expected, "markdown": expected, "feed": expected}
    assert "3 abstracts" in (output / "index.html").read_text(encoding="utf-8")


def test_a_batch_replaced_with_its_old_size_and_time_gets_new_pages_index_and_feed(tmp_path: Path) -> None:
    # A batch restored from a backup, or synced from another machine, with its time kept (`cp
    # -p`, `rsync -t`): the same size and time as the one the pages were made from, other records.
    export = csl_batch(tmp_path / "a.jsonl", ["r1", "r2"])
    output = tmp_path / "output"
    run_pipeline([export], output)
    batch = output / "a.jsonl"
    before = batch.stat()
    batch.write_text(batch.read_text(encoding="utf-8").replace('"id": "r', '"id": "s'), encoding="utf-8")
    os.utime(batch, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert batch.stat().st_size == before.st_size
    render_all(output, warn=QUIET)
    assert shown_ids(output, "a") == {"html": ["s1", "s2"], "markdown": ["s1", "s2"], "feed": ["s1", "s2"]}
    assert 'href="a.digest.html"' in (output / "index.html").read_text(encoding="utf-8")


def test_pages_dated_in_the_past_of_an_unchanged_batch_are_left_alone(tmp_path: Path) -> None:
    # Pages that look older than their batch (a clock behind, a copy that kept its times) but were
    # made from exactly its records are not written again: the same files, the same bytes.
    export = csl_batch(tmp_path / "a.jsonl", ["r1", "r2"])
    output = tmp_path / "output"
    run_pipeline([export], output)
    files = readers_files(output)
    for path in files:
        os.utime(path, (PAST, PAST))
    before = {path: (path.stat().st_ino, path.read_bytes()) for path in files}
    run_pipeline([export], output)
    assert render_all(output, warn=QUIET).written == []
    assert {path: (path.stat().st_ino, path.read_bytes()) for path in files} == before
