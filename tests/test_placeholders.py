"""Glossary terms through neural models by placeholders (`jobs.placeholders`), and `glossary_miss` as the check.

The model here is a random-weight NLLB-shaped CTranslate2 folder (`tests/ct2_models.py`) whose output
layer favours the token `ZX1`: it writes the first placeholder of a sentence (and, made up, in
sentences that have none) and never the second, so each way a placeholder comes back or is lost is
met on the sample export's real sentences.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jobs.engines.base import EngineSettings
from jobs.engines.ct2.engine import Ct2Engine
from jobs.engines.ct2.models import add_model
from jobs.placeholders import protect, restore, term_pattern, translate_with_glossary
from jobs.segment import split_sentences

from .conftest import read_jsonl, run_digest
from .ct2_models import build_ct2_model, sample_lines

GLOSSARY = {"延伸威慑": "extended deterrence", "导弹防御": "missile defense", "核": "nuclear"}


def test_terms_become_numbered_placeholders_in_the_order_they_occur() -> None:
    terms = term_pattern(GLOSSARY)
    protected = protect("与盟友发展导弹防御合作关系,对美国的延伸威慑体系和导弹防御造成影响。", terms)
    assert protected.text == "与盟友发展ZX1合作关系,对美国的ZX2体系和ZX1造成影响。"
    assert protected.terms == {1: "导弹防御", 2: "延伸威慑"}
    # The longer term wins over one inside it; a placeholder is kept apart from Latin letters and digits.
    assert protect("核武器与核", term_pattern({"核": "nuclear", "核武器": "nuclear weapons"})).text == "ZX1与ZX2"
    assert protect("NATO延伸威慑2020", terms).text == "NATO ZX1 2020"
    assert protect("没有术语。", terms) == protect("没有术语。", None)
    assert protect("没有术语。", terms).terms == {}


@pytest.mark.parametrize("sentence", ["HZX1基因与延伸威慑", "zx 12与延伸威慑", "ZX3与延伸威慑"])
def test_a_sentence_with_a_placeholder_of_its_own_is_translated_as_written(sentence: str) -> None:
    protected = protect(sentence, term_pattern(GLOSSARY))
    assert (protected.text, protected.terms, protected.as_written) == (sentence, {}, True)
    assert restore("the HZX1 gene ZX3", protected, GLOSSARY) == ("the HZX1 gene ZX3", set())


def test_placeholders_come_back_as_a_model_may_space_case_or_glue_them() -> None:
    protected = protect("对美国的延伸威慑体系和导弹防御造成影响。", term_pattern(GLOSSARY))
    assert protected.terms == {1: "延伸威慑", 2: "导弹防御"}
    assert restore("the ZX 1 and zx2 system", protected, GLOSSARY) == (
        "the extended deterrence and missile defense system",
        set(),
    )
    assert restore("US theZX1system", protected, GLOSSARY) == ("US theextended deterrencesystem", {2})
    # A number no term of the sentence has is made up, and removed; ZX12 is not ZX1.
    assert restore("ZX7 impact of ZX12 on ZX2", protected, GLOSSARY) == ("impact of on missile defense", {1})
    assert restore("no placeholder", protected, GLOSSARY) == ("no placeholder", {1, 2})


def test_a_placeholder_glued_to_a_number_of_the_source_keeps_the_number() -> None:
    # 人参皂苷10 mg goes as "ZX1 10 mg"; a model that drops the space writes ZX110, which is no term's
    # placeholder: the 10 is the source's dose, and was removed with it (and term 1, found elsewhere, not missed).
    glossary = {"人参皂苷": "ginsenoside", "大鼠": "rats"}
    protected = protect("人参皂苷10 mg/kg给予大鼠，人参皂苷Rb1组5 d。", term_pattern(glossary))
    assert protected.text == "ZX1 10 mg/kg给予ZX2，ZX1 Rb1组5 d。"
    assert restore("ZX110 mg/kg was given to ZX2, ZX1 Rb1 group for 5 d.", protected, glossary) == (
        "ginsenoside 10 mg/kg was given to rats, ginsenoside Rb1 group for 5 d.",
        set(),
    )
    assert restore("ZX25 d with ZX1 Rb1 and 10 mg/kg", protected, glossary) == (
        "rats 5 d with ginsenoside Rb1 and 10 mg/kg",
        set(),
    )
    # Digits the source does not have are still made up, and go with their placeholder.
    assert restore("ZX17 and ZX2", protected, glossary) == ("and rats", {1})


@pytest.fixture(scope="module")
def favouring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with an NLLB-shaped model that writes `ZX1` often and `ZX2` never."""
    folder = tmp_path_factory.mktemp("placeholders")
    source = build_ct2_model(folder / "source", "nllb", user_symbols=["ZX1", "ZX2", "ZX3"], favour={"ZX1": 3.0})
    add_model(source, folder / "lang_models", "favouring")
    return folder / "lang_models"


def test_a_term_whose_placeholder_comes_back_gets_its_english_and_a_lost_one_is_asked_again(favouring: Path) -> None:
    engine = Ct2Engine.load("zh", "en", EngineSettings(models_dir=favouring))
    sentences = [s for line in sample_lines("zh") for s in split_sentences(line, "zh")]
    glossary = {zh: en for zh, en in GLOSSARY.items() if zh != "核"}
    translations = translate_with_glossary(engine.translate_batch, sentences, glossary)
    assert len(translations) == len(sentences)
    seen = {"first": 0, "second": 0, "none": 0}
    for sentence, english in zip(sentences, translations):
        assert "ZX" not in english.upper()  # every placeholder put back or, made up, removed
        found = sorted((sentence.index(term), term) for term in glossary if term in sentence)
        if not found:
            seen["none"] += 1
            continue
        # The first term is ZX1, which the model writes: its English is there.
        assert glossary[found[0][1]] in english
        seen["first"] += 1
        if len(found) == 2:
            # The second, ZX2, is lost: the model gets the sentence again with that term in Chinese
            # (ZX1 protected again), and its noise has no English for it.
            assert glossary[found[1][1]] not in english
            seen["second"] += 1
    assert seen["first"] >= 5 and seen["second"] >= 2 and seen["none"] >= 50


@pytest.mark.slow
def test_a_run_with_a_glossary_puts_the_terms_in_and_flags_what_is_lost(
    sample_batch: Path, favouring: Path, tmp_path: Path
) -> None:
    shutil.copytree(favouring, sample_batch.parent.parent / "lang_models")
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("延伸威慑\textended deterrence\n核保护伞\tnuclear umbrella\n", encoding="utf-8")
    result = run_digest("run", "-q", "--engine", "ct2", "--glossary", str(glossary), "--keywords", "0")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    chinese = [r for r in records if r["source_lang"] == "zh"]
    assert sum("延伸威慑" in r["text"]["zh"] for r in chinese) == 2
    for record in chinese:
        for sentence in record["sentences"]:
            assert "ZX" not in sentence["en"].upper()
            # 延伸威慑 comes first wherever a sentence has it (ZX1, which comes back) ...
            assert ("延伸威慑" in sentence["zh"]) == ("extended deterrence" in sentence["en"])
        # ... and 核保护伞 only after it (ZX2, lost twice): the record says its English is missing.
        if "核保护伞" in record["text"]["zh"]:
            assert record["flags"].count("glossary_miss") == 1
            assert record["glossary_misses"] == [{"zh": "核保护伞", "en": "nuclear umbrella"}]
        else:
            assert "glossary_miss" not in record["flags"]
