"""What cron leaves in the output folder: damaged outputs, odd names, full disks, signals, locks.

Each test here failed on the code before it was written (issue 9): the state it sets up is one
that made digest skip a damaged batch forever, crash with a traceback, overwrite its own files,
publish a file from outside its input folder, or exit with a code a scheduler would misread.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.lock import exclusive_run
from jobs.writing import made_by_live_process

from .conftest import SAMPLE_EXPORT, digest_subprocess, read_jsonl, run_digest
from .test_run import partial_files, wait_for, write_csl_batch

OUTPUT = Path("output/seed-cnki-export.jsonl")


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes: to show that nothing changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- damaged outputs and manifests ------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "emptied", "deleted errors file"])
def test_a_damaged_output_is_redone_without_force(workdir: Path, damage: str) -> None:
    shutil.copy(SAMPLE_EXPORT, workdir / "input")
    # One bad line, so that the batch also has an errors file to damage.
    lines = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[:3]
    records = [
        json.dumps({"id": f"r{i}", "abstract": text.strip()}, ensure_ascii=False) for i, text in enumerate(lines)
    ]
    (workdir / "input" / "mixed.jsonl").write_text(
        "\n".join([*records, '{"id": "r9", "abstract": ']) + "\n", encoding="utf-8"
    )
    assert run_digest("run", "-q").exit_code == 1
    good = {path: path.read_bytes() for path in (OUTPUT, Path("output/mixed.jsonl"), Path("output/mixed.errors.jsonl"))}

    if damage == "truncated":
        OUTPUT.write_bytes(good[OUTPUT][: len(good[OUTPUT]) // 2])
    elif damage == "emptied":
        OUTPUT.write_bytes(b"")
    else:
        Path("output/mixed.errors.jsonl").unlink()

    result = run_digest("run")
    assert "1 batch done, 1 skipped (unchanged)" in result.stderr
    assert {path: path.read_bytes() for path in good} == good
    assert run_digest("run").stderr.count("0 batches done, 2 skipped") == 1


def test_a_truncated_page_newer_than_its_jsonl_is_rebuilt(sample_batch: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    page = Path("output/seed-cnki-export.digest.html")
    whole = page.read_bytes()
    page.write_bytes(whole[:1000])  # newer than the JSONL now, but cut short
    assert run_digest("run", "-q").exit_code == 0
    assert page.read_bytes() == whole


@pytest.mark.parametrize("entry", ['"x"', "[]", '{"input_hash": 7}', '{"input_hash": "sha256:0", "outputs": "x"}'])
def test_a_manifest_entry_of_the_wrong_shape_is_ignored_with_a_warning(sample_batch: Path, entry: str) -> None:
    Path("output/.digest-manifest.json").write_text(
        f'{{"version": 1, "batches": {{"seed-cnki-export": {entry}, "csl": "x"}}}}', encoding="utf-8"
    )
    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("of an unknown shape") == 1 and "'csl'" in result.stderr
    assert len(read_jsonl(OUTPUT)) == 19
    assert "0 batches done, 1 skipped" in run_digest("run").stderr


# --- folders and names --------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["input", "input/out", "."])
def test_input_and_output_folders_that_overlap_are_refused(sample_batch: Path, output: str) -> None:
    before = files_in(Path("."))
    result = run_digest("run", "-o", output)
    assert result.exit_code == 2
    assert "are the same or one is inside the other" in result.stderr
    assert files_in(Path(".")) == before and not Path("input/out").exists()


def test_an_input_file_inside_the_output_folder_is_refused(sample_batch: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    before = files_in(Path("output"))
    result = run_digest("run", str(OUTPUT))
    assert result.exit_code == 2 and "read its own outputs" in result.stderr
    assert files_in(Path("output")) == before


def test_batch_names_never_overwrite_digests_own_files(workdir: Path) -> None:
    chunks = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")
    (workdir / "input" / "runs.txt").write_text(chunks[0], encoding="utf-8")
    records = [
        json.dumps({"id": f"a{i}", "abstract": text.strip()}, ensure_ascii=False) for i, text in enumerate(chunks[1:3])
    ]
    (workdir / "input" / "a.jsonl").write_text("\n".join([*records, "[1, 2]"]) + "\n", encoding="utf-8")
    (workdir / "input" / "a.errors.jsonl").write_text(records[0] + "\n", encoding="utf-8")
    (workdir / "input" / "index").write_text(chunks[3], encoding="utf-8")

    result = run_digest("run", "-q")
    assert result.exit_code == 1  # a's bad line
    runs = read_jsonl(Path("output/runs.jsonl"))
    assert len(runs) == 1 and "started" in runs[0]  # the run log is only the run log
    assert len(read_jsonl(Path("output/runs.txt.jsonl"))) == 1
    [error] = read_jsonl(Path("output/a.errors.jsonl"))  # batch a's errors, not the input a.errors.jsonl
    assert error["reason"] == "expected a JSON object, found an array"
    assert [r["id"] for r in read_jsonl(Path("output/a.errors.jsonl.jsonl"))] == ["a0"]
    assert len(read_jsonl(Path("output/index.jsonl"))) == 1  # index.html stays the index
    assert "<title>digest: all batches</title>" in Path("output/index.html").read_text(encoding="utf-8")

    rerun = run_digest("run")
    assert "0 batches done, 4 skipped" in rerun.stderr


def test_a_batch_named_like_the_run_log_without_a_suffix_is_refused(workdir: Path) -> None:
    (workdir / "input" / "runs").write_text(SAMPLE_EXPORT.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(SAMPLE_EXPORT, workdir / "input")
    result = run_digest("run")
    assert result.exit_code == 1
    assert "digest: error: input/runs: its name is one of digest's own output files" in result.stderr
    assert len(read_jsonl(OUTPUT)) == 19
    assert all("started" in run for run in read_jsonl(Path("output/runs.jsonl")))


def test_render_refuses_a_file_that_is_not_a_batch_and_writes_nothing(sample_batch: Path) -> None:
    before = files_in(Path("input"))
    result = run_digest("render", str(sample_batch))
    assert result.exit_code == 2 and "nothing was rendered" in result.stderr
    assert files_in(Path("input")) == before and sorted(os.listdir("input")) == [sample_batch.name]


@pytest.mark.parametrize(
    "args",
    [["run", "no-such-folder"], ["run", "--engine", "argos"], ["run", "--glossary", "input/seed-cnki-export.txt"]],
)
def test_a_usage_error_creates_no_output_folder(sample_batch: Path, args: list[str]) -> None:
    result = run_digest(*args, "-o", "fresh-output")
    assert result.exit_code == 2, result.stderr
    assert not Path("fresh-output").exists()


# --- symbolic links -----------------------------------------------------------------------------


def test_an_input_symlink_leading_outside_the_folder_is_skipped(
    workdir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("private") / "notes.txt"
    outside.write_text("内部资料，请勿外传。本文件不应出现在任何摘要或订阅源中。", encoding="utf-8")
    (workdir / "input" / "notes.txt").symlink_to(outside)
    (workdir / "input" / "seed.txt").symlink_to(shutil.copy(SAMPLE_EXPORT, workdir / "input" / ".seed-real.txt"))

    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    assert f"input/notes.txt is a symbolic link to {outside}" in result.stderr and "skipped" in result.stderr
    assert not Path("output/notes.jsonl").exists()
    assert "内部资料" not in Path("output/feed.xml").read_text(encoding="utf-8")
    assert len(read_jsonl(Path("output/seed.jsonl"))) == 19  # a link within the folder is read

    followed = run_digest("run", "--follow-symlinks")
    assert followed.exit_code == 0 and len(read_jsonl(Path("output/notes.jsonl"))) == 1


def test_digest_never_writes_through_a_symlink_in_the_output_folder(
    sample_batch: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    victims = tmp_path_factory.mktemp("victims")
    for name in ("runs.jsonl", "seed-cnki-export.jsonl", "index.html"):
        (victims / name).write_text("precious\n", encoding="utf-8")
        (Path("output") / name).symlink_to(victims / name)

    result = run_digest("run")
    assert result.exit_code == 74
    assert "output/runs.jsonl: is a symbolic link; digest never writes through one" in result.stderr
    assert "Traceback" not in result.stderr
    assert all((victims / name).read_text(encoding="utf-8") == "precious\n" for name in os.listdir(victims))
    assert len(read_jsonl(OUTPUT)) == 19 and not OUTPUT.is_symlink()  # the link was replaced, not followed


# --- full and read-only output folders ------------------------------------------------------------


@pytest.fixture
def small_output(workdir: Path) -> Iterator[Path]:
    """`output/` on a 512 KiB tmpfs (root, as in CI): the sample batch fits (280 KB), 1,000 abstracts do not."""
    output = workdir / "output"
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(output)], capture_output=True)
    yield output if mounted.returncode == 0 else None  # type: ignore[misc]
    if mounted.returncode == 0:
        subprocess.run(["umount", "-l", str(output)], check=True)


def run_limited(workdir: Path, mounted: bool) -> subprocess.CompletedProcess[str]:
    """`digest run` in a child process; without the tmpfs, files over 160 KiB fail instead (EFBIG)."""
    code = "import sys; from jobs.cli import cli; sys.argv[0] = 'digest'; cli()"
    if not mounted:
        code = (
            "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (160 * 1024, 160 * 1024)); " + code
        )
    return subprocess.run([sys.executable, "-c", code, "run"], cwd=workdir, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_a_full_disk_stops_the_run_with_one_line_and_exit_74(workdir: Path, small_output: Path | None) -> None:
    shutil.copy(SAMPLE_EXPORT, workdir / "input" / "a-seed.txt")
    first = run_limited(workdir, small_output is not None)
    assert first.returncode == 0, first.stderr
    before = files_in(workdir / "output")
    write_csl_batch(workdir / "input" / "b-csl.jsonl")  # about 2 MB of records: does not fit

    result = run_limited(workdir, small_output is not None)
    assert result.returncode == 74, result.stderr
    reason = "No space left on device" if small_output is not None else "File too large"
    errors = [line for line in result.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(errors) == 1 and "output/b-csl.jsonl: cannot be written: " + reason in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "0 batches done, 1 skipped (unchanged), 0 failed; stopped: output could not be written; 0 records"
        in result.stderr
    )
    assert "index:" not in result.stderr  # the run stopped before the pages: none is named
    after = files_in(workdir / "output")
    assert {name: after.get(name) for name in before if name != "runs.jsonl"} == {
        name: data for name, data in before.items() if name != "runs.jsonl"
    }
    assert not [name for name in after if name.endswith(".partial")]


def test_an_immutable_output_folder_exits_74_naming_it(sample_batch: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    before = files_in(Path("output"))
    (Path("input") / "more.txt").write_text(
        SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[0], encoding="utf-8"
    )
    if subprocess.run(["chattr", "+i", "output"], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not possible here (needs root on a file system that supports it)")
    try:
        result = run_digest("run")
    finally:
        subprocess.run(["chattr", "-i", "output"], check=True)
    assert result.exit_code == 74
    assert "digest: error: output/more.jsonl: cannot be written: Operation not permitted" in result.stderr
    assert "Traceback" not in result.stderr
    after = files_in(Path("output"))
    logged = after.pop("runs.jsonl")  # the folder is immutable, its existing files are not
    assert after == {name: data for name, data in before.items() if name != "runs.jsonl"}
    last = json.loads(logged.decode().splitlines()[-1])
    assert last["exit_code"] == 74 and "Operation not permitted" in last["output_error"]


# --- lock and signals ----------------------------------------------------------------------------


def test_the_lock_has_no_file_to_delete_and_spares_live_work(workdir: Path) -> None:
    shutil.copy(SAMPLE_EXPORT, workdir / "input")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = workdir / "output" / f".seed-cnki-export.jsonl.{sleeper.pid}.abcd1234.partial"
        live.write_text("another run's unfinished work", encoding="utf-8")
        dead = workdir / "output" / ".seed-cnki-export.jsonl.abandoned.partial"
        dead.write_text("left by a killed run", encoding="utf-8")
        with exclusive_run(workdir / "output"):
            for leftover in (workdir / "output").glob(".digest*"):
                leftover.unlink()  # what an operator's cleanup script might do during a run
            second = digest_subprocess("run", cwd=workdir)
            _, stderr = second.communicate(timeout=120)
            assert second.returncode == 75 and "another digest run is in progress" in stderr
        assert run_digest("run", "-q").exit_code == 0
        assert live.exists() and not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times come from Linux's /proc")
def test_a_partial_file_whose_process_id_was_reused_is_removed(workdir: Path) -> None:
    shutil.copy(SAMPLE_EXPORT, workdir / "input")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.1)
        # Left by a run killed before a reboot, whose process id a new process has since been given.
        before_reboot = workdir / "output" / f".seed-cnki-export.jsonl.{sleeper.pid}.abcd1234.partial"
        before_reboot.write_text("left by a killed run", encoding="utf-8")
        an_hour_ago = time.time() - 3600
        os.utime(before_reboot, (an_hour_ago, an_hour_ago))
        live = workdir / "output" / f".other.jsonl.{sleeper.pid}.ef567890.partial"
        live.write_text("the live process's unfinished work", encoding="utf-8")
        assert not made_by_live_process(before_reboot, sleeper.pid) and made_by_live_process(live, sleeper.pid)
        assert run_digest("run", "-q").exit_code == 0
        assert not before_reboot.exists() and live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_and_terminated_runs_exit_130_and_143(workdir: Path, signum: int, code: int) -> None:
    write_csl_batch(workdir / "input" / "csl.jsonl")
    output = workdir / "output"
    victim = digest_subprocess("run", "-q", cwd=workdir)
    wait_for(lambda: any(p.stat().st_size > 0 for p in partial_files(output)) or victim.poll() is not None)
    victim.send_signal(signum)
    _, stderr = victim.communicate(timeout=120)
    assert victim.returncode == code, stderr
    assert "Traceback" not in stderr and "digest: error:" in stderr
    assert partial_files(output) == [] and not (output / "csl.jsonl").exists()


@pytest.mark.parametrize("pause", [0.0, 0.001, 0.01, 0.05])
def test_a_second_ctrl_c_during_the_clean_up_stops_at_once_without_a_traceback(workdir: Path, pause: float) -> None:
    write_csl_batch(workdir / "input" / "csl.jsonl")
    output = workdir / "output"
    victim = digest_subprocess("run", "-q", cwd=workdir)
    wait_for(lambda: any(p.stat().st_size > 0 for p in partial_files(output)) or victim.poll() is not None)
    victim.send_signal(signal.SIGINT)
    time.sleep(pause)
    victim.send_signal(signal.SIGINT)
    _, stderr = victim.communicate(timeout=120)
    # 130 from digest, or killed by the SIGINT itself once Python has put its default handler back.
    assert victim.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert "digest: error: interrupted" in stderr
    assert run_digest("run", "-q").exit_code == 0  # the next run removes what was left and finishes
    assert partial_files(output) == [] and (output / "csl.jsonl").exists()


def test_batch_failures_are_errors_not_warnings(sample_batch: Path) -> None:
    (Path("input") / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01binary")
    result = run_digest("run")
    assert result.exit_code == 1
    assert "digest: error: input/scan.txt: not a text file" in result.stderr
    assert "digest: warning: input/scan.txt" not in result.stderr


def test_a_file_name_that_is_not_utf8_fails_alone(sample_batch: Path) -> None:
    # 中文摘要.txt with a GBK-encoded name, as a Windows zip unpacks on a UTF-8 Linux box.
    odd = os.path.join(b"input", "中文摘要.txt".encode("gbk"))
    with open(odd, "wb") as handle:
        handle.write(SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[0].encode("utf-8"))
    result = run_digest("run")
    assert result.exit_code == 1
    assert "the file name is not valid UTF-8; rename the file to process it" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(read_jsonl(OUTPUT)) == 19
    [logged] = read_jsonl(Path("output/runs.jsonl"))
    assert logged["batches"] == {"done": 1, "skipped": 0, "failed": 1}


def test_records_stay_one_line_for_readers_that_split_on_unicode_line_breaks(workdir: Path) -> None:
    text = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[0].strip()
    record = {"id": "ls", "abstract": text, "note": "第一段\u2028第二段\u2029第三段\u0085完"}
    (workdir / "input" / "ls.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run_digest("run", "-q").exit_code == 0
    written = Path("output/ls.jsonl").read_text(encoding="utf-8")
    assert len(written.splitlines()) == 1 and "\\u2028" in written
    [back] = read_jsonl(Path("output/ls.jsonl"))
    assert back["meta"]["note"] == record["note"]


# --- found by attacking the above (each failed before its fix) ------------------------------------


def digest_child(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` in a child process that must finish within two minutes (a hang fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "jobs", *args], cwd=workdir, capture_output=True, text=True, timeout=120
    )


def digest_shell(workdir: Path, redirect: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest run ARGS` through a shell, with stderr redirected as cron lines do."""
    command = f"{sys.executable} -m jobs run {' '.join(args)} {redirect}"
    return subprocess.run(["bash", "-c", command], cwd=workdir, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("redirect", ["2>/dev/full", "2>&-", "2>&1 | true"])
def test_a_stderr_that_cannot_be_written_changes_nothing(sample_batch: Path, redirect: str) -> None:
    result = digest_shell(sample_batch.parent.parent, redirect)
    assert result.returncode == 0
    assert len(read_jsonl(OUTPUT)) == 19
    [logged] = read_jsonl(Path("output/runs.jsonl"))
    assert logged["exit_code"] == 0 and logged["output_error"] is None


@pytest.mark.parametrize(
    "name", ["seed-cnki-export.digest.md", "index.html", ".digest-manifest.json", "seed-cnki-export.errors.jsonl"]
)
def test_a_fifo_where_digests_file_goes_never_hangs_a_run(sample_batch: Path, name: str) -> None:
    assert run_digest("run", "-q").exit_code == 0
    fifo = Path("output") / name
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    sample_batch.write_text(sample_batch.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # redo it
    result = digest_child(sample_batch.parent.parent, "run")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and len(read_jsonl(OUTPUT)) == 19


@pytest.mark.parametrize("name", ["/dev/zero", "../../../../etc/passwd", "seed-cnki-export.digest.html"])
def test_the_manifest_cannot_make_digest_read_other_files(sample_batch: Path, name: str) -> None:
    assert run_digest("run", "-q").exit_code == 0
    manifest_path = Path("output/.digest-manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["batches"]["seed-cnki-export"]["outputs"][name] = {"size": 0, "sha256": "0" * 64}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    result = digest_child(sample_batch.parent.parent, "run")
    assert result.returncode == 0 and "1 batch done" in result.stderr  # not trusted: redone


def test_a_manifest_or_stray_file_nested_too_deep_is_no_traceback(sample_batch: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    deep = "[" * 100_000 + "]" * 100_000
    Path("output/.digest-manifest.json").write_text(f'{{"batches": {deep}}}', encoding="utf-8")
    Path("output/deep.jsonl").write_text(deep + "\n", encoding="utf-8")
    result = run_digest("run")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "digest: warning: output/.digest-manifest.json is unreadable" in result.stderr
    assert "digest: error: output/deep.jsonl, line 1: not JSON" in result.stderr  # a failure, so an error
    rendered = run_digest("render", "output/deep.jsonl")
    assert rendered.exit_code == 2 and "Traceback" not in rendered.stderr


def test_a_bind_mount_of_the_input_folder_is_refused(sample_batch: Path) -> None:
    output = Path("output").absolute()
    if subprocess.run(["mount", "--bind", str(Path("input").absolute()), str(output)], capture_output=True).returncode:
        pytest.skip("bind mounts need root (CI runs as root)")
    try:
        before = sorted(os.listdir("input"))
        result = run_digest("run")
        assert result.exit_code == 2 and "are the same or one is inside the other" in result.stderr
        assert sorted(os.listdir("input")) == before
    finally:
        subprocess.run(["umount", str(output)], check=True)


def test_the_run_log_stays_one_json_object_a_line(sample_batch: Path, tmp_path: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    log = Path("output/runs.jsonl")
    log.write_bytes(log.read_bytes() + b'{"started": "2026-11-26T03:15:00+00:00", "fin')  # cut by a full disk
    backup = tmp_path / "backup-runs.jsonl"
    os.link(log, backup)  # a `cp -al` snapshot of the output folder
    snapshot = backup.read_bytes()
    assert run_digest("run", "-q").exit_code == 0
    lines = log.read_text(encoding="utf-8").split("\n")
    assert json.loads(lines[0])["exit_code"] == 0 and json.loads(lines[-2])["exit_code"] == 0 and lines[-1] == ""
    assert backup.read_bytes() == snapshot and os.stat(log).st_nlink == 1

    # A line that does not fit is not left half-written.
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({log.stat().st_size + 40}, {log.stat().st_size + 40})); "
        "from jobs.writing import append_jsonl; from jobs.errors import OutputError\n"
        "try:\n    append_jsonl(__import__('pathlib').Path('output/runs.jsonl'), {'note': 'x' * 500})\n"
        "except OutputError as error:\n    print(error)"
    )
    size = log.stat().st_size
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "output/runs.jsonl: cannot be written" in printed and log.stat().st_size == size


def test_a_failed_errors_file_leaves_the_old_records_file(workdir: Path) -> None:
    lines = [
        json.dumps({"id": f"r{i}", "abstract": t.strip()}, ensure_ascii=False)
        for i, t in enumerate(SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[:3])
    ]
    batch = workdir / "input" / "b.jsonl"
    batch.write_text("\n".join([*lines[:2], "{oops"]) + "\n", encoding="utf-8")
    assert run_digest("run", "-q").exit_code == 1
    before = files_in(Path("output"))
    batch.write_text("\n".join([*lines, "{oops", "{again"]) + "\n", encoding="utf-8")
    if subprocess.run(["chattr", "+i", "output/b.errors.jsonl"], capture_output=True).returncode:
        pytest.skip("chattr +i needs root (CI runs as root)")
    try:
        result = run_digest("run")
    finally:
        subprocess.run(["chattr", "-i", "output/b.errors.jsonl"], check=True)
    assert result.exit_code == 74 and "output/b.errors.jsonl: cannot be written" in result.stderr
    assert "0 records" in result.stderr
    after = files_in(Path("output"))
    assert all(after[name] == data for name, data in before.items() if name != "runs.jsonl")
    assert not [name for name in after if name.endswith(".partial")]


def test_an_append_only_output_folder_leaves_at_most_one_partial_file(sample_batch: Path) -> None:
    if subprocess.run(["chattr", "+a", "output"], capture_output=True).returncode:
        pytest.skip("chattr +a needs root (CI runs as root)")
    try:
        first, second = run_digest("run"), run_digest("run")
    finally:
        subprocess.run(["chattr", "-a", "output"], check=True)
    assert first.exit_code == second.exit_code == 74
    assert "cannot be removed (Operation not permitted)" in second.stderr
    assert len(partial_files(Path("output"))) <= 1


def test_a_stray_file_in_the_output_folder_is_an_error_not_only_a_warning(sample_batch: Path) -> None:
    Path("output/notes.jsonl").write_text('{"foo": 1}\n', encoding="utf-8")
    result = run_digest("run")
    assert result.exit_code == 1
    assert "digest: error: output/notes.jsonl, line 1: not a digest record" in result.stderr


def test_a_usage_error_removes_every_folder_it_made(sample_batch: Path) -> None:
    result = run_digest("run", "-o", "fresh/deep/out", "--engine", "argos")
    assert result.exit_code == 2 and not Path("fresh").exists()


def test_odd_input_names_and_spellings(sample_batch: Path) -> None:
    chunk = SAMPLE_EXPORT.read_text(encoding="utf-8").split("相似文献")[1]
    Path("input/b\ndigest: error: fake.txt").write_text(chunk, encoding="utf-8")
    Path("input/Seed-CNKI-Export.txt").write_text(chunk, encoding="utf-8")
    result = run_digest("run", "input", str(Path("input").absolute()))  # the same folder, twice
    assert result.exit_code == 1
    assert not any(line.startswith("digest: error: fake") for line in result.stderr.splitlines())
    assert "the file name contains a line break or control character" in result.stderr
    assert result.stderr.count("another input writes the same output file") == 2  # on a case-blind disk
    assert "these inputs would write" not in result.stderr


def test_sighup_exits_129_and_leaves_nothing_half_written(workdir: Path) -> None:
    write_csl_batch(workdir / "input" / "csl.jsonl")
    output = workdir / "output"
    victim = digest_subprocess("run", "-q", cwd=workdir)
    wait_for(lambda: any(p.stat().st_size > 0 for p in partial_files(output)) or victim.poll() is not None)
    victim.send_signal(signal.SIGHUP)
    _, stderr = victim.communicate(timeout=120)
    assert victim.returncode == 129 and "hung up" in stderr
    assert partial_files(output) == []


def test_an_unreadable_input_folder_is_one_line_and_exit_2(sample_batch: Path) -> None:
    Path("input").chmod(0o300)  # writable, not listable: a drop box
    try:
        command = [sys.executable, "-m", "jobs", "run"]
        if os.geteuid() == 0:  # root lists anything: drop that right (util-linux's setpriv)
            command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        Path("input").chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "digest: error: input folder input cannot be read: Permission denied"
