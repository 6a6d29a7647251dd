"""Reading an LLM's answer back into segments: hostile answers are refused or cleaned, never passed on."""

from __future__ import annotations

import pytest

from jobs.engines.llm.answers import lone_translation, numbered_lines, strip_reasoning
from jobs.engines.llm.prompt import glossary_terms, messages

SEGMENTS = [
    "基于隐马尔可夫模型的语音识别方法研究",
    "本文提出了一种改进的训练算法。",
    "实验结果表明，识别率提高了3.5%。",
]
GOOD = [
    "Research on speech recognition based on hidden Markov models",
    "This paper proposes an improved training algorithm.",
    "The experimental results show that the recognition rate increased by 3.5%.",
]


def numbered(prefix: str = "", marks: tuple[str, ...] = ("1. ", "2. ", "3. "), suffix: str = "") -> str:
    return prefix + "\n".join(mark + text for mark, text in zip(marks, GOOD)) + suffix


@pytest.mark.parametrize(
    "answer",
    [
        numbered(),
        numbered(suffix="\n"),
        numbered().replace("\n", "\r\n"),
        numbered(prefix="Here is the translation:\n\n"),
        numbered(prefix="以下是翻译：\n"),
        numbered(prefix="Sure! Here are the translations of the 3 segments.\n"),
        numbered(prefix="```\n", suffix="\n```"),
        numbered(prefix="```text\n", suffix="\n```\n"),
        numbered(prefix="<think>\nThe user wants 3 lines. 1. is the title.\n2. Let me think.\n</think>\n\n"),
        numbered(prefix="<THINK>reasoning</THINK>"),
        # The template opened the block in the prompt: only its close is in the answer.
        numbered(prefix="Okay, the title first.\n1. a draft\n</think>\n"),
        numbered(suffix="\n\nNote: 隐马尔可夫模型 is translated as hidden Markov model."),
        numbered(suffix="\n(Note: the title was kept short.)"),
        numbered(marks=("1、", "2、", "3、")),
        numbered(marks=("１．", "２．", "３．")),
        numbered(marks=("１、", "２、", "３、")),
        numbered(marks=("1) ", "2) ", "3) ")),
        numbered(marks=("(1) ", "(2) ", "(3) ")),
        numbered(marks=("[1] ", "[2] ", "[3] ")),
        numbered(marks=("【1】", "【2】", "【3】")),
        numbered(marks=("1: ", "2: ", "3: ")),
        numbered(marks=("1：", "2：", "3：")),
        numbered(marks=("**1.** ", "**2.** ", "**3.** ")),
        numbered(marks=("- 1. ", "- 2. ", "- 3. ")),
        numbered(marks=("1.", "2.", "3.")),
        numbered().replace("\n", "\n\n"),
        # The source echoed before each translation, under the same number.
        "\n".join(f"{n}. {source}\n{n}. {text}" for n, (source, text) in enumerate(zip(SEGMENTS, GOOD), start=1)),
        # The source echoed as a block, then the translation.
        "\n".join(f"{n}. {source}" for n, source in enumerate(SEGMENTS, start=1)) + "\n\n" + numbered(),
    ],
)
def test_a_numbered_answer_gives_each_segment_its_translation(answer: str) -> None:
    assert numbered_lines(answer, SEGMENTS) == GOOD


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   \n\n",
        "I cannot translate this.",
        " ".join(GOOD),  # no numbers
        "\n".join(GOOD),  # lines, no numbers
        numbered(marks=("1. ", "2. ", "4. ")),  # a number missing
        numbered(marks=("1. ", "3. ", "2. ")),  # out of order
        numbered(marks=("1. ", "2. ", "2. ")),  # repeated, not an echo
        numbered(marks=("0. ", "1. ", "2. ")),
        "1. " + GOOD[0] + "\n2. " + GOOD[1] + " 3. " + GOOD[2],  # two merged on a line, a number inside the text
        "1. " + GOOD[0] + " " + GOOD[1] + "\n2. " + GOOD[2],  # merged: too few lines
        numbered(suffix="\n4. An extra line."),
        numbered(suffix="\nThe third sentence goes on here."),  # unnumbered text after the last
        "1. " + GOOD[0] + "\nThis line has no number.\n2. " + GOOD[1] + "\n3. " + GOOD[2],
        "1. " + GOOD[0] + "\n2.\n3. " + GOOD[2],  # an empty translation
        "<think>\n1. " + GOOD[0] + "\n2. " + GOOD[1] + "\n3. " + GOOD[2],  # all of it inside an unclosed block
        numbered(marks=("1.5 ", "2.5 ", "3.5 ")),  # decimals, not numbers
    ],
)
def test_an_answer_that_does_not_match_the_segments_is_refused(answer: str) -> None:
    assert numbered_lines(answer, SEGMENTS) is None


def test_a_number_inside_the_text_is_kept() -> None:
    answer = "1. Phase 2. trial\n2. 3. Results\n3. 1、2 and 3"
    assert numbered_lines(answer, ["甲", "乙", "丙"]) == ["Phase 2. trial", "3. Results", "1、2 and 3"]


def test_a_translation_that_starts_with_a_number_is_kept_whole() -> None:
    assert numbered_lines("1. 120 patients were enrolled.", ["共纳入120例患者。"]) == ["120 patients were enrolled."]
    assert numbered_lines("1. 1.5 mg was given.", ["给予1.5 mg。"]) == ["1.5 mg was given."]


def test_an_unchanged_segment_is_not_taken_for_an_echo() -> None:
    assert numbered_lines("1. DNA\n2. p < 0.05", ["DNA", "p < 0.05"]) == ["DNA", "p < 0.05"]


@pytest.mark.parametrize(
    "answer, reasoning_free",
    [
        ("<think>a</think>b", "b"),
        ("<think>a</think>b<think>c</think>d", "bd"),
        ("<think>\nlong\n\nreasoning", ""),
        ("answer<think>then more reasoning", "answer"),
        ("reasoning opened in the prompt</think>answer", "answer"),
        ("<thinking>a</thinking>b", "b"),
        ("<Think>a</Think >b", "b"),
    ],
)
def test_reasoning_never_reaches_the_output(answer: str, reasoning_free: str) -> None:
    assert strip_reasoning(answer) == reasoning_free


@pytest.mark.parametrize(
    "answer",
    [
        GOOD[1],
        f"1. {GOOD[1]}",
        f"１．{GOOD[1]}",
        f"Translation: {GOOD[1]}",
        f"**English:** {GOOD[1]}",
        f"Here is the translation:\n\n{GOOD[1]}",
        f"<think>The user wants English.</think>\n{GOOD[1]}",
        f"```\n{GOOD[1]}\n```",
        f"{SEGMENTS[1]}\n{GOOD[1]}",  # the source echoed
        f"1. {SEGMENTS[1]}\n1. {GOOD[1]}",  # the prompt's line echoed, its number with it
        f"<think>Translate it.</think>\n1. {SEGMENTS[1]}\n\n{GOOD[1]}",
        f"１．{SEGMENTS[1]}\nTranslation: {GOOD[1]}",
        f"{GOOD[1]}\n\nNote: a literal translation.",
        f"The translation is: {GOOD[1]}",
        f"Here is the English translation: {GOOD[1]}",
    ],
)
def test_a_lone_translation_is_cleaned(answer: str) -> None:
    assert lone_translation(answer, SEGMENTS[1], "en") == GOOD[1]


def test_a_lone_translation_broken_over_lines_is_joined_in_the_target_language() -> None:
    assert lone_translation("This paper proposes\nan improved algorithm.", "本文提出了一种改进算法。", "en") == (
        "This paper proposes an improved algorithm."
    )
    assert lone_translation("本文提出了\n一种改进算法。", "This paper proposes an improved algorithm.", "zh") == (
        "本文提出了一种改进算法。"
    )


@pytest.mark.parametrize("answer", ["", "<think>only reasoning", "<think>a</think>", "```\n```"])
def test_a_lone_answer_with_nothing_in_it_is_empty(answer: str) -> None:
    assert lone_translation(answer, SEGMENTS[1], "en") == ""


def test_the_request_numbers_the_segments_and_names_the_glossary_terms_they_hold() -> None:
    glossary = {"隐马尔可夫模型": "hidden Markov model", "卷积神经网络": "convolutional neural network"}
    system, user = messages(SEGMENTS, "zh", "en", glossary)
    assert system.role == "system" and "Chinese academic texts" in system.content
    assert user.role == "user"
    assert "- 隐马尔可夫模型 → hidden Markov model" in user.content and "卷积神经网络" not in user.content
    assert user.content.endswith("\n".join(f"{n}. {text}" for n, text in enumerate(SEGMENTS, start=1)))
    # From English the glossary is read the other way round, whatever the term's case.
    _, user = messages(["A Hidden Markov Model for speech."], "en", "zh", glossary)
    assert "- hidden Markov model → 隐马尔可夫模型" in user.content and "into Simplified Chinese" in user.content


def test_a_segment_with_line_breaks_is_sent_on_one_line() -> None:
    _, user = messages(["第一行\n第二行", "另一段"], "zh", "en", {})
    assert user.content.splitlines()[-2:] == ["1. 第一行 第二行", "2. 另一段"]


def test_glossary_terms_longest_first() -> None:
    glossary = {"模型": "model", "隐马尔可夫模型": "hidden Markov model"}
    assert glossary_terms(SEGMENTS, glossary, "zh") == [("隐马尔可夫模型", "hidden Markov model"), ("模型", "model")]
