"""The random-weight Argos package builder: real package format, loaded and run for real.

Packages are built from the real sample export, unpacked as ``argostranslate.package.
install_from_path`` unpacks them, loaded with argostranslate's ``Package`` and run with
CTranslate2 on real Chinese sentences, as the `argos` engine runs them.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from jobs.engines.argos.models import argos_package_module

from .argos_package import ARGOS_VERSION, build_argos_package, package_folder_name

if TYPE_CHECKING:  # importing argostranslate.package for real creates folders: see argos_package_api
    from argostranslate.package import Package

SAMPLE_EXPORT = Path(__file__).resolve().parents[1] / "input" / "seed-cnki-export.txt"
TINY_LIMIT_BYTES = 1_000_000


@pytest.fixture(scope="module")
def argos_package_api() -> ModuleType:
    """``argostranslate.package``, imported as digest imports it: with its data, config and cache
    folders inside digest's cache folder (a temporary folder in tests, see conftest.py)."""
    return argos_package_module()


@pytest.fixture(scope="module")
def training_text() -> str:
    """The real sample export (Chinese abstracts and a few English ones)."""
    return SAMPLE_EXPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chinese_sentences(training_text: str) -> list[str]:
    """Three real Chinese sentences of the sample, from three different abstracts."""
    sentences = []
    for line in training_text.splitlines():
        if re.search(r"[\u4e00-\u9fff]{10}", line):
            sentences.append(next(s for s in re.split(r"(?<=。)", line.strip()) if s.strip()))
        if len(sentences) == 3:
            return sentences
    raise AssertionError("the sample has fewer than three Chinese abstracts")


@pytest.fixture(scope="module")
def sentencepiece_package(tmp_path_factory: pytest.TempPathFactory, training_text: str) -> Path:
    """The default (tiny, SentencePiece) package."""
    return build_argos_package(tmp_path_factory.mktemp("sp") / "zh_en.argosmodel", training_text=training_text)


@pytest.fixture(scope="module")
def bpe_package(tmp_path_factory: pytest.TempPathFactory, training_text: str) -> Path:
    """A tiny package with a BPE tokenizer."""
    return build_argos_package(
        tmp_path_factory.mktemp("bpe") / "zh_en.argosmodel", training_text=training_text, tokenizer="bpe"
    )


def unpack(archive: Path, into: Path) -> Path:
    """Unpack a package as argostranslate installs it; return its (only) top folder."""
    assert zipfile.is_zipfile(archive)
    with zipfile.ZipFile(archive) as package_zip:
        package_zip.extractall(into)
    (folder,) = into.iterdir()
    return folder


def translate(
    package_folder: Path, package: Package, sentences: list[str]
) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Tokenize, translate and decode like the `argos` engine; return source tokens, output tokens, texts."""
    import ctranslate2

    tokenizer = package.tokenizer
    prefix: str = package.target_prefix
    translator = ctranslate2.Translator(str(package_folder / "model"), device="cpu", intra_threads=1)
    sources = [tokenizer.encode(sentence) for sentence in sentences]
    results = translator.translate_batch(
        sources,
        target_prefix=[[prefix]] * len(sources) if prefix else None,
        beam_size=2,
        batch_type="tokens",
        max_batch_size=1024,
        max_decoding_length=2 * max(map(len, sources)) + 10,
    )
    outputs = [result.hypotheses[0] for result in results]
    return sources, outputs, [tokenizer.decode(tokens).strip() for tokens in outputs]


def test_package_is_a_zip_with_one_top_folder(sentencepiece_package: Path) -> None:
    top = package_folder_name("zh", "en", "1.0")
    assert top == "translate-zh_en-1_0"
    with zipfile.ZipFile(sentencepiece_package) as package_zip:
        names = package_zip.namelist()
        assert {name.split("/")[0] for name in names} == {top}
        files = {name[len(top) + 1 :] for name in names if not name.endswith("/")}
        assert files == {
            "README.md",
            "metadata.json",
            "sentencepiece.model",
            "model/model.bin",
            "model/config.json",
            "model/shared_vocabulary.json",
        }
        metadata = json.loads(package_zip.read(f"{top}/metadata.json"))
        config = json.loads(package_zip.read(f"{top}/model/config.json"))
        vocabulary = json.loads(package_zip.read(f"{top}/model/shared_vocabulary.json"))
        readme = package_zip.read(f"{top}/README.md").decode("utf-8")
    assert metadata == {
        "package_version": "1.0",
        "argos_version": ARGOS_VERSION,
        "from_code": "zh",
        "from_name": "Chinese",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
        "links": [],
    }
    assert vocabulary[:3] == ["<unk>", "<s>", "</s>"]
    for token in ("unk_token", "bos_token", "eos_token", "decoder_start_token"):
        assert config[token] in vocabulary
    assert "RANDOM" in readme and "noise" in readme


def test_tiny_package_is_small(sentencepiece_package: Path) -> None:
    assert sentencepiece_package.stat().st_size < TINY_LIMIT_BYTES


@pytest.mark.parametrize(
    ("package_fixture", "tokenizer_class"),
    [("sentencepiece_package", "SentencePieceTokenizer"), ("bpe_package", "BPETokenizer")],
)
def test_argostranslate_loads_and_ctranslate2_translates_real_sentences(
    package_fixture: str,
    tokenizer_class: str,
    request: pytest.FixtureRequest,
    argos_package_api: ModuleType,
    chinese_sentences: list[str],
    tmp_path: Path,
) -> None:
    folder = unpack(request.getfixturevalue(package_fixture), tmp_path)
    package = argos_package_api.Package(folder)
    assert (package.from_code, package.to_code, package.package_version) == ("zh", "en", "1.0")
    assert package.package_path == folder
    assert package.target_prefix == ""
    assert type(package.tokenizer).__name__ == tokenizer_class
    assert "random" in (package.get_readme() or "").lower()

    sources, outputs, texts = translate(folder, package, chinese_sentences)
    vocabulary = set(json.loads((folder / "model" / "shared_vocabulary.json").read_text(encoding="utf-8")))
    for tokens in sources:
        # Text from the training sample never falls back to <unk>.
        assert tokens and set(tokens) <= vocabulary
    assert len(outputs) == len(chinese_sentences)
    for tokens, text in zip(outputs, texts, strict=True):
        assert tokens and not {"<unk>", "<s>", "</s>"} & set(tokens)
        assert text


def test_target_prefix_is_in_metadata_vocabulary_and_output(
    argos_package_api: ModuleType, training_text: str, chinese_sentences: list[str], tmp_path: Path
) -> None:
    archive = build_argos_package(
        tmp_path / "zh_en.argosmodel", training_text=training_text, package_version="1.9", target_prefix="__en__"
    )
    folder = unpack(archive, tmp_path / "unpacked")
    assert folder.name == "translate-zh_en-1_9"
    package = argos_package_api.Package(folder)
    assert (package.package_version, package.target_prefix) == ("1.9", "__en__")
    _, outputs, _ = translate(folder, package, chinese_sentences[:1])
    assert outputs[0][0] == "__en__" and len(outputs[0]) > 1


def test_same_seed_same_bytes_other_seed_other_weights(training_text: str, tmp_path: Path) -> None:
    def model_bin(name: str, seed: int) -> bytes:
        archive = build_argos_package(tmp_path / f"{name}.argosmodel", training_text=training_text, seed=seed)
        with zipfile.ZipFile(archive) as package_zip:
            return package_zip.read("translate-zh_en-1_0/model/model.bin")

    first = model_bin("first", seed=7)
    assert model_bin("again", seed=7) == first
    assert (tmp_path / "again.argosmodel").read_bytes() == (tmp_path / "first.argosmodel").read_bytes()
    assert model_bin("other", seed=8) != first


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"tokenizer": "wordpiece"}, "tokenizer"),
        ({"d_model": 18, "heads": 4}, "multiple of heads"),
        ({"vocab_size": 200}, "too small"),
        ({"target_prefix": "__e n__"}, "single token"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        build_argos_package(tmp_path / "x.argosmodel", training_text="一些文字。Some text.", **arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "x.argosmodel").exists()
