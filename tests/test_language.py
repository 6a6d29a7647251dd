"""Language, whitespace and flags, on text taken from the real exports."""

from __future__ import annotations

import pytest

from jobs.language import detect_language, is_traditional, is_truncated, normalise_whitespace

# From the CNKI sample and CSL abstracts.
CHINESE_WITH_LATIN = (
    "采用修正的Rodrigues参数(MRP),建立了飞行器姿态控制系统的数学模型；提出了基于平方和(SOS)方法的一种新的设计方法."
)
ENGLISH = "Power Transition Theory (PTT) does offer an analysis of this phenomenon but no remedy."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CHINESE_WITH_LATIN, "zh"),
        ("基于CNN的目标检测方法研究", "zh"),
        ("核潜艇合作是美英澳三边安全伙伴关系(AUKUS)的核心内容。", "zh"),
        (ENGLISH, "en"),
        ("China's 30 years of development (改革开放) was successful in the process of integrating.", "en"),
        ("3.5 %, 2019-2020", "en"),
    ],
)
def test_language_is_decided_by_script(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_whitespace_of_exports_is_normalised() -> None:
    raw = "美国负有特殊的\u00a0\u00a0责任。 \n 这突出表现在\u3000三个问题上。\u2029 Power  shifts"
    assert normalise_whitespace(raw) == "美国负有特殊的责任。这突出表现在三个问题上。 Power shifts"


def test_truncated_export_is_flagged() -> None:
    assert is_truncated("在美俄实施削减战略核武器协议、消除美俄核对抗态势的同时,突出地强...")
    assert is_truncated("the order is in trouble…")
    assert not is_truncated("增长了3.5倍.")


def test_traditional_characters_are_recognised() -> None:
    assert is_traditional("國際政治安全秩序觀是有關國家對國際政治安全秩序的性質、發展趨勢的看法。")
    assert not is_traditional("国际政治安全秩序观是有关国家对国际政治安全秩序的性质、发展趋势的看法。")
    assert not is_traditional(ENGLISH)
