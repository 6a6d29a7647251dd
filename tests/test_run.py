"""`digest run` end to end on real batches, as an operator runs it."""

from __future__ import annotations

import json
import re
import shutil
import signal
import time
from pathlib import Path

import jsonschema
import pytest

from jobs.engines.base import EngineSettings
from jobs.errors import ConfigError
from jobs.pipeline import RunOptions, run
from jobs.schema import record_schema

from .conftest import SAMPLE_EXPORT, digest_subprocess, read_jsonl, repo_data, run_digest

VALIDATOR = jsonschema.Draft202012Validator(record_schema())


def write_csl_batch(path: Path, count: int | None = None) -> list[dict]:
    """The real CSL abstracts as a JSONL batch (all 1,000 unless `count`)."""
    lines = [
        line for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()
    ]
    lines = lines[:count] if count else lines
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [json.loads(line) for line in lines]


def assert_valid_records(records: list[dict]) -> None:
    for record in records:
        VALIDATOR.validate(record)
        for lang in ("zh", "en"):
            indices = record["summary"]["indices"]
            if record["summary"]["mode"] == "independent":
                indices = indices[lang]
            side = record["summary"][lang]
            if side is not None:
                assert indices == sorted(set(indices))
                assert side == [record["sentences"][i][lang] for i in indices]


def test_sample_batch(sample_batch: Path) -> None:
    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(Path("output/seed-cnki-export.jsonl"))
    assert len(records) == 19
    assert [r["source_lang"] for r in records].count("zh") == 12
    assert [r["source_lang"] for r in records].count("en") == 7
    assert_valid_records(records)
    for record in records:
        assert record["batch"] == "seed-cnki-export"
        if record["source_lang"] == "zh":
            assert record["sentences"] and all(s["en"].strip() for s in record["sentences"])
            assert record["summary"]["zh"] and record["summary"]["en"]
            assert len(record["summary"]["en"]) == min(3, len(record["sentences"]))
            assert record["engine"]["translation"] == "gloss" and "CC-CEDICT" in record["engine"]["model"]
            assert "gloss" in record["flags"]
        else:
            assert record["text"]["zh"] is None and record["summary"]["zh"] is None
            assert all(s["zh"] is None for s in record["sentences"])
            assert record["engine"]["translation"] is None and "gloss" not in record["flags"]
    truncated = [r for r in records if "truncated" in r["flags"]]
    assert len(truncated) == 1 and truncated[0]["text"]["zh"].endswith("...")
    assert records[0]["sentences"][0]["en"].count("Treaty on the Non-Proliferation of Nuclear Weapons") == 1
    # The operator sees one fallback warning and one summary line.
    assert result.stderr.count("falling back to the 'gloss' engine") == 1
    assert "1 batch done, 0 skipped (unchanged), 0 failed; 19 records (12 zh, 7 en)" in result.stderr
    assert not Path("output/seed-cnki-export.errors.jsonl").exists()
    run_log = read_jsonl(Path("output/runs.jsonl"))
    assert len(run_log) == 1
    assert run_log[0]["batches"] == {"done": 1, "skipped": 0, "failed": 0}
    assert run_log[0]["records"] == 19 and run_log[0]["engine"] == ["gloss"]
    assert run_log[0]["sentences_translated"] == sum(len(r["sentences"]) for r in records if r["source_lang"] == "zh")


def test_summary_options_and_keywords(workdir: Path) -> None:
    abstracts = write_csl_batch(workdir / "input" / "csl.jsonl", count=30)
    result = run_digest("run", "-q", "--summary-mode", "independent", "--ratio", "0.5", "--algorithm", "lexrank")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(Path("output/csl.jsonl"))
    assert_valid_records(records)
    for record, abstract in zip(records, abstracts):
        assert record["summary"]["mode"] == "independent"
        count = len(record["sentences"])
        for lang in ("zh", "en"):
            assert len(record["summary"]["indices"][lang]) == max(1, count // 2)
        assert record["engine"]["summarizer"] == "lexrank"
        # Extracted keywords, the English ones translated by the record's engine; the authors' stay in meta.
        assert len(record["keywords"]["zh"]) == len(record["keywords"]["en"]) == 5
        assert record["meta"]["keywords"] == abstract["keywords"]
    both = run_digest("run", "--sentences", "2", "--ratio", "0.5")
    assert both.exit_code == 2 and "give --sentences or --ratio, not both" in both.stderr


def test_ids_are_stable_and_gb18030_gives_the_same_records(workdir: Path) -> None:
    (workdir / "input" / "export.txt").write_bytes(SAMPLE_EXPORT.read_bytes())
    assert run_digest("run", "-q").exit_code == 0
    utf8 = read_jsonl(Path("output/export.jsonl"))
    (workdir / "input" / "export.txt").write_bytes(SAMPLE_EXPORT.read_text(encoding="utf-8").encode("gb18030"))
    assert run_digest("run", "-q").exit_code == 0  # changed bytes: redone
    gb18030 = read_jsonl(Path("output/export.jsonl"))
    assert gb18030 == utf8


def test_bad_files_fail_alone(workdir: Path, sample_batch: Path) -> None:
    (workdir / "input" / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x00")
    data = SAMPLE_EXPORT.read_bytes()
    (workdir / "input" / "broken.txt").write_bytes(data[:5000] + b"\xff\xfe" + data[5000:])
    result = run_digest("run")
    assert result.exit_code == 1
    assert "scan.pdf: not a text file" in result.stderr
    assert "broken.txt: cannot be read as text: invalid utf-8 bytes" in result.stderr
    assert "1 batch done, 0 skipped (unchanged), 2 failed" in result.stderr
    assert len(read_jsonl(Path("output/seed-cnki-export.jsonl"))) == 19
    assert not Path("output/scan.jsonl").exists() and not Path("output/broken.jsonl").exists()
    assert set(read_jsonl(Path("output/runs.jsonl"))[0]["failed"]) == {"scan", "broken"}
    # Failed batches are tried again next time; the good one is not redone.
    again = run_digest("run")
    assert again.exit_code == 1 and "0 batches done, 1 skipped (unchanged), 2 failed" in again.stderr


def test_jsonl_batch_with_a_malformed_line(workdir: Path) -> None:
    abstracts = write_csl_batch(workdir / "input" / "csl.jsonl", count=5)
    lines = (workdir / "input" / "csl.jsonl").read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2][:-20]  # a line cut short, as a failed export leaves it
    (workdir / "input" / "csl.jsonl").write_text("\n".join(lines), encoding="utf-8")
    result = run_digest("run")
    assert result.exit_code == 1
    assert "csl.jsonl, line 3 (record 3): not valid JSON" in result.stderr
    records = read_jsonl(Path("output/csl.jsonl"))
    assert [r["id"] for r in records] == [a["id"] for i, a in enumerate(abstracts) if i != 2]
    assert_valid_records(records)
    assert records[0]["title"]["zh"] == abstracts[0]["title"] and records[0]["title"]["en"]
    assert records[0]["meta"]["keywords"] == abstracts[0]["keywords"]
    errors = read_jsonl(Path("output/csl.errors.jsonl"))
    assert len(errors) == 1
    assert errors[0]["line"] == 3 and errors[0]["record"] == 3 and errors[0]["file"].endswith("csl.jsonl")
    assert errors[0]["reason"].startswith("not valid JSON")


def test_empty_file(workdir: Path) -> None:
    (workdir / "input" / "empty.txt").write_bytes(b"")
    result = run_digest("run")
    assert result.exit_code == 0
    assert "empty.txt: no abstracts found" in result.stderr
    assert Path("output/empty.jsonl").read_bytes() == b""


def test_a_100000_character_abstract(workdir: Path) -> None:
    abstracts = [
        json.loads(line)["abstract"]
        for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n")
        if line.strip()
    ]
    text = ""
    for abstract in abstracts:
        if len(text) >= 100_000:
            break
        text += abstract
    text = text[:100_000]
    (workdir / "input" / "long.jsonl").write_text(
        json.dumps({"id": "long", "abstract": text}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    result = run_digest("run", "-q")
    assert result.exit_code == 0, result.stderr
    [record] = read_jsonl(Path("output/long.jsonl"))
    assert_valid_records([record])
    assert len(record["sentences"]) > 1000
    assert all(s["en"] for s in record["sentences"])
    assert len(record["summary"]["en"]) == 3


def test_rerun_skips_and_force_redoes(sample_batch: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    output = Path("output/seed-cnki-export.jsonl")
    first = output.read_bytes()
    stamp = output.stat().st_mtime_ns
    again = run_digest("run")
    assert again.exit_code == 0 and "0 batches done, 1 skipped (unchanged)" in again.stderr
    assert output.stat().st_mtime_ns == stamp
    forced = run_digest("run", "--force")
    assert forced.exit_code == 0 and "1 batch done, 0 skipped" in forced.stderr
    assert output.read_bytes() == first
    assert len(read_jsonl(Path("output/runs.jsonl"))) == 3


def test_changed_input_is_redone(sample_batch: Path) -> None:
    assert run_digest("run", "-q").exit_code == 0
    text = sample_batch.read_text(encoding="utf-8")
    sample_batch.write_text(text.split("相似文献")[0], encoding="utf-8")
    result = run_digest("run")
    assert result.exit_code == 0 and "1 batch done" in result.stderr
    assert len(read_jsonl(Path("output/seed-cnki-export.jsonl"))) == 1


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.02)


def partial_files(output: Path) -> list[Path]:
    return list(output.glob(".*.partial"))


def test_second_run_exits_75_while_one_is_running(workdir: Path) -> None:
    write_csl_batch(workdir / "input" / "csl.jsonl")
    first = digest_subprocess("run", "-q", cwd=workdir)
    try:
        wait_for(lambda: partial_files(workdir / "output") or first.poll() is not None)
        assert first.poll() is None, first.communicate()
        second = run_digest("run")
        assert second.exit_code == 75
        assert "another digest run is in progress" in second.stderr
    finally:
        first.kill()
        first.communicate()


@pytest.mark.slow
def test_killed_run_leaves_no_partial_output_and_the_next_run_completes(workdir: Path) -> None:
    abstracts = write_csl_batch(workdir / "input" / "csl.jsonl")
    shutil.copy(SAMPLE_EXPORT, workdir / "input")
    output = workdir / "output"
    victim = digest_subprocess("run", "-q", cwd=workdir)
    wait_for(lambda: any(p.stat().st_size > 0 for p in partial_files(output)) or victim.poll() is not None)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    assert not (output / "csl.jsonl").exists()

    result = run_digest("run", "-q")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(output / "csl.jsonl")
    assert [r["id"] for r in records] == [a["id"] for a in abstracts]
    assert len(read_jsonl(output / "seed-cnki-export.jsonl")) == 19
    assert partial_files(output) == []


def test_csl_thousand_abstracts_run_without_errors(workdir: Path) -> None:
    abstracts = write_csl_batch(workdir / "input" / "csl.jsonl")
    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(Path("output/csl.jsonl"))
    assert len(records) == 1000 and not Path("output/csl.errors.jsonl").exists()
    assert [r["id"] for r in records] == [a["id"] for a in abstracts]
    assert_valid_records(records)
    chinese = [r for r in records if r["source_lang"] == "zh"]
    assert len(chinese) > 900
    assert all(s["en"].strip() for r in chinese for s in r["sentences"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--engine", "babel"], "Invalid value for '--engine'"),
        (["run", "--sentences", "0"], "Invalid value for '--sentences'"),
        (["run", "no-such-folder"], "input no-such-folder does not exist"),
    ],
)
def test_usage_errors_exit_2(workdir: Path, args: list[str], message: str) -> None:
    result = run_digest(*args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize("args", [["--workers", "2"], ["--ray-address", "127.0.0.1:6379"]])
def test_ray_options_without_the_ray_executor_are_a_usage_error(sample_batch: Path, args: list[str]) -> None:
    result = run_digest("run", *args)
    assert result.exit_code == 2
    assert "Usage: " in result.stderr and "Error: --ray-address and --workers go with --executor ray" in result.stderr
    assert list(Path("output").iterdir()) == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"engine": "babel"}, "unknown engine 'babel'; choose one of: auto, argos, ct2, llm, gloss, openai"),
        ({"summary_size": 0}, "a summary needs at least 1 sentence, not 0"),
        ({"summary_size": 1.5}, "a summary ratio must be above 0 and at most 1, not 1.5"),
        ({"summary_mode": "mixed"}, "unknown summary mode 'mixed'; choose aligned or independent"),
        ({"summarizer": "bayes"}, "unknown summary algorithm 'bayes'; choose one of: lexrank, textrank, lsa"),
        ({"keywords": -1}, "keywords must be 0 or more, not -1"),
        ({"keyword_method": "yake"}, "unknown keyword method 'yake'; choose one of: tfidf, textrank"),
        ({"executor": "dask"}, "unknown executor 'dask'; choose one of: local, ray"),
        ({"workers": 2}, "--ray-address and --workers go with --executor ray"),
        ({"executor": "ray", "workers": 0}, "workers must be 1 or more, not 0"),
        ({"engine_settings": EngineSettings(options={"beam_size": 0})}, "--beam-size must be at least 1, not 0"),
        ({"engine_settings": EngineSettings(options={"threads": "4"})}, "--threads must be a whole number, not '4'"),
        (
            {"engine_settings": EngineSettings(options={"device": "tpu"})},
            "--device 'tpu': choose one of: auto, cpu, cuda",
        ),
    ],
)
def test_options_digest_run_refuses_are_refused_through_the_library_too(
    sample_batch: Path, given: dict, message: str
) -> None:
    # Before, an unknown summary algorithm or keyword method failed every record as an internal
    # error, and the Ray options or a beam size of 0 were ignored, with exit 0.
    options = RunOptions(inputs=[sample_batch.parent], output_dir=Path("output"), **given)
    said: list[str] = []
    with pytest.raises(ConfigError, match=re.escape(message)):
        run(options, warn=said.append, error=said.append)
    assert list(Path("output").iterdir()) == [] and said == []  # refused before anything was read or written
