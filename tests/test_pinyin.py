"""Chinese names and titles in pinyin, as citations and catalogues write them (jobs.pinyin)."""

from __future__ import annotations

import pytest

from jobs.pinyin import author_pinyin, person_name, record_pinyin, sentence_pinyin, title_pinyin
from jobs.record import Citation


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("谢进", "Xie Jin"),  # surname first, as the example
        ("张会佳", "Zhang Huijia"),  # the given name's syllables joined
        ("欧阳修", "Ouyang Xiu"),  # compound surnames kept together
        ("司马迁", "Sima Qian"),
        ("诸葛亮", "Zhuge Liang"),
        ("司马", "Si Ma"),  # a two-character name is surname and given name, never a compound surname
        ("单田芳", "Shan Tianfang"),  # surnames read as surnames, not as the character's first reading
        ("曾国藩", "Zeng Guofan"),
        ("区志坚", "Ou Zhijian"),
        ("解缙", "Xie Jin"),
        ("仇英", "Qiu Ying"),
        ("朴槿惠", "Piao Jinhui"),
        ("查良镛", "Zha Liangyong"),
        ("李西安", "Li Xi'an"),  # a joined syllable starting with a vowel takes an apostrophe
        ("吕思勉", "Lü Simian"),
        ("阿不都·热合曼", "Abudou Reheman"),  # a minority name's parts
        (" 张  涵 ", "Zhang Han"),  # spaces in the export's name
        ("John Smith", "John Smith"),  # a name that is not Chinese stays as it is
        ("Smith, J.", "Smith, J."),
    ],
)
def test_person_names_as_citations_write_them(name: str, expected: str) -> None:
    assert person_name(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("食品工业科技", "Shipin Gongye Keji"),  # a long word cut into the dictionary words it is made of
        ("长春中医药大学人参科学研究院", "Changchun Zhongyiyao Daxue Renshen Kexue Yanjiuyuan"),
        ("中国社会科学", "Zhongguo Shehui Kexue"),
        ("北京大学学报(哲学社会科学版)", "Beijing Daxue Xuebao (Zhexue Shehui Kexue Ban)"),
        ("北京大学学报（哲学社会科学版）", "Beijing Daxue Xuebao (Zhexue Shehui Kexue Ban)"),  # full-width brackets
        ("《红楼梦》研究：回顾、展望", "“Hongloumeng” Yanjiu: Huigu, Zhanwang"),
        ("Journal of Food Science", "Journal of Food Science"),
    ],
)
def test_journal_and_institution_names_word_by_word_capitalised(name: str, expected: str) -> None:
    assert title_pinyin(name) == expected


def test_a_titles_pinyin_is_in_sentence_case_and_keeps_what_is_not_chinese() -> None:
    assert (
        sentence_pinyin("黄芪多糖复合酶提取工艺优化及其α-葡萄糖苷酶抑制活性")
        == "Huangqi duotang fuhe mei tiqu gongyi youhua jiqi α-putao tangganmei yizhi huoxing"
    )
    assert sentence_pinyin("COVID-19疫情下的在线教育").startswith("COVID-19 yiqing xia de")
    assert sentence_pinyin("《红楼梦》研究") == "“Hongloumeng” yanjiu"


def test_a_records_pinyin_follows_its_citation_one_for_one() -> None:
    citation = Citation(
        format="cnki-refer",
        authors=["张会佳", "John Smith", "欧阳修"],
        affiliations=["长春中医药大学药学院", "Harvard University"],
        journal="食品工业科技",
    )
    pinyin = record_pinyin("黄芪多糖", citation)
    assert pinyin is not None
    assert pinyin.authors == ["Zhang Huijia", "John Smith", "Ouyang Xiu"]
    assert pinyin.affiliations == ["Changchun Zhongyiyao Daxue Yaoxueyuan", "Harvard University"]
    assert pinyin.journal == "Shipin Gongye Keji" and pinyin.title == "Huangqi duotang"
    english = Citation(format="ris", authors=["Smith, John"], journal="Nature")
    assert record_pinyin("A title", english) is None  # nothing Chinese: no pinyin
    assert record_pinyin(None, None) is None
    assert record_pinyin("黄芪", None) == record_pinyin("黄芪", Citation(format="ris"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张会佳", "Zhang Huijia"),
        ("欧阳建国", "Ouyang Jianguo"),  # four characters: still a person's
        ("阿不都·热合曼", "Abudou Reheman"),
        # The authors of a standard in CNKI's RefWorks export: bodies, named word by word.
        ("北京大学信息管理系", "Beijing Daxue Xinxi Guanli Xi"),
        ("中国科学技术信息研究所", "Zhongguo Kexue Jishu Xinxi Yanjiusuo"),
        ("北京师范大学学报(自然科学版)编辑部", "Beijing Shifan Daxue Xuebao (Ziran Kexue Ban) Bianjibu"),
        ("John Smith", "John Smith"),
    ],
)
def test_an_author_is_a_person_or_a_body(name: str, expected: str) -> None:
    assert author_pinyin(name) == expected


def test_a_theses_university_and_supervisors_are_in_pinyin_too() -> None:
    thesis = Citation(format="refworks", authors=["林行众"], supervisors=["黄三文", "杨清"], publisher="南京农业大学")
    pinyin = record_pinyin("黄瓜共表达基因模块的识别及其特点分析", thesis)
    assert pinyin is not None
    assert (pinyin.authors, pinyin.supervisors) == (["Lin Xingzhong"], ["Huang Sanwen", "Yang Qing"])
    assert pinyin.publisher == "Nanjing Nongye Daxue" and pinyin.journal is None
    assert record_pinyin(None, Citation(format="refworks", publisher="南京农业大学")) is not None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Exports from Taiwan and Hong Kong write names in traditional characters: a compound
        # surname stays whole, a surname read otherwise than its character's first reading is read so.
        ("歐陽修", "Ouyang Xiu"),
        ("司馬遷", "Sima Qian"),
        ("諸葛亮", "Zhuge Liang"),
        ("長孫無忌", "Zhangsun Wuji"),
        ("尉遲恭", "Yuchi Gong"),
        ("單田芳", "Shan Tianfang"),
        ("區志堅", "Ou Zhijian"),
        ("樂嘉", "Yue Jia"),
        ("費孝通", "Fei Xiaotong"),
    ],
)
def test_names_in_traditional_characters_read_their_surnames_as_surnames(name: str, expected: str) -> None:
    assert person_name(name) == expected
