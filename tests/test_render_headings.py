"""The heading of a record without a title (issue 22): a sentence that stands alone, never one that
leans on the sentence before it, never a part heading ("目的：", "BACKGROUND:"), and a whole one.

The Chinese sentences are from real abstracts (the APS paper of tests/data/exports, the sample
batch, CSL); the English is as a translation gives it.
"""

from __future__ import annotations

import pytest

from jobs.render.words import standalone_heading

LIMIT = 120
STANDS_ALONE = (
    "Astragalus polysaccharides were extracted with a compound enzyme method.",
    "采用复合酶法提取黄芪多糖。",
)


@pytest.mark.parametrize(
    "leaning",
    [
        # The Chinese says it leans on what came before, whatever its English says.
        (
            "The extraction yield of APS was markedly higher than with one enzyme.",
            "因此，复合酶提取APS的得率显著提高。",
        ),
        (
            "This prominent show on three each other be related theory, history and reality problems.",
            "这突出表现在三个相互关联的理论、历史和现实问题上。",
        ),
        ("Its validity still has gaps and deficiencies against the United States.", "其有效性仍存在差距和不足。"),
        # An English abstract: its own words say so.
        ("However, the mechanism linking the two diseases remains unclear.", ""),
        ("This shows three related problems of theory, history and reality.", ""),
        ("Such states will decide the future of the liberal international order.", ""),
    ],
)
def test_a_sentence_that_leans_on_the_one_before_is_passed_over(leaning: tuple[str, str]) -> None:
    assert standalone_heading([leaning, STANDS_ALONE], "en", LIMIT) == STANDS_ALONE[0].rstrip(".")


@pytest.mark.parametrize(
    ("first", "heading"),
    [
        # A structured abstract's part heading is left out, the sentence after it kept.
        (
            (
                "Objective: To optimise the compound enzyme extraction of Astragalus polysaccharides.",
                "目的：优化黄芪多糖的复合酶提取工艺。",
            ),
            "To optimise the compound enzyme extraction of Astragalus polysaccharides",
        ),
        (
            ("BACKGROUND: Type 2 diabetes is linked to Alzheimer disease in several cohorts.", ""),
            "Type 2 diabetes is linked to Alzheimer disease in several cohorts",
        ),
        # A part heading alone, and a sentence too short to say anything, are no heading.
        (("Results:", "结果："), STANDS_ALONE[0].rstrip(".")),
        (("Conclusion.", "结论"), STANDS_ALONE[0].rstrip(".")),
        (("Ten cases.", "共十例。"), STANDS_ALONE[0].rstrip(".")),
    ],
)
def test_part_headings_and_fragments_are_no_heading(first: tuple[str, str], heading: str) -> None:
    assert standalone_heading([first, STANDS_ALONE], "en", LIMIT) == heading


def test_a_long_sentence_that_stands_alone_beats_a_short_one_that_leans() -> None:
    long_one = (
        "With the Treaty on the Non-Proliferation of Nuclear Weapons as the basis of the international "
        "non-proliferation regime for half a century, that regime now faces growing challenges.",
        "以《不扩散核武器条约》为基础的国际核不扩散体系已走过半个世纪，如今却面临日益严峻的挑战。",
    )
    assert LIMIT < len(long_one[0]) <= 2 * LIMIT
    leaning = ("This shows three related problems.", "这突出表现在三个问题上。")
    assert standalone_heading([long_one, leaning], "en", LIMIT) == long_one[0].rstrip(".")


def test_where_no_sentence_stands_alone_the_heading_is_still_a_whole_sentence() -> None:
    leaning = [("However, the results differ.", "然而结果不同。"), ("This is why it matters for trade.", "这很重要。")]
    assert standalone_heading(leaning, "en", LIMIT) == "However, the results differ"
    assert standalone_heading([], "en", LIMIT) == ""
