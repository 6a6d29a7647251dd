"""The `ct2` engine: CTranslate2 translator folders of each family, added, listed, removed and run.

Every model here is a random-weight folder built by `tests/ct2_models.py` in its family's layout
(OPUS-MT, NLLB-200, M2M-100, MADLAD-400) with SentencePiece models trained on the sample export:
what they write is noise, so the tests hold what must hold whatever a model writes: one output per
sentence, in order; the flags; the record's engine and model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jobs.engines.base import EngineSettings
from jobs.engines.ct2.engine import Ct2Engine
from jobs.engines.ct2.layouts import detect
from jobs.engines.ct2.tokens import Tokens
from jobs.engines.neural import cuda_devices
from jobs.language import HAN
from jobs.quality import is_repetitive
from jobs.segment import split_sentences

from .conftest import import_component, read_jsonl, run_digest
from .ct2_models import build_ct2_model

#: name -> kind, tokenizer file, and for each pair it translates: source prefix, source suffix, target prefix.
LAYOUTS: dict[str, tuple[str, str, dict[tuple[str, str], tuple[tuple[str, ...], ...]]]] = {
    "opus-mt-zh-en": ("ct2/opus-mt", "source.spm", {("zh", "en"): ((), (), ())}),
    "opus-mt-en-zh": ("ct2/opus-mt", "source.spm", {("en", "zh"): ((">>cmn_Hans<<",), (), ())}),
    "nllb-test": (
        "ct2/nllb",
        "sentencepiece.bpe.model",
        {
            ("zh", "en"): (("zho_Hans",), ("</s>",), ("eng_Latn",)),
            ("en", "zh"): (("eng_Latn",), ("</s>",), ("zho_Hans",)),
        },
    ),
    "m2m-test": (
        "ct2/m2m",
        "spm.128k.model",
        {("zh", "en"): (("__zh__",), ("</s>",), ("__en__",)), ("en", "zh"): (("__en__",), ("</s>",), ("__zh__",))},
    ),
    "madlad-test": (
        "ct2/madlad",
        "spiece.model",
        {("zh", "en"): (("<2en>",), ("</s>",), ()), ("en", "zh"): (("<2zh>",), ("</s>",), ())},
    ),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_each_family_is_told_apart_by_its_files_with_its_own_tokens(ct2_folders: dict[str, Path], name: str) -> None:
    kind, tokenizer, pairs = LAYOUTS[name]
    layout = detect(ct2_folders[name])
    assert (layout.kind, layout.pairs) == (kind, list(pairs))
    for direction in layout.directions:
        assert direction.source_tokenizer == tokenizer
        tokens = (direction.source_prefix, direction.source_suffix, direction.target_prefix)
        assert tokens == pairs[direction.source_lang, direction.target_lang]


def test_an_english_to_chinese_opus_mt_model_gets_its_target_token_first(ct2_folders: dict[str, Path]) -> None:
    [direction] = detect(ct2_folders["opus-mt-en-zh"]).directions
    assert (direction.source_lang, direction.target_lang) == ("en", "zh")
    assert direction.source_prefix == (">>cmn_Hans<<",)


def test_a_marian_model_converted_from_hugging_face_gets_its_end_token_from_digest(tmp_path: Path) -> None:
    # ct2-opus-mt-converter sets add_source_eos, so CTranslate2 adds </s> itself; a Marian model
    # converted by ct2-transformers-converter does not, and its source must end with </s>.
    folder = build_ct2_model(tmp_path / "marian", "opus-mt", add_source_eos=False)
    [direction] = detect(folder).directions
    assert direction.source_suffix == ("</s>",)
    tokens = Tokens(folder, detect(folder), direction).encode(["本文研究核威慑。", " "])
    assert tokens[0][-1] == "</s>" and tokens[0][0] != "</s>" and tokens[1] == []


def test_output_tokens_become_text_without_the_family_tokens_and_with_copied_pieces_kept(
    ct2_folders: dict[str, Path],
) -> None:
    folder = ct2_folders["nllb-test"]
    layout = detect(folder)
    direction = layout.direction("zh", "en")
    assert direction is not None
    tokens = Tokens(folder, layout, direction)
    [source] = tokens.encode(["美国的核战略。"])
    assert source[0] == "zho_Hans" and source[-1] == "</s>"
    pieces = source[1:-1]
    plain = tokens.target.decode(pieces)
    # The target prefix, other languages' tokens, padding and </s> are no text.
    assert tokens.decode(["eng_Latn", *pieces[:2], "fra_Latn", "<pad>", *pieces[2:], "</s>"]) == plain
    # A piece the tokenizer does not know (replace_unknowns copies one from the source) stays as its text.
    assert tokens.decode(["eng_Latn", *pieces, "\u2581Rodrigues"]) == plain + " Rodrigues"


def test_models_add_copies_checks_lists_and_removes_a_folder(workdir: Path, ct2_folders: dict[str, Path]) -> None:
    source = shutil.copytree(ct2_folders["nllb-test"], workdir / "nllb-200-distilled-600M-ct2")
    added = run_digest("models", "add", str(source))
    installed = workdir / "lang_models" / "ct2" / "nllb-200-distilled-600M-ct2"
    assert added.exit_code == 0, added.stderr
    assert f"added nllb-200-distilled-600M-ct2 (ct2/nllb) (zh->en en->zh) in {installed}" in added.stderr
    shutil.rmtree(source)  # a copy is installed: the converter's folder may go
    [row] = [line.split("\t") for line in run_digest("models", "list").stdout.splitlines()]
    assert row[0:2] == ["nllb-200-distilled-600M-ct2", "zh->en en->zh"] and row[3:] == [str(installed), "ct2/nllb"]
    assert row[2].endswith(" MB")
    [listed] = [json.loads(line) for line in run_digest("models", "list", "--json").stdout.splitlines()]
    assert (listed["engine"], listed["kind"], listed["name"], listed["pair"]) == (
        "ct2",
        "ct2/nllb",
        "nllb-200-distilled-600M-ct2",
        "zh_en",
    )

    # Again under the same name: replaced, nothing left beside it.
    assert run_digest("models", "add", str(ct2_folders["m2m-test"]), "--name", installed.name).exit_code == 0
    assert sorted(path.name for path in installed.parent.iterdir()) == [installed.name]
    assert "ct2/m2m" in run_digest("models", "list").stdout

    missing = run_digest("models", "remove", "nllb")
    assert missing.exit_code == 2 and "(installed: nllb-200-distilled-600M-ct2)" in missing.stderr
    removed = run_digest("models", "remove", installed.name)
    assert (
        removed.exit_code == 0 and f"removed nllb-200-distilled-600M-ct2 (ct2/m2m) from {installed}" in removed.stderr
    )
    assert not installed.exists()
    assert "no models installed in" in run_digest("models", "list").stderr


def _refused(workdir: Path, folder: Path, *arguments: str) -> str:
    """`digest models add` of `folder` refused with exit 2, the models folder as it was: its message."""
    result = run_digest("models", "add", str(folder), *arguments)
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    installed = workdir / "lang_models" / "ct2"
    assert not installed.exists() or list(installed.iterdir()) == []
    return result.stderr


def test_models_add_refuses_what_is_not_a_chinese_english_translator(
    workdir: Path, ct2_folders: dict[str, Path]
) -> None:
    empty = workdir / "empty"
    empty.mkdir()
    assert "not a model folder any engine takes" in _refused(workdir, empty)

    # A CTranslate2 model of another kind (Whisper, speech to text) is no translator of text.
    generator = shutil.copytree(ct2_folders["nllb-test"], workdir / "whisper")
    name = b"WhisperSpec"
    data = (generator / "model.bin").read_bytes()
    old_length = int.from_bytes(data[4:6], "little")
    header = data[:4] + (len(name) + 1).to_bytes(2, "little") + name + b"\0"
    (generator / "model.bin").write_bytes(header + data[6 + old_length :])
    assert "not a model folder any engine takes" in _refused(workdir, generator)

    # An OPUS-MT model between two languages that are not Chinese (here both sides write English).
    english = shutil.copytree(ct2_folders["opus-mt-zh-en"], workdir / "opus-mt-en-de")
    shutil.copy(english / "target.spm", english / "source.spm")
    message = _refused(workdir, english)
    assert "source.spm and target.spm neither write Chinese" in message and "opus-mt-en-de" in message

    # A multilingual model's folder with the wrong tokenizer beside it: MADLAD's name, NLLB's tokens.
    renamed = shutil.copytree(ct2_folders["nllb-test"], workdir / "renamed")
    (renamed / "sentencepiece.bpe.model").rename(renamed / "spiece.model")
    assert "not a Chinese-English model digest knows how to tokenize" in _refused(workdir, renamed)

    no_tokenizer = shutil.copytree(ct2_folders["madlad-test"], workdir / "no-tokenizer")
    (no_tokenizer / "spiece.model").unlink()
    assert "not a Chinese-English model digest knows how to tokenize" in _refused(workdir, no_tokenizer)


def test_models_add_refuses_a_damaged_model_after_loading_it_in_a_child_process(
    workdir: Path, ct2_folders: dict[str, Path]
) -> None:
    damaged = shutil.copytree(ct2_folders["m2m-test"], workdir / "damaged")
    data = (damaged / "model.bin").read_bytes()
    (damaged / "model.bin").write_bytes(data[: len(data) // 2])  # a download cut short
    message = _refused(workdir, damaged)
    assert f"{damaged}: model.bin (CTranslate2) cannot be loaded" in message

    tokenizer = shutil.copytree(ct2_folders["m2m-test"], workdir / "bad-tokenizer")
    (tokenizer / "spm.128k.model").write_bytes(b"not a SentencePiece model")
    assert "bad-tokenizer" in _refused(workdir, tokenizer)


@pytest.mark.parametrize("name", ["zh_en", "en-zh", "../up", ".hidden", "a b", ""])
def test_models_add_refuses_a_name_that_cannot_name_a_model(
    workdir: Path, ct2_folders: dict[str, Path], name: str
) -> None:
    assert "cannot name a model" in _refused(workdir, ct2_folders["nllb-test"], "--name", name)


def _expected(sentences: list[str], models: Path, name: str, source_lang: str, target_lang: str) -> dict[str, str]:
    """What the engine writes for each distinct sentence of the run's one call (Latin-only ones are not sent)."""
    import re

    settings = EngineSettings(models_dir=models, options={"model": name})
    sent = list(dict.fromkeys(s for s in sentences if re.search(HAN if source_lang == "zh" else "[A-Za-z]", s)))
    return dict(zip(sent, Ct2Engine.load(source_lang, target_lang, settings).translate_batch(sent)))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["opus-mt-zh-en", "nllb-test", "m2m-test", "madlad-test"])
def test_a_run_gives_every_sentence_its_own_translation_in_order_with_each_family(
    sample_batch: Path, ct2_models: Path, name: str
) -> None:
    models = shutil.copytree(ct2_models, sample_batch.parent.parent / "lang_models")
    result = run_digest("run", "-q", "--engine", "ct2", "--model", name, "--no-cache", "--keywords", "0")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    kind = LAYOUTS[name][0]
    chinese = [record for record in records if record["source_lang"] == "zh"]
    english = [record for record in records if record["source_lang"] == "en"]
    assert chinese and english

    sentences = [s["zh"] for record in chinese for s in record["sentences"]]
    expected = _expected(sentences, models, name, "zh", "en")
    for record in chinese:
        assert record["engine"]["translation"] == "ct2" and record["engine"]["model"] == f"{name} ({kind})"
        assert [s["zh"] for s in record["sentences"]] == split_sentences(record["text"]["zh"], "zh")
        assert [s["en"] for s in record["sentences"]] == [expected.get(s["zh"], s["zh"]) for s in record["sentences"]]
        assert ("repetition" in record["flags"]) == any(is_repetitive(s["en"]) for s in record["sentences"])
        assert ("empty_translation" in record["flags"]) == any(not s["en"].strip() for s in record["sentences"])

    if kind == "ct2/opus-mt":  # one way only, and --model names it: English abstracts stay English
        assert all(record["engine"]["translation"] is None and record["text"]["zh"] is None for record in english)
    else:
        back = _expected([s["en"] for r in english for s in r["sentences"]], models, name, "en", "zh")
        for record in english:
            assert record["engine"]["model"] == f"{name} ({kind})"
            assert [s["zh"] for s in record["sentences"]] == [back.get(s["en"], s["en"]) for s in record["sentences"]]


@pytest.mark.slow
def test_a_model_that_writes_nothing_flags_every_record_and_keeps_the_alignment(
    sample_batch: Path, tmp_path: Path
) -> None:
    # A model that ends every translation at once (its end-of-sentence logit raised far above the rest).
    silent = build_ct2_model(tmp_path / "silent", "nllb", eos_logit_bias=50.0)
    assert run_digest("models", "add", str(silent)).exit_code == 0
    result = run_digest("run", "-q", "--engine", "ct2", "--no-cache")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    for record in records:
        lang = record["source_lang"]
        other = "en" if lang == "zh" else "zh"
        assert record["engine"]["model"] == "silent (ct2/nllb)"
        assert [s[lang] for s in record["sentences"]] == split_sentences(record["text"][lang], lang)
        assert all(s[other] == "" for s in record["sentences"])
        assert "empty_translation" in record["flags"]


def test_auto_takes_a_ct2_model_before_an_argos_package(
    sample_batch: Path, argos_models: Path, ct2_models: Path
) -> None:
    models = shutil.copytree(argos_models, sample_batch.parent.parent / "lang_models")
    shutil.copytree(ct2_models / "ct2", models / "ct2")
    assert Ct2Engine.supports("zh", "en", EngineSettings(models_dir=models))
    from jobs import engines

    chosen = engines.resolve_engine("auto", "zh", "en", EngineSettings(models_dir=models))
    assert chosen is Ct2Engine
    # Of several, the strongest family: MADLAD-400 before NLLB-200, M2M-100 and OPUS-MT.
    assert Ct2Engine.installed_files("zh", "en", EngineSettings(models_dir=models)) == models / "ct2" / "madlad-test"
    named = EngineSettings(models_dir=models, options={"model": "opus-mt-zh-en"})
    assert Ct2Engine.installed_files("zh", "en", named) == models / "ct2" / "opus-mt-zh-en"
    # --model names a model of one way: the other way has none by that name.
    assert not Ct2Engine.supports("en", "zh", named)


def test_an_unknown_model_name_is_refused_naming_those_installed(sample_batch: Path, ct2_models: Path) -> None:
    shutil.copytree(ct2_models, sample_batch.parent.parent / "lang_models")
    result = run_digest("run", "-q", "--engine", "ct2", "--model", "nllb-200")
    assert result.exit_code == 2
    assert "no CTranslate2 model 'nllb-200' that translates zh->en is installed" in result.stderr
    assert "(installed: m2m-test, madlad-test, nllb-test, opus-mt-en-zh, opus-mt-zh-en)" in result.stderr
    assert not list((sample_batch.parent.parent / "output").iterdir())


def test_without_a_model_ct2_says_how_to_get_one(sample_batch: Path) -> None:
    result = run_digest("run", "-q", "--engine", "ct2")
    assert result.exit_code == 2
    assert "no CTranslate2 model for zh->en is installed" in result.stderr
    assert "digest models add FOLDER" in result.stderr


@pytest.mark.slow
def test_translation_quality_scores_an_installed_model_on_a_users_own_pairs(ct2_models: Path, tmp_path: Path) -> None:
    import_component("sacrebleu", "the benchmarks' extra (pip install -e '.[bench]') scores with sacrebleu")
    import subprocess
    import sys

    from .conftest import REPO

    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"zh": "美国的核战略。", "en": "The nuclear strategy of the United States."},
        {"zh": "本文研究延伸威慑。", "en": "This paper studies extended deterrence."},
    ]
    pairs.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    command = [sys.executable, str(REPO / "benchmarks" / "translation_quality.py"), "--engine", "ct2"]
    command += ["--model", "nllb-test", "--models-dir", str(ct2_models), "--pairs", str(pairs), "--device", "cpu"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"ct2 nllb-test (ct2/nllb) on {pairs}"
    assert done.stdout.splitlines()[1].startswith("pairs (2): chrF ")

    unknown = subprocess.run([*command[:5], "nllb-200", *command[6:]], capture_output=True, text=True, timeout=300)
    assert unknown.returncode == 1 and "no CTranslate2 model 'nllb-200' that translates zh->en" in unknown.stderr


@pytest.mark.skipif(bool(cuda_devices()), reason="checks the error a machine without a GPU gives")
def test_device_cuda_without_a_gpu_is_refused_before_any_output(sample_batch: Path, ct2_models: Path) -> None:
    result = run_digest("run", "--engine", "ct2", "--device", "cuda", "--models-dir", str(ct2_models))
    assert result.exit_code == 2
    assert "--device cuda: CTranslate2 sees no CUDA device here; use --device cpu or auto" in result.stderr
    assert not list((sample_batch.parent.parent / "output").iterdir())


def test_device_auto_runs_where_ctranslate2_sees_a_device(ct2_models: Path) -> None:
    settings = EngineSettings(models_dir=ct2_models, options={"model": "opus-mt-zh-en", "device": "auto"})
    engine = Ct2Engine.load("zh", "en", settings)
    assert engine.device == ("cuda" if cuda_devices() else "cpu") and f"device={engine.device}" in engine.cache_identity
    assert len(engine.translate_batch(["美国的核战略。", ""])) == 2


def test_a_text_with_no_letter_of_its_language_is_its_own_translation_with_no_model_call(ct2_models: Path) -> None:
    from jobs.translators import Translators

    settings = EngineSettings(models_dir=ct2_models, options={"model": "nllb-test"})
    translators = Translators("ct2", settings, lambda message: None)
    zh_en, en_zh = translators.get("zh", "en"), translators.get("en", "zh")
    assert zh_en is not None and en_zh is not None
    # A Chinese abstract's Latin keyword, a statistic; an English abstract's formula.
    kept = ["P<0.05", "DNA", "CRISPR-Cas9", "(n=120)", "2019", ""]
    texts = ["美国的核战略。", *kept, "核问题"]
    translated = translators.translate(zh_en, texts)
    assert translated[1:-1] == kept and translators.stats.engine_translations == 2
    assert translated[0] == zh_en.translate_batch(["美国的核战略。"])[0]
    assert translators.translate(en_zh, ["p < 0.05", "5.2%", "美国"]) == [
        en_zh.translate_batch(["p < 0.05"])[0],
        "5.2%",
        "美国",
    ]
