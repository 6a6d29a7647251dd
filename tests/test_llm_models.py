"""Installing a converted LLM folder: checked, loaded in a child process, then renamed in; a bad one leaves nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from jobs.engines import install_model, installed_models
from jobs.engines.base import EngineSettings
from jobs.engines.llm.engine import LlmEngine
from jobs.engines.llm.models import is_llm_folder
from jobs.errors import ConfigError, ModelPackageError

from .conftest import TEST_LLM, install_llm, run_digest


def copy(folder: Path, destination: Path) -> Path:
    return Path(shutil.copytree(folder, destination))


def contents(models: Path) -> list[str]:
    return sorted(str(path.relative_to(models)) for path in models.rglob("*")) if models.exists() else []


def test_an_llm_folder_is_claimed_installed_listed_and_removed(llm_folder: Path, tmp_path: Path) -> None:
    models = tmp_path / "lang_models"
    settings = EngineSettings(models_dir=models)
    assert is_llm_folder(llm_folder) and LlmEngine.claims(llm_folder)
    info = install_model(llm_folder, settings)  # the registry hands it to the engine that claims it
    assert (info.engine, info.kind, info.name, info.path) == ("llm", "llm", TEST_LLM, models / "llm" / TEST_LLM)
    assert sorted(path.name for path in info.path.iterdir()) == sorted(path.name for path in llm_folder.iterdir())
    assert [model.name for model in installed_models(settings)] == [TEST_LLM]
    listed = run_digest("models", "list", "--models-dir", str(models))
    assert (
        listed.exit_code == 0 and listed.stdout.startswith(f"{TEST_LLM}\t") and listed.stdout.rstrip().endswith("llm")
    )
    listed = run_digest("models", "list", "--json", "--models-dir", str(models))
    assert json.loads(listed.stdout) | {"size_bytes": 0} == {
        "pair": "zh_en",
        "from": "zh",
        "to": "en",
        "version": "",
        "size_bytes": 0,
        "path": str(info.path),
        "name": TEST_LLM,
        "engine": "llm",
        "kind": "llm",
    }
    named = LlmEngine.install(llm_folder, settings, name="qwen-tiny-2")
    assert named.path == models / "llm" / "qwen-tiny-2"
    removed = run_digest("models", "remove", TEST_LLM, "--models-dir", str(models))
    assert removed.exit_code == 0, removed.stderr
    assert not (models / "llm" / TEST_LLM).exists()
    assert contents(models / "llm") == [
        "qwen-tiny-2",
        *(f"qwen-tiny-2/{path.name}" for path in sorted(llm_folder.iterdir())),
    ]
    assert [model.name for model in installed_models(settings)] == ["qwen-tiny-2"]


def test_the_argos_model_is_not_an_llm(argos_models: Path) -> None:
    translator = argos_models / "zh_en" / "model"
    assert not is_llm_folder(translator)
    with pytest.raises(ModelPackageError, match="a CTranslate2 TransformerSpec, not a decoder-only model"):
        install_llm(translator, argos_models.parent / "elsewhere")


def damage(folder: Path, case: str) -> str:
    """Spoil a copy of the model folder one way; the words the refusal must hold."""
    if case == "no tokenizer.json":
        (folder / "tokenizer.json").unlink()
        return "missing tokenizer.json"
    if case == "no vocabulary":
        (folder / "vocabulary.json").unlink()
        return "missing vocabulary.json"
    if case == "no chat template":
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        del config["chat_template"]
        (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
        return "no chat template"
    if case == "a template that does not parse":
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        config["chat_template"] = "{% for message in messages %}{{ message['content'] }"
        (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
        return "not a valid template"
    if case == "model.bin cut short":
        data = (folder / "model.bin").read_bytes()
        (folder / "model.bin").write_bytes(data[: len(data) // 2])
        return "model.bin (CTranslate2) cannot be loaded"
    if case == "another model's tokenizer":
        from .llm_model import train_tokenizer

        other = train_tokenizer(["完全不同的文本", "another text altogether"] * 50, 400)
        other.save(str(folder / "tokenizer.json"))  # type: ignore[attr-defined]
        return "tokenizer.json does not belong to this model"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "no tokenizer.json",
        "no vocabulary",
        "no chat template",
        "a template that does not parse",
        "model.bin cut short",
        "another model's tokenizer",
    ],
)
def test_a_bad_folder_is_refused_and_the_models_folder_left_as_it_was(
    llm_folder: Path, llm_models: Path, tmp_path: Path, case: str
) -> None:
    folder = copy(llm_folder, tmp_path / "bad")
    words = damage(folder, case)
    models = copy(llm_models, tmp_path / "lang_models")
    before = contents(models)
    with pytest.raises(ModelPackageError, match=re.escape(words)) as refused:
        install_llm(folder, models, name=TEST_LLM)
    assert str(folder) in str(refused.value)
    assert contents(models) == before


@pytest.mark.parametrize("name", ["", ".hidden", "-dash", "a/b", "a b", "x" * 101, "..", "名字"])
def test_a_bad_name_is_refused(llm_folder: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="a model's name is 1 to 100"):
        install_llm(llm_folder, tmp_path / "lang_models", name=name)
    assert not (tmp_path / "lang_models").exists()


def test_a_folder_s_odd_name_is_made_a_model_name(llm_folder: Path, tmp_path: Path) -> None:
    folder = copy(llm_folder, tmp_path / "Qwen2.5 1.5B Instruct (int8)")
    assert install_llm(folder, tmp_path / "lang_models").name == "Qwen2.5-1.5B-Instruct-int8"


def test_digest_models_add_installs_the_folder_under_its_name(llm_folder: Path, tmp_path: Path) -> None:
    models = tmp_path / "lang_models"
    added = run_digest("models", "add", str(llm_folder), "--name", "qwen2.5-7b", "--models-dir", str(models))
    assert added.exit_code == 0, added.stderr
    assert added.stderr == f"added qwen2.5-7b (zh->en) in {models / 'llm' / 'qwen2.5-7b'}\n"
    assert [model.name for model in installed_models(EngineSettings(models_dir=models))] == ["qwen2.5-7b"]
    spoiled = copy(llm_folder, tmp_path / "spoiled")
    (spoiled / "model.bin").write_bytes(b"not a model")
    refused = run_digest("models", "add", str(spoiled), "--models-dir", str(models))
    assert refused.exit_code == 2 and f"{spoiled}: not a model folder any engine takes" in refused.stderr
    assert contents(models / "llm") == [
        "qwen2.5-7b",
        *(f"qwen2.5-7b/{path.name}" for path in sorted(llm_folder.iterdir())),
    ]
