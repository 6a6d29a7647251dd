"""Odd inputs beyond issue 20's own cases: each fails alone, is skipped, or is a usage error, never wedging runs.

Each test here failed on the code as issue 20 left it, except the guards (marked so) that keep a
fix from going too far: a batch file in the output folder whose name is too long for its pages
stopped every run with exit 74; a file with a byte-order mark was read through its hole; `digest
render` with too few file descriptors left a batch out of the feed with exit 0, `models remove`
gave a traceback, a soft limit that could simply be raised was refused, and a local Ray instance
with too few failed every batch with a traceback; a deleted working folder gave a traceback; a copy
of one of digest's pages, a web page and an XML export were published as abstracts; a run over
other inputs forgot the links it kept; an input that became a FIFO was waited on forever.
"""

from __future__ import annotations

import codecs
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.errors import BatchError
from jobs.reading import BatchSource, read_file_records, read_records, scan_input

from .conftest import Alarm, import_component, read_jsonl, run_digest
from .test_inputs import CHUNKS, assert_published, reads_at_most, write_batch


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


# --- a byte-order mark, then a hole -----------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, bom",
    [
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
    ],
)
def test_a_file_with_a_bom_and_a_hole_is_found_not_text_without_reading_it_all(
    workdir: Path, encoding: str, bom: bytes
) -> None:
    # A Notepad export (UTF-8 or UTF-16 with a BOM) whose end a crash left as a hole, or a disk
    # image that starts with a BOM's bytes: the BOM said text, and the hole was read through.
    text = (CHUNKS[0] + "\n" + CHUNKS[1] + "\n").encode(encoding)
    sparse = workdir / "input" / "notepad.txt"
    with sparse.open("wb") as handle:
        handle.write(bom + text)
        os.truncate(handle.fileno(), 512 << 20)
    lines = (CHUNKS[0] + CHUNKS[1]).count("\n") + 3  # the two abstracts' lines, and the line the hole starts
    with reads_at_most(len(bom + text) + (2 << 20)), pytest.raises(BatchError) as refused:
        scan_input(sparse)
    nul = "a NUL byte" if encoding == "utf-8" else "a NUL character"
    assert str(refused.value).startswith(f"{sparse}: not a text file ({nul} at byte {len(bom + text)}, line {lines})")
    with pytest.raises(BatchError) as whole:  # read whole, the file is no text either
        list(read_records(BatchSource("notepad", sparse), bom + text + b"\x00" * 8))
    assert str(whole.value) == str(refused.value)

    write_batch(workdir / "input" / "z.txt")
    with Alarm(120, "a hole read through"):
        result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"digest: error: {str(refused.value).removeprefix(str(workdir) + '/')}"]
    assert_published("z")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_zero_bytes_inside_characters_are_still_text(workdir: Path, encoding: str) -> None:
    # A guard: "A一" in UTF-16-LE is 41 00 00 4E, two NUL bytes side by side but no NUL character.
    text = "\ufeffA一丁" + CHUNKS[0] + "\n"
    path = workdir / "input" / "wide.txt"
    path.write_bytes(text.encode(encoding))
    assert b"\x00\x00" in path.read_bytes()
    scan_input(path)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert_published("wide")


# --- file descriptors ------------------------------------------------------------------------------


def test_render_with_too_few_file_descriptors_is_refused(sample_batch: Path) -> None:
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    feed = Path("output/feed.xml").read_bytes()
    result = digest_in(None, "render", "output/seed-cnki-export.jsonl", limits=(6, 6))
    assert result.returncode == 2, result.stderr  # it said 0, with the batch left out of the feed
    [line] = result.stderr.splitlines()
    assert line.startswith("digest: error: too many open files: digest needs 32 free file descriptors and has ")
    assert Path("output/feed.xml").read_bytes() == feed


@pytest.mark.parametrize(
    "args",
    [["run", "--engine", "gloss"], ["render", "output/seed-cnki-export.jsonl"]],
    ids=["run", "render"],
)
def test_a_soft_limit_below_the_hard_limit_is_raised_rather_than_refused(sample_batch: Path, args: list[str]) -> None:
    # `ulimit -Sn 16` under a hard limit of 4096: digest may raise its own soft limit, as Go's
    # runtime, Ray and many servers do; refusing made the operator edit the crontab for nothing.
    # (`render` did not check at all: with it, a guard that the check raises the limit too.)
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    Path("output/seed-cnki-export.digest.html").unlink()
    result = digest_in(None, *args, limits=(16, 4096))
    assert result.returncode == 0, result.stderr
    assert "too many open files" not in result.stderr
    assert Path("output/seed-cnki-export.digest.html").is_file()


def test_removing_a_model_with_too_few_file_descriptors_leaves_it_whole(argos_models: Path, tmp_path: Path) -> None:
    models = Path(shutil.copytree(argos_models, tmp_path / "models"))
    files = sorted(models.rglob("*"))
    result = digest_in(None, "models", "remove", "zh_en", "--models-dir", str(models), limits=(5, 5))
    assert result.returncode == 2, result.stderr  # a traceback from shutil.rmtree, with exit 1
    [line] = result.stderr.splitlines()
    assert line.startswith("digest: error: too many open files: digest needs 32 free file descriptors")
    assert sorted(models.rglob("*")) == files


def test_a_local_ray_instance_with_too_few_file_descriptors_is_refused(sample_batch: Path) -> None:
    import_component("ray", "Ray is not installed (pip install -e '.[ray]')")
    # Its raylet and GCS server start with the run's limit: with 48 they did not start, and every
    # batch failed with a traceback as an internal error, 30 s each.
    with Alarm(120, "Ray started with too few file descriptors"):
        result = digest_in(None, "run", "--engine", "gloss", "--executor", "ray", "--workers", "1", limits=(48, 48))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("digest: error: too many open files: a local Ray instance needs 256 free file descriptors")
    assert line.endswith("(ulimit -n is 48); raise ulimit -n")
    assert os.listdir("output") == []


@pytest.mark.slow
def test_a_local_ray_instance_raises_a_low_soft_limit(sample_batch: Path) -> None:
    # A guard: the check before Ray starts raises a soft limit below its need, as Ray itself would.
    import_component("ray", "Ray is not installed (pip install -e '.[ray]')")
    result = digest_in(None, "run", "--engine", "gloss", "--executor", "ray", "--workers", "1", limits=(48, 4096))
    assert result.returncode == 0, result.stderr
    assert len(read_jsonl(Path("output/seed-cnki-export.jsonl"))) == 19


# --- a deleted working folder ----------------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True], ids=["relative paths", "absolute paths"])
def test_a_deleted_working_folder_is_a_usage_error(workdir: Path, absolute: bool) -> None:
    # cron started digest from a folder that was removed (a release directory swapped away).
    write_batch(workdir / "input" / "a.txt")
    gone = workdir / "gone"
    gone.mkdir()
    args = ["-o", str(workdir / "fresh-output"), str(workdir / "input")] if absolute else []

    def in_deleted_folder() -> None:
        os.chdir(gone)
        os.rmdir(gone)

    result = subprocess.run(
        [sys.executable, "-m", "jobs", "run", "--engine", "gloss", *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=in_deleted_folder,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "digest: error: the current folder no longer exists (it was deleted); run digest from a folder that exists"
    ]
    assert not (workdir / "fresh-output").exists() and os.listdir(workdir / "output") == []


# --- copies of digest's own pages ------------------------------------------------------------------


def test_a_copy_of_a_page_digest_wrote_is_skipped(sample_batch: Path, tmp_path: Path) -> None:
    # `cp` rather than `ln`, a backup restored (hard links broken), or a page of another output
    # folder: the Markdown page was published as 208 abstracts, the HTML page as one of markup.
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    assert run_digest("run", "--engine", "gloss", "-o", str(tmp_path / "elsewhere")).exit_code == 0
    copies = {
        "page.md": "output/seed-cnki-export.digest.md",
        "page.html": "output/seed-cnki-export.digest.html",
        "index.html": "output/index.html",
        "news.xml": "output/feed.xml",
        "other.html": str(tmp_path / "elsewhere" / "seed-cnki-export.digest.html"),
    }
    for name, source in copies.items():
        shutil.copy(source, f"input/{name}")
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert sorted(line for line in result.stderr.splitlines() if "warning" in line) == [
        f"digest: warning: input/{name} is a copy of a page, index, feed or citation file digest wrote (it has a "
        "digest-sources line); skipped"
        for name in sorted(copies)
    ]
    assert sorted(name for name in os.listdir("output") if name.endswith(".jsonl")) == [
        "runs.jsonl",
        "seed-cnki-export.jsonl",
    ]


def test_a_copy_of_a_citation_file_digest_wrote_is_skipped(sample_batch: Path) -> None:
    # Its RIS and BibTeX read as exports (a batch of the translations), its CSL-JSON as a text
    # export; a topic's too, the empty CSL-JSON of a topic nothing matches among them.
    Path("digest.toml").write_text(
        '[run]\nengine = "gloss"\n\n[topics.nuclear]\nkeywords = ["核武器"]\n\n[topics.quantum]\nkeywords = ["量子计算"]\n',
        encoding="utf-8",
    )
    assert run_digest("run").exit_code == 0
    copies = {
        "batch.ris": "output/seed-cnki-export.ris",
        "batch.bib": "output/seed-cnki-export.bib",
        "batch.csl.json": "output/seed-cnki-export.csl.json",
        "nuclear.ris": "output/topics/nuclear.ris",
        "nuclear.bib": "output/topics/nuclear.bib",
        "nuclear.csl.json": "output/topics/nuclear.csl.json",
        "quantum.csl.json": "output/topics/quantum.csl.json",
    }
    for name, source in copies.items():
        shutil.copy(source, f"input/{name}")
    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    assert sorted(line for line in result.stderr.splitlines() if "warning" in line) == [
        f"digest: warning: input/{name} is a copy of a page, index, feed or citation file digest wrote (it has a "
        "digest-sources line); skipped"
        for name in sorted(copies)
    ]
    assert sorted(name for name in os.listdir("output") if name.endswith(".jsonl")) == [
        "runs.jsonl",
        "seed-cnki-export.jsonl",
    ]


#: A CNKI article page saved from the browser (Ctrl-S) into input/ in place of an export.
CNKI_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>基于深度学习的中文科技文献摘要生成 - 中国知网</title>
<script>var pageConfig = {"fileName": "JSJX202401001"};</script>
<style>.abstract-text { font-size: 14px; }</style></head>
<body>
<div class="abstract-text"><span>摘要：</span>本文提出了一种基于深度学习的中文科技文献摘要自动生成方法。实验结果表明，该方法在多个数据集上取得了较好的效果。</div>
</body></html>
"""
#: An EndNote XML export, a format digest does not read.
ENDNOTE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<xml><records><record><titles><title>基于深度学习的中文科技文献摘要生成</title></titles>
<abstract>本文提出了一种基于深度学习的中文科技文献摘要自动生成方法。</abstract></record></records></xml>
"""


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("saved-page.html", CNKI_PAGE, "an HTML page"),
        ("saved-page.txt", CNKI_PAGE.replace("<!DOCTYPE html>", "<!doctype HTML>"), "an HTML page"),
        ("no-doctype.htm", CNKI_PAGE.removeprefix("<!DOCTYPE html>\n"), "an HTML page"),
        ("bom.html", "\ufeff\r\n  " + CNKI_PAGE, "an HTML page"),
        ("endnote.xml", ENDNOTE_XML, "an XML document"),
    ],
)
def test_a_web_page_or_an_xml_file_is_not_read_as_abstracts(workdir: Path, name: str, content: str, kind: str) -> None:
    # It was published as one abstract of markup, scripts and styles, with exit 0.
    (workdir / "input" / name).write_text(content, encoding="utf-8")
    write_batch(workdir / "input" / "z.txt")
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [
        f"digest: error: input/{name}: {kind}, not an export of abstracts; export them as text, RIS, BibTeX or "
        "JSON lines to process it"
    ]
    assert_published("z")
    assert sorted(os.listdir("output")) == sorted(
        ["z.jsonl", "z.digest.md", "z.digest.html", "index.html", "feed.xml", "runs.jsonl", ".digest-manifest.json"]
        + ["z.ris", "z.bib", "z.csl.json"]  # its citations
    )


def test_an_export_that_mentions_markup_is_read(workdir: Path) -> None:
    # A guard: only a file that starts as a web page or an XML document is one.
    abstract = "摘要：本文分析了网页中<html>标签与<?xml?>声明的使用情况，提出了一种结构化抽取方法。"
    (workdir / "input" / "web.txt").write_text(f"{abstract}\n\n<html> 标签的研究。\n", encoding="utf-8")
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert len(read_jsonl(Path("output/web.jsonl"))) == 2


# --- kept links, and a run over other inputs -------------------------------------------------------


def test_a_run_over_other_inputs_does_not_forget_the_links_kept(sample_batch: Path, tmp_path: Path) -> None:
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    os.link("output/runs.jsonl", "input/runs-backup.jsonl")
    assert run_digest("run", "--engine", "gloss").exit_code == 0  # skips it; the run log is replaced
    urgent = write_batch(tmp_path / "urgent.txt", 1)
    assert run_digest("run", "--engine", "gloss", str(urgent)).exit_code == 0  # one file, by hand
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert "digest: warning: input/runs-backup.jsonl was one of digest's own outputs; skipped" in result.stderr
    assert not Path("output/runs-backup.jsonl").exists()


def test_kept_links_are_forgotten_once_their_files_are_gone(sample_batch: Path) -> None:
    # A guard: kept across runs over other inputs, the manifest's links still do not pile up.
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    for number in range(3):
        os.link("output/runs.jsonl", f"input/runs-{number}.jsonl")
        assert run_digest("run", "--engine", "gloss").exit_code == 0
    manifest = json.loads(Path("output/.digest-manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["own_copies"]) == 3
    for number in range(3):
        os.unlink(f"input/runs-{number}.jsonl")
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    assert "own_copies" not in json.loads(Path("output/.digest-manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "copies",
    ['[[1, 2, 3, 4, 5], [1, 2, 3, 4, "x", 6], [1, 2, 3, 4, null]]', '[[1, 2, 3, 4, "a\\u0000b"], [1, 2, 3, 4, "/"]]'],
    ids=["paths of another shape", "paths no file has"],
)
def test_kept_links_with_odd_paths_in_the_manifest_are_harmless(sample_batch: Path, copies: str) -> None:
    # A guard: a manifest edited by hand, with a NUL in a path (os.stat raises ValueError), crashes nothing.
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    manifest = Path("output/.digest-manifest.json")
    manifest.write_text(manifest.read_text(encoding="utf-8")[:-2] + f', "own_copies": {copies}}}\n', encoding="utf-8")
    result = run_digest("run", "--engine", "gloss", "--force")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    assert "own_copies" not in json.loads(manifest.read_text(encoding="utf-8"))


# --- something other than a file -------------------------------------------------------------------


def test_an_input_that_became_a_fifo_is_not_waited_on(workdir: Path) -> None:
    # Listed as a file, then replaced (mv, or a hostile user) before its turn: open() waited for a
    # writer forever, holding the lock, and every later run exited 75.
    fifo = workdir / "input" / "a.txt"
    os.mkfifo(fifo)
    with Alarm(20, "a FIFO opened as an input"), pytest.raises(OSError):
        scan_input(fifo)
    with Alarm(20, "a FIFO opened as an input"), pytest.raises(BatchError) as refused:
        list(read_file_records(BatchSource("a", fifo), scan_input(write_batch(workdir / "b.txt"))))
    assert str(refused.value) == f"{fifo}: cannot be read: not a regular file"


def test_an_input_that_is_not_a_file_or_a_folder_is_named_so(workdir: Path) -> None:
    os.mkfifo(workdir / "fifo")
    os.symlink("/dev/zero", workdir / "zero")
    for name in ("fifo", "zero"):
        with Alarm(60, "a FIFO or a device given as an input"):
            result = run_digest("run", "--engine", "gloss", name)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"digest: error: input {name} is not a file or a folder; give text files or folders of them"
        ]
