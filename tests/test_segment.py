"""Sentence splitting on the way real abstracts are written."""

from __future__ import annotations

import json
import re

from jobs.language import normalise_whitespace
from jobs.segment import split_sentences

from .conftest import repo_data


def test_chinese_splits_on_full_width_ends_and_semicolons() -> None:
    text = "建立了飞行器姿态控制系统的数学模型；利用刚体姿态动力学方程建立了模型。结果如何？效果显著！"
    assert split_sentences(text, "zh") == [
        "建立了飞行器姿态控制系统的数学模型；",
        "利用刚体姿态动力学方程建立了模型。",
        "结果如何？",
        "效果显著！",
    ]


def test_chinese_splits_on_ascii_full_stops_between_chinese() -> None:
    # CSL abstracts end sentences with ASCII '.', as in the source.
    text = "提出了基于平方和(SOS)方法的一种新的设计方法.仿真结果表明,用这种方法设计镇定控制器简化了设计过程."
    assert split_sentences(text, "zh") == [
        "提出了基于平方和(SOS)方法的一种新的设计方法.",
        "仿真结果表明,用这种方法设计镇定控制器简化了设计过程.",
    ]


def test_chinese_keeps_decimals_abbreviations_and_latin_terms() -> None:
    text = "效率提高了3.5倍,例如e.g.线性模型与美国(U.S.)的数据,Smith et al.提出的方法以及v1.2版本均有效.下一句。"
    assert split_sentences(text, "zh") == [
        "效率提高了3.5倍,例如e.g.线性模型与美国(U.S.)的数据,Smith et al.提出的方法以及v1.2版本均有效.",
        "下一句。",
    ]


def test_chinese_list_numbers_and_closing_quotes() -> None:
    assert split_sentences("结论如下:1.方法有效;2.模型稳定.", "zh") == ["结论如下:1.方法有效;2.模型稳定."]
    assert split_sentences("他说:“这是好的。”然后离开了。", "zh") == ["他说:“这是好的。”", "然后离开了。"]


def test_english_glued_sentences_are_split() -> None:
    text = (
        "The international situation is evolving more impressively than it has at any time since the end "
        "of the Cold War.Globalization has been in decline.Nations are scrambling to gain greater influence."
    )
    assert split_sentences(text, "en") == [
        "The international situation is evolving more impressively than it has at any time since the end of the Cold War.",
        "Globalization has been in decline.",
        "Nations are scrambling to gain greater influence.",
    ]


def test_english_keeps_abbreviations_and_decimals() -> None:
    text = "The U.S. economy grew 3.5 percent, e.g. in 2019.China's growth was faster. Dr. Smith et al. agree."
    assert split_sentences(text, "en") == [
        "The U.S. economy grew 3.5 percent, e.g. in 2019.",
        "China's growth was faster.",
        "Dr. Smith et al. agree.",
    ]


def test_stray_punctuation_is_not_a_sentence() -> None:
    assert split_sentences("本文研究了SVM.实验表明该方法有效。”", "zh") == ["本文研究了SVM.", "实验表明该方法有效。”"]


def test_csl_abstracts_split_cleanly() -> None:
    """Over 1,000 real abstracts: no sentence starts with a digit cut from a decimal, none is empty."""
    count = 0
    for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        abstract = json.loads(line)["abstract"]
        text = normalise_whitespace(abstract)
        if not re.search(r"[\u4e00-\u9fff]", text):
            continue
        sentences = split_sentences(text, "zh")
        count += len(sentences)
        assert "".join(sentences).replace(" ", "") == text.replace(" ", "")
        for previous, sentence in zip(sentences, sentences[1:]):
            assert not (previous[-2:-1].isdigit() and sentence[:1].isdigit()), (previous, sentence)
    assert count > 3000
