"""Topics: which records are a topic's (jobs/topics.py), and their names as file names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jobs.config import TopicConfig
from jobs.errors import ConfigError
from jobs.glossary import Glossary
from jobs.record import Record
from jobs.topics import Topic, TopicMatcher, build_topics, check_topic_name, check_topics

from .conftest import repo_data


def real_abstract(record_id: str) -> dict[str, Any]:
    """One abstract of tests/data/csl-dev-abstracts.jsonl (CSL, Apache-2.0)."""
    for line in repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines():
        value = json.loads(line)
        if value["id"] == record_id:
            return value
    raise LookupError(record_id)


def record(
    zh_title: str = "",
    en_title: str = "",
    zh_text: str = "",
    en_text: str = "",
    keywords: dict[str, list[str]] | None = None,
    citation_keywords: dict[str, list[str] | None] | None = None,
) -> Record:
    """A record as a batch JSONL holds it (read back the way the pages read it)."""
    value: dict[str, Any] = {
        "id": "r1",
        "source_lang": "zh",
        "title": {"zh": zh_title or None, "en": en_title or None},
        "text": {"zh": zh_text or None, "en": en_text or None},
        "sentences": [{"zh": zh_text or None, "en": en_text or None}],
        "keywords": keywords,
    }
    if citation_keywords is not None:
        value["citation"] = {"format": "endnote", "keywords": citation_keywords}
    return Record.from_json(value)


def names(topics: dict[str, TopicConfig], item: Record, glossary: Glossary | None = None) -> tuple[str, ...]:
    return TopicMatcher(build_topics(topics, glossary)).matches(item)


def test_a_chinese_keyword_matches_as_a_substring_of_title_abstract_or_keywords() -> None:
    csl = real_abstract("csl-dev-2")
    topics = {
        "tcm": TopicConfig(("补肾活血汤",)),
        "bp": TopicConfig(("收缩期高血压",)),
        "none": TopicConfig(("核武器",)),
    }
    assert names(topics, record(zh_title=csl["title"])) == ("bp", "tcm")
    assert names(topics, record(zh_text=csl["abstract"])) == ("bp", "tcm")
    assert names(topics, record(keywords={"zh": csl["keywords"], "en": []})) == ("bp", "tcm")


def test_an_english_keyword_matches_whole_words_in_any_case_with_a_plural() -> None:
    topics = {"gan": TopicConfig(("GAN",)), "nn": TopicConfig(("neural network",))}
    assert names(topics, record(en_text="Organ transplantation outcomes in 120 patients.")) == ()
    assert names(topics, record(en_text="A gan-based detector for organs.")) == ("gan",)
    assert names(topics, record(en_title="Two GANs compared")) == ("gan",)
    assert names(topics, record(en_text="Deep Neural  Networks for SOS control.")) == ("nn",)
    assert names(topics, record(en_text="a neural-network controller")) == ("nn",)
    assert names(topics, record(en_text="neural\nnetworks")) == ("nn",)
    assert names(topics, record(en_text="neuralnetwork")) == ()


def test_an_english_keyword_is_found_beside_chinese_characters_and_in_full_width() -> None:
    csl = real_abstract("csl-dev-0")  # "采用修正的Rodrigues参数(MRP)", "Lyapunov函数"
    topics = {"mrp": TopicConfig(("MRP",)), "lyapunov": TopicConfig(("ｌｙａｐｕｎｏｖ",))}
    assert names(topics, record(zh_text=csl["abstract"])) == ("lyapunov", "mrp")
    assert names(topics, record(zh_text="采用ＭＲＰ参数")) == ("mrp",)


def test_keywords_match_in_the_translation_and_the_authors_keywords() -> None:
    topics = {"attitude": TopicConfig(("attitude control",))}
    assert names(topics, record(en_text="The attitude control system of the aircraft.")) == ("attitude",)
    assert names(topics, record(citation_keywords={"zh": ["姿态控制"], "en": ["Attitude Control"]})) == ("attitude",)
    assert names(topics, record(keywords={"zh": [], "en": ["attitude controls"]})) == ("attitude",)


def test_glossary_terms_count_in_both_languages() -> None:
    glossary = Glossary({"平方和": "sum of squares", "镇定控制器": "stabilizing controller"})
    csl = real_abstract("csl-dev-0")
    chinese = {"sos": TopicConfig(("Sum of Squares",))}
    english = {"stab": TopicConfig(("镇定控制器",))}
    assert names(chinese, record(zh_title=csl["title"]), glossary) == ("sos",)
    assert names(chinese, record(zh_title=csl["title"])) == ()
    assert names(english, record(en_text="A stabilizing controller is designed."), glossary) == ("stab",)
    assert names(english, record(en_text="A stabilizing controller is designed.")) == ()


def test_a_keyword_never_spans_two_fields() -> None:
    topics = {"nn": TopicConfig(("neural network",))}
    assert names(topics, record(en_title="Neural", en_text="network")) == ()


@pytest.mark.parametrize("name", ["ai", "机器学习", "nuclear-policy", "v1.2", "A_b"])
def test_safe_topic_names_are_taken(name: str) -> None:
    check_topic_name(name)


@pytest.mark.parametrize(
    "name", ["", "../x", "a/b", "a\\b", ".hidden", "x.", "-x", "a b", "con", "NUL.txt", "x" * 65, "a\x00b", "a:b"]
)
def test_unsafe_topic_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="topic name"):
        check_topic_name(name)


def test_topics_that_would_share_files_or_have_no_keywords_are_refused() -> None:
    with pytest.raises(ConfigError, match="would share their files"):
        check_topics({"AI": TopicConfig(("x",)), "ai": TopicConfig(("y",))})
    with pytest.raises(ConfigError, match="no keywords"):
        check_topics({"ai": TopicConfig(("  ",))})


def test_a_topic_fingerprint_changes_with_its_keywords() -> None:
    one = Topic.from_config("ai", TopicConfig(("GAN",)))
    assert one.fingerprint == Topic.from_config("ai", TopicConfig(("gan",))).fingerprint  # compared case-folded
    assert one.fingerprint != Topic.from_config("ai", TopicConfig(("GAN", "CNN"))).fingerprint
