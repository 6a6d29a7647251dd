"""Odd inputs: each fails alone, is skipped, or is refused as a usage error, never wedging every run (issue 20).

Each test here failed on the code before its fix: a long file name stopped every run at its batch
(exit 74, no index or feed), a huge or sparse file was read whole before it was found not to be
text, too few file descriptors gave a traceback or "reinstall the package", a path longer than
PATH_MAX gave a traceback, a hard link of an output was published as an abstract, and two names that
differ only in Unicode normalisation became two batches that look the same.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from jobs.errors import BatchError
from jobs.limits import MAX_INPUT_BYTES
from jobs.reading import scan_input
from jobs.render.batch import PAGE_SIZE
from jobs.render.formats import batch_name_limit
from jobs.writing import atomic_text_file, longest_temporary_name

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


# --- long file names ------------------------------------------------------------------------------

#: The longest name digest derives from a batch name N, on a file system whose names may be 255
#: bytes: the temporary file of the last page the largest batch allowed can have,
#: `.N.digest-5368710.html.PID.XXXXXXXX.partial` (a Linux process id has up to 7 digits, the random
#: part of a temporary name is 8 characters), 46 bytes more than N.
LONGEST_PAGE = -(-MAX_INPUT_BYTES // PAGE_SIZE)  # one abstract a byte: more than any file holds
NAME_LIMIT = 255 - len(f"..digest-{LONGEST_PAGE}.html.{4194304}.XXXXXXXX.partial")
#: A paper's title used as the file name: 75 Chinese characters, 225 bytes in UTF-8.
CHINESE_TITLE = "基于深度学习与知识图谱融合的中文科技文献摘要自动翻译及抽取式摘要生成方法研究：以知网收录的医学、工程与社会科学期刊论文为例的大规模实证分析及其系统评价"


def test_the_name_limit_counts_the_longest_file_derived_from_the_name(workdir: Path) -> None:
    assert len(CHINESE_TITLE) == 75 and len(CHINESE_TITLE.encode()) == 225
    assert NAME_LIMIT == 209
    assert batch_name_limit(workdir / "output") == NAME_LIMIT
    assert batch_name_limit(workdir / "not" / "made" / "yet") == NAME_LIMIT  # the nearest folder that is


def test_no_temporary_name_is_longer_than_digest_counts(tmp_path: Path) -> None:
    target = tmp_path / f"{'中' * 50}.digest-5368710.html"
    with atomic_text_file(target):
        [temporary] = [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
    assert temporary.startswith(f".{target.name}.{os.getpid()}.")
    assert len(temporary.encode()) <= len(longest_temporary_name(target.name).encode())


@pytest.mark.parametrize(
    "stem", [CHINESE_TITLE, "q" * (NAME_LIMIT + 1), "中" * (NAME_LIMIT // 3) + "q" * (NAME_LIMIT % 3 + 1)]
)
def test_a_file_name_too_long_for_its_outputs_fails_alone(workdir: Path, stem: str) -> None:
    for name in ("a.txt", "z.txt", "龙门石窟.txt"):  # before and after it, in ASCII and in Chinese
        write_batch(workdir / "input" / name)
    write_batch(workdir / "input" / f"{stem}.txt", 1)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1, result.stderr  # a failed batch, as the README's exit codes say
    errors = [line for line in result.stderr.splitlines() if line.startswith("digest: error:")]
    assert errors == [
        f"digest: error: input/{stem}.txt: the file name is too long for digest's files: rename it to at most "
        f"{NAME_LIMIT} bytes (69 Chinese characters) before the suffix to process it"
    ]
    for name in ("a", "z", "龙门石窟"):
        assert_published(name)
    assert [p for p in os.listdir("output") if p.startswith(stem[:20])] == []
    [logged] = read_jsonl(Path("output/runs.jsonl"))
    assert logged["batches"] == {"done": 3, "skipped": 0, "failed": 1} and logged["exit_code"] == 1
    again = run_digest("run", "--engine", "gloss")  # the next run is no different
    assert again.exit_code == 1 and "0 batches done, 3 skipped" in again.stderr


@pytest.mark.parametrize("stem", ["q" * NAME_LIMIT, "中" * (NAME_LIMIT // 3) + "q" * (NAME_LIMIT % 3)])
def test_a_file_name_just_within_the_limit_is_a_batch(workdir: Path, stem: str) -> None:
    assert len(stem.encode()) == NAME_LIMIT
    write_batch(workdir / "input" / f"{stem}.txt")
    write_batch(workdir / "input" / "z.txt", 1)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert_published(stem)
    assert_published("z")


def test_a_name_that_keeps_its_suffix_is_measured_with_it(workdir: Path) -> None:
    stem = "q" * (NAME_LIMIT - 2)  # fits alone; with its suffix kept (another input has its stem) it does not
    write_batch(workdir / "input" / f"{stem}.txt")
    write_batch(workdir / "input" / f"{stem}.md", 1)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1
    assert result.stderr.count("the file name is too long for digest's files") == 2


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


# --- few file descriptors -------------------------------------------------------------------------


def with_open_files(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


def digest_limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` in a child process started as `ulimit -n LIMIT` would start it."""
    return subprocess.run(
        [sys.executable, "-m", "jobs", *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: with_open_files(limit),
    )


@pytest.mark.parametrize("limit", [6, 8, 10, 16])
def test_too_few_file_descriptors_is_one_line_and_exit_2(
    sample_batch: Path, argos_models: Path, tmp_path: Path, limit: int
) -> None:
    dropped = Path(shutil.copy(argos_models.parent / "translate-zh_en-1_0.argosmodel", tmp_path / "dropped.argosmodel"))
    models = Path(shutil.copytree(argos_models, tmp_path / "models"))
    shutil.copy(dropped, models / dropped.name)  # a good package dropped in, to be installed by the run
    expected = (
        f"digest: error: too many open files: digest needs 32 free file descriptors and has {{free}} "
        f"(ulimit -n is {limit}); raise ulimit -n"
    )
    for args in (
        ["run", "--engine", "argos", "--models-dir", str(models)],
        ["run", "--engine", "gloss", "--cache", str(tmp_path / "cache.sqlite3")],
        ["models", "install", str(dropped), "--models-dir", str(tmp_path / "fresh-models")],
    ):
        result = digest_limited(limit, *args)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.splitlines()
        free = line.partition(" and has ")[2].partition(" ")[0]
        assert free.isdigit() and int(free) < 32 and line == expected.format(free=free)
    assert os.listdir("output") == []  # nothing was done
    assert (models / dropped.name).is_file()  # the good package is not taken for a damaged one
    assert not (tmp_path / "fresh-models").exists()


def test_a_model_that_cannot_be_opened_for_want_of_descriptors_is_not_called_damaged(argos_models: Path) -> None:
    # As a Ray worker loads its engine, with no descriptor free: it said "reinstall the package".
    script = """if True:
        import os, resource, sys
        from pathlib import Path
        from jobs.engines.argos import ArgosEngine
        from jobs.engines.base import EngineSettings
        from jobs.errors import ConfigError
        import ctranslate2, argostranslate.package  # imported before the limit, as in a worker
        in_use = len(os.listdir("/proc/self/fd")) - 1
        resource.setrlimit(resource.RLIMIT_NOFILE, (in_use, in_use))
        try:
            ArgosEngine.load("zh", "en", EngineSettings(models_dir=Path(sys.argv[1])))
        except ConfigError as error:
            print(error)
    """
    result = subprocess.run(
        [sys.executable, "-c", script, str(argos_models)], capture_output=True, text=True, timeout=120
    )
    assert result.stderr == ""
    assert result.stdout.startswith("too many open files: digest needs 32 free file descriptors and has 0")


@pytest.mark.slow
def test_enough_file_descriptors_are_enough(sample_batch: Path, argos_models: Path) -> None:
    result = digest_limited(64, "run", "--engine", "argos", "--models-dir", str(argos_models))
    assert result.returncode == 0, result.stderr
    assert len(read_jsonl(Path("output/seed-cnki-export.jsonl"))) == 19


# --- paths longer than PATH_MAX -------------------------------------------------------------------

PATH_MAX = os.pathconf("/", "PC_PATH_MAX")


@pytest.mark.parametrize(
    "args",
    [
        ["/".join(["d" * 200] * 25)],  # an input path of 5,024 bytes
        ["input/" + "x" * 300],  # a name longer than any file system allows
        ["-o", "/".join(["d" * 200] * 25)],
        ["-o", "out/" + "x" * 300],
    ],
    ids=["input path", "input name", "output path", "output name"],
)
def test_a_path_too_long_for_the_system_is_a_usage_error(sample_batch: Path, args: list[str]) -> None:
    result = run_digest("run", "--engine", "gloss", *args)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("digest: error: ") and "too long" in line and len(line) < 400
    assert os.listdir("output") == [] and not Path("out").exists()


def deep_folder(top: Path, length: int) -> str:
    """Make folders below `top` whose path from it is `length` bytes, one level at a time (a path
    longer than PATH_MAX cannot be made in one call), and go into the last; return its path from `top`."""
    os.chdir(top)
    parts: list[str] = []
    while length > 0:
        part = "d" * min(200, length)
        os.mkdir(part)
        os.chdir(part)  # relative: the full path may be too long for the system
        parts.append(part)
        length -= len(part) + 1
    return "/".join(parts)


def test_an_output_folder_whose_full_path_is_too_long_is_a_usage_error(workdir: Path) -> None:
    deep_folder(workdir, PATH_MAX)  # the working folder itself is deeper than PATH_MAX (the fixture comes back)
    os.mkdir("input")
    write_batch(Path("input/a.txt"))
    assert len(os.fsencode(os.path.abspath("input/a.txt"))) > PATH_MAX
    result = digest("run", "--engine", "gloss")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("digest: error: output folder output: its full path is ") and len(line) < 400
    assert line.endswith("give a shorter path")
    assert not Path("output").exists()

    # Inputs are read by the path given, here relative: a file whose full path is too long is still read.
    outside = workdir / "short-output"
    result = digest("run", "--engine", "gloss", "-o", str(outside))
    assert result.returncode == 0, result.stderr
    assert len(read_jsonl(outside / "a.jsonl")) == 1


def test_an_input_file_whose_path_is_too_long_fails_alone(workdir: Path) -> None:
    folder = "input/" + deep_folder(workdir / "input", PATH_MAX - 150 - len("input/"))
    long_name = "长" * 60 + ".txt"  # 184 bytes: a name digest takes, but with the folder's path more than PATH_MAX
    assert len(f"{folder}/a.txt".encode()) < PATH_MAX <= len(f"{folder}/{long_name}".encode())
    write_batch(Path("a.txt"))
    write_batch(Path(long_name), 1)
    os.chdir(workdir)
    result = run_digest("run", "--engine", "gloss", folder)
    assert result.exit_code == 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(line) < 400 and line.endswith(
        f"the path is {len(f'{folder}/{long_name}'.encode())} bytes, too long for the system (PATH_MAX is "
        f"{PATH_MAX}); give the input folder by a shorter path to process it"
    )
    assert_published("a")


# --- digest's own outputs linked into the input folder --------------------------------------------


def test_an_output_linked_into_the_input_folder_is_skipped(sample_batch: Path) -> None:
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    os.link("output/seed-cnki-export.digest.html", "input/page.html")  # as `cp -al output/... input/` would
    os.link("output/runs.jsonl", "input/runs-backup.jsonl")
    os.symlink("../output/seed-cnki-export.jsonl", "input/records.jsonl")
    for follow in ([], ["--follow-symlinks"]):
        result = run_digest("run", "--engine", "gloss", *follow)
        assert result.exit_code == 0, result.stderr
        assert sorted(line for line in result.stderr.splitlines() if "warning" in line) == [
            "digest: warning: input/page.html is the same file as output/seed-cnki-export.digest.html, "
            "digest's own output; skipped",
            "digest: warning: input/records.jsonl is the same file as output/seed-cnki-export.jsonl, "
            "digest's own output; skipped",
            "digest: warning: input/runs-backup.jsonl is the same file as output/runs.jsonl, digest's own output; skipped"
            if not follow  # the first run's log line was appended to a copy of its own, leaving this link behind
            else "digest: warning: input/runs-backup.jsonl was one of digest's own outputs; skipped",
        ]
        assert "0 batches done, 1 skipped" in result.stderr
        assert sorted(p for p in os.listdir("output") if p.endswith(".jsonl")) == [
            "runs.jsonl",
            "seed-cnki-export.jsonl",
        ]


@pytest.mark.parametrize("copies", ['"junk"', "[[1, 2], [true, 1, 2, 3], null]", "{}"])
def test_kept_links_of_another_shape_in_the_manifest_are_ignored(sample_batch: Path, copies: str) -> None:
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    manifest = Path("output/.digest-manifest.json")
    manifest.write_text(manifest.read_text(encoding="utf-8")[:-2] + f', "own_copies": {copies}}}\n', encoding="utf-8")
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0 and "warning" not in result.stderr and "0 batches done, 1 skipped" in result.stderr


def test_a_copy_of_an_output_is_not_a_link_to_it(sample_batch: Path) -> None:
    assert run_digest("run", "--engine", "gloss").exit_code == 0
    shutil.copy("output/seed-cnki-export.jsonl", "input/reused.jsonl")  # someone's own file now: read it
    result = run_digest("run", "--engine", "gloss")
    assert "skipped" not in result.stderr.replace("1 skipped", "")
    assert Path("output/reused.jsonl").is_file()


# --- names that differ only in Unicode normalisation ----------------------------------------------


@pytest.mark.parametrize(
    "first, second",
    [
        (unicodedata.normalize("NFC", "café.txt"), unicodedata.normalize("NFD", "café.txt")),
        (unicodedata.normalize("NFD", "Café.txt"), unicodedata.normalize("NFC", "CAFÉ.txt")),  # and case
        ("金融.txt", "\uf90a融.txt"),  # a CJK compatibility ideograph, which NFC makes the unified 金
    ],
    ids=["NFC and NFD", "NFD and NFC in another case", "CJK compatibility ideograph"],
)
def test_names_that_differ_only_in_normalisation_clash(workdir: Path, first: str, second: str) -> None:
    assert first != second
    write_batch(workdir / "input" / first)
    write_batch(workdir / "input" / second, 1)
    write_batch(workdir / "input" / "z.txt", 2)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 1
    assert result.stderr.count("another input writes the same output file") == 2
    assert sorted(os.listdir("output")) == sorted(
        ["z.jsonl", "z.digest.md", "z.digest.html", "index.html", "feed.xml", "runs.jsonl", ".digest-manifest.json"]
        + ["z.ris", "z.bib", "z.csl.json"]  # its citations
    )


def test_stems_that_differ_only_in_normalisation_keep_their_suffixes(workdir: Path) -> None:
    write_batch(workdir / "input" / unicodedata.normalize("NFC", "café.txt"))
    write_batch(workdir / "input" / unicodedata.normalize("NFD", "café.jsonl").replace(".jsonl", ".md"), 1)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    assert_published(unicodedata.normalize("NFC", "café.txt"))
    assert_published(unicodedata.normalize("NFD", "café.md"))


def test_compatibility_forms_that_nfc_keeps_are_two_batches(workdir: Path) -> None:
    # NFKC would make the Kangxi radical ⾦ (U+2FA6) the ideograph 金, and ２０２３ 2023; NFC, as a
    # file system that normalises names does (macOS), keeps them apart, and so does digest.
    for number, name in enumerate(["金融.txt", "\u2fa6融.txt", "2023.txt", "２０２３.txt"]):
        write_batch(workdir / "input" / name, number)
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 0, result.stderr
    for name in ["金融", "\u2fa6融", "2023", "２０２３"]:
        assert_published(name)
