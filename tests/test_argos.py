"""The Argos engine and model management, on real-format packages with random weights.

The packages are built by `tests/argos_package.py`: SentencePiece (or BPE) trained on the sample
export and a CTranslate2 Transformer with random weights. Their translations are noise, but every
step, from validating the zip to CTranslate2 decoding and writing JSONL, runs for real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .argos_package import build_argos_package
from .conftest import REPO, SAMPLE_EXPORT, read_jsonl, run_digest

SAMPLE_TEXT = SAMPLE_EXPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Package files: zh->en (versions 1.0 and 1.1, and a BPE one) and en->zh."""
    folder = tmp_path_factory.mktemp("packages")
    return {
        "zh_en": build_argos_package(folder / "translate-zh_en-1_0.argosmodel", training_text=SAMPLE_TEXT),
        "zh_en_1.1": build_argos_package(
            folder / "translate-zh_en-1_1.argosmodel", training_text=SAMPLE_TEXT, package_version="1.1", seed=1
        ),
        "zh_en_bpe": build_argos_package(
            folder / "translate-zh_en-bpe.argosmodel", training_text=SAMPLE_TEXT, tokenizer="bpe", package_version="2.0"
        ),
        "en_zh": build_argos_package(
            folder / "translate-en_zh-1_0.argosmodel", training_text=SAMPLE_TEXT, from_code="en", to_code="zh"
        ),
    }


def snapshot(folder: Path) -> dict[str, int]:
    """Every file under `folder` with its size: to show that nothing changed."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))} if folder.exists() else {}


def install(package: Path) -> None:
    result = run_digest("models", "install", str(package))
    assert result.exit_code == 0, result.stderr


def test_install_list_replace_remove(workdir: Path, packages: dict[str, Path]) -> None:
    install(packages["zh_en"])
    listed = run_digest("models", "list", "--json")
    [model] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (model["pair"], model["version"]) == ("zh_en", "1.0")
    assert model["path"] == str(workdir / "lang_models" / "zh_en") and 0 < model["size_bytes"] < 2_000_000

    install(packages["zh_en_1.1"])  # a second version of the pair replaces the first
    [model] = [json.loads(line) for line in run_digest("models", "list", "--json").stdout.splitlines()]
    assert model["version"] == "1.1"
    assert sorted(p.name for p in (workdir / "lang_models").iterdir()) == ["zh_en"]
    table = run_digest("models", "list").stdout
    assert table.startswith("zh_en\t1.1\t")

    removed = run_digest("models", "remove", "zh-en")
    assert removed.exit_code == 0 and "removed translate-zh_en 1.1" in removed.stderr
    assert not (workdir / "lang_models" / "zh_en").exists()
    again = run_digest("models", "remove", "zh_en")
    assert again.exit_code == 2 and "no model 'zh_en' is installed" in again.stderr


def rewrite_zip(source: Path, target: Path, change) -> Path:
    """Copy a package, letting `change(name, data)` return (name, data) or None to drop a member."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            changed = change(info.filename, original.read(info))
            if changed is not None:
                copy.writestr(changed[0], changed[1])
    return target


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", "not a zip archive"),
        ("damaged", "damaged"),
        ("escape", "would be written outside the models folder"),
        ("absolute", "would be written outside the models folder"),
        ("symlink", "is a symbolic link"),
        ("no-model", "no CTranslate2 model"),
        ("no-tokenizer", "no tokenizer"),
        ("bad-metadata", "metadata.json has no from_code"),
    ],
)
def test_bad_packages_exit_2_and_install_nothing(
    workdir: Path, packages: dict[str, Path], kind: str, message: str
) -> None:
    install(packages["zh_en"])
    before = snapshot(workdir / "lang_models")
    good = packages["zh_en"]
    bad = workdir / f"{kind}.argosmodel"
    if kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "damaged":
        data = bytearray(good.read_bytes())
        with zipfile.ZipFile(good) as archive:
            member = next(i for i in archive.infolist() if i.filename.endswith("model.bin"))
        data[member.header_offset + 200] ^= 0xFF  # inside model.bin's stored bytes
        bad.write_bytes(bytes(data))
    elif kind == "escape":
        rewrite_zip(good, bad, lambda name, data: (name, data))
        with zipfile.ZipFile(bad, "a") as archive:
            archive.writestr("translate-zh_en-1_0/../../evil.txt", "escaped")
    elif kind == "absolute":
        rewrite_zip(good, bad, lambda name, data: (name, data))
        with zipfile.ZipFile(bad, "a") as archive:
            archive.writestr("/tmp/evil.txt", "escaped")
    elif kind == "symlink":
        rewrite_zip(good, bad, lambda name, data: (name, data))
        with zipfile.ZipFile(bad, "a") as archive:
            link = zipfile.ZipInfo("translate-zh_en-1_0/model/link")
            link.external_attr = 0o120777 << 16
            archive.writestr(link, "/etc/passwd")
    elif kind == "no-model":
        rewrite_zip(good, bad, lambda name, data: None if "/model/" in name else (name, data))
    elif kind == "no-tokenizer":
        rewrite_zip(good, bad, lambda name, data: None if name.endswith("sentencepiece.model") else (name, data))
    elif kind == "bad-metadata":

        def drop_code(name: str, data: bytes):
            if name.endswith("metadata.json"):
                metadata = json.loads(data)
                del metadata["from_code"]
                data = json.dumps(metadata).encode()
            return name, data

        rewrite_zip(good, bad, drop_code)
    result = run_digest("models", "install", str(bad))
    assert result.exit_code == 2
    assert message in result.stderr and bad.name in result.stderr
    assert snapshot(workdir / "lang_models") == before
    assert not Path("/tmp/evil.txt").exists() and not (workdir / "evil.txt").exists()


def test_from_index_offline_fails_at_once_with_advice(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    result = run_digest("models", "install", "--from-index", "zh", "en")
    assert result.exit_code == 2
    assert "this machine looks offline" in result.stderr
    assert "digest models install FILE.argosmodel" in result.stderr
    assert snapshot(workdir / "lang_models") == {}


@pytest.mark.slow
def test_run_with_argos(sample_batch: Path, packages: dict[str, Path]) -> None:
    install(packages["zh_en"])
    result = run_digest("run", "--engine", "argos", "--no-cache")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(Path("output/seed-cnki-export.jsonl"))
    chinese = [r for r in records if r["source_lang"] == "zh"]
    assert len(records) == 19 and len(chinese) == 12
    for record in chinese:
        assert record["engine"]["translation"] == "argos"
        assert record["engine"]["model"] == "translate-zh_en 1.0"
        assert "gloss" not in record["flags"]
        assert all(pair["zh"] and pair["en"].strip() for pair in record["sentences"])
        assert len(record["summary"]["en"]) == len(record["summary"]["zh"]) == len(record["summary"]["indices"])
    english = [r for r in records if r["source_lang"] == "en"]
    assert all(r["text"]["zh"] is None for r in english)  # no en->zh package installed
    run_log = read_jsonl(Path("output/runs.jsonl"))[-1]
    assert run_log["engine"] == ["argos"] and run_log["sentences_translated"] == sum(
        len(r["sentences"]) for r in chinese
    )


@pytest.mark.slow
def test_auto_prefers_argos_and_translates_english_with_en_zh(sample_batch: Path, packages: dict[str, Path]) -> None:
    install(packages["zh_en"])
    install(packages["en_zh"])
    result = run_digest("run", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert "falling back" not in result.stderr
    records = read_jsonl(Path("output/seed-cnki-export.jsonl"))
    english = [r for r in records if r["source_lang"] == "en"]
    assert len(english) == 7
    for record in english:
        assert record["engine"] == {
            "translation": "argos",
            "model": "translate-en_zh 1.0",
            "summarizer": record["engine"]["summarizer"],
        }
        assert all(pair["zh"].strip() for pair in record["sentences"])
        assert record["summary"]["zh"] == [record["sentences"][i]["zh"] for i in record["summary"]["indices"]]


def test_bpe_package_runs(sample_batch: Path, packages: dict[str, Path]) -> None:
    install(packages["zh_en_bpe"])
    result = run_digest("run", "--engine", "argos", "--no-cache", "--beam-size", "1")
    assert result.exit_code == 0, result.stderr
    chinese = [r for r in read_jsonl(Path("output/seed-cnki-export.jsonl")) if r["source_lang"] == "zh"]
    assert all(r["engine"]["model"] == "translate-zh_en 2.0" for r in chinese)
    assert all(pair["en"].strip() for r in chinese for pair in r["sentences"])


def test_argos_without_a_package_exits_2(sample_batch: Path) -> None:
    result = run_digest("run", "--engine", "argos")
    assert result.exit_code == 2
    assert "no Argos model for zh->en" in result.stderr and "digest models install" in result.stderr
    assert not Path("output/seed-cnki-export.jsonl").exists()


@pytest.mark.slow
def test_dropped_package_is_installed_by_the_next_run(sample_batch: Path, packages: dict[str, Path]) -> None:
    models = Path("lang_models")
    models.mkdir()
    shutil.copy(packages["zh_en"], models)
    result = run_digest("run", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert "installed translate-zh_en 1.0" in result.stderr
    assert not list(models.glob("*.argosmodel")) and (models / "zh_en" / "metadata.json").exists()
    assert read_jsonl(Path("output/seed-cnki-export.jsonl"))[0]["engine"]["translation"] == "argos"


@pytest.mark.slow
def test_cache_serves_reruns_and_repeats(sample_batch: Path, packages: dict[str, Path], tmp_path: Path) -> None:
    install(packages["zh_en"])
    cache = tmp_path / "cache.sqlite3"
    first = run_digest("run", "--engine", "argos", "--cache", str(cache))
    assert first.exit_code == 0, first.stderr
    translated = read_jsonl(Path("output/seed-cnki-export.jsonl"))
    second = run_digest("run", "--engine", "argos", "--cache", str(cache), "--force")
    assert second.exit_code == 0, second.stderr
    first_log, second_log = read_jsonl(Path("output/runs.jsonl"))
    assert first_log["cache_hits"] == 0 and first_log["engine_translations"] > 0
    assert second_log["sentences_translated"] == first_log["sentences_translated"]
    # Every text (sentences, titles, keywords; repeats counted each time) came from the cache.
    assert second_log["cache_hits"] >= first_log["engine_translations"] > 0
    assert second_log["engine_translations"] == 0
    assert read_jsonl(Path("output/seed-cnki-export.jsonl")) == translated

    # A repeated sentence costs one model call.
    Path("input/repeats.txt").write_text(
        "核问题的实质是朝美间国家利益冲突的体现。\n\n核问题的实质是朝美间国家利益冲突的体现。\n", encoding="utf-8"
    )
    third = run_digest("run", "--engine", "argos", "--no-cache", "--keywords", "0")
    assert third.exit_code == 0
    assert read_jsonl(Path("output/runs.jsonl"))[-1]["engine_translations"] == 1


@pytest.mark.slow
def test_corrupt_cache_is_rebuilt_with_a_warning(sample_batch: Path, packages: dict[str, Path], tmp_path: Path) -> None:
    install(packages["zh_en"])
    cache = tmp_path / "cache.sqlite3"
    cache.write_bytes(b"this is not a database, it was overwritten by a failed copy\n" * 100)
    result = run_digest("run", "--engine", "argos", "--cache", str(cache))
    assert result.exit_code == 0, result.stderr
    assert "translation cache" in result.stderr and "starting a new one" in result.stderr
    forced = run_digest("run", "--engine", "argos", "--cache", str(cache), "--force")
    assert read_jsonl(Path("output/runs.jsonl"))[-1]["engine_translations"] == 0, forced.stderr


@pytest.mark.slow
def test_glossary_is_checked_for_argos(sample_batch: Path, packages: dict[str, Path], tmp_path: Path) -> None:
    install(packages["zh_en"])
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("# house style\n延伸威慑\textended deterrence\n", encoding="utf-8")
    result = run_digest("run", "--engine", "argos", "--no-cache", "--glossary", str(glossary))
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(Path("output/seed-cnki-export.jsonl"))
    with_term = [r for r in records if "延伸威慑" in (r["text"]["zh"] or "")]
    assert with_term  # the sample's third abstract is about extended deterrence
    for record in with_term:
        assert "glossary_miss" in record["flags"]
        assert record["glossary_misses"] == [{"zh": "延伸威慑", "en": "extended deterrence"}]
    assert all("glossary_miss" not in r["flags"] for r in records if r not in with_term)


BLOCK_NETWORK = """
import socket, os
def _blocked(*args, **kwargs):
    with open(os.environ["NETWORK_LOG"], "a") as log:
        log.write(repr(args) + "\\n")
    raise OSError("network blocked by the test")
socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
"""


@pytest.mark.slow
def test_run_makes_no_connection_and_writes_only_its_folders(
    sample_batch: Path, packages: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    install(packages["zh_en"])
    outside = tmp_path_factory.mktemp("outside")
    home, scratch, hooks = outside / "home", outside / "tmp", outside / "hooks"
    for folder in (home, scratch, hooks):
        folder.mkdir()
    (hooks / "sitecustomize.py").write_text(BLOCK_NETWORK, encoding="utf-8")
    network_log = outside / "network.log"
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "DIGEST_CACHE_DIR", "ARGOS_"))
    }
    env.update(HOME=str(home), TMPDIR=str(scratch), PYTHONPATH=str(hooks), NETWORK_LOG=str(network_log))
    before = snapshot(sample_batch.parents[1])
    completed = subprocess.run(
        [sys.executable, "-m", "jobs", "run", "--engine", "argos"],
        cwd=sample_batch.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert not network_log.exists(), network_log.read_text()
    assert snapshot(scratch) == {}
    created_in_home = {p.relative_to(home).parts[:2] for p in home.rglob("*") if p.is_file()}
    assert created_in_home == {(".cache", "digest")}
    after = snapshot(sample_batch.parents[1])
    new_paths = {path.split("/")[0] for path in set(after) - set(before)}
    assert new_paths <= {"output", "lang_models", "input"}
    assert read_jsonl(Path("output/seed-cnki-export.jsonl"))[0]["engine"]["translation"] == "argos"


def test_argostranslate_leaves_the_cache_folder_and_the_temporary_folder_alone(tmp_path: Path) -> None:
    # Its import creates data, config and cache folders and reads a settings file there; before,
    # they were in digest's cache folder, and a read-only one failed every argos batch.
    folder, scratch = tmp_path / "cache", tmp_path / "tmp"
    folder.mkdir(mode=0o700)
    scratch.mkdir()
    code = "from jobs.engines.argos.models import argos_package_module; print(argos_package_module().settings.settings_file)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "DIGEST_CACHE_DIR": str(folder), "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert not Path(result.stdout.strip()).is_relative_to(folder)
    assert list(folder.iterdir()) == [] and list(scratch.iterdir()) == []


def test_a_removed_argostranslate_module_exits_2_with_the_repair_command(
    sample_batch: Path, packages: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `pip uninstall argostranslate` leaves when argos-translate-lt shares the environment:
    # both distributions own the module's files, so the uninstall deletes them from under the other.
    from jobs.engines.argos.models import argos_package_module

    install(packages["zh_en"])
    for name in [name for name in sys.modules if name == "argostranslate" or name.startswith("argostranslate.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "argostranslate", None)
    argos_package_module.cache_clear()
    try:
        result = run_digest("run", "--engine", "argos")
    finally:
        argos_package_module.cache_clear()
    assert result.exit_code == 2
    assert "cannot import argostranslate" in result.stderr
    assert "pip uninstall -y argostranslate && pip install --force-reinstall --no-deps" in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path("output/seed-cnki-export.jsonl").exists()
