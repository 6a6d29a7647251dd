"""Summaries over our own sentences: every sumy algorithm, both languages, real records, no NLTK data."""

from __future__ import annotations

import pytest

from jobs import summarize
from jobs.chunk import PreparedAbstract, prepare
from jobs.options import RunOptions
from jobs.reading import BatchSource, SourceRecord, read_records
from jobs.segment import split_sentences
from jobs.summarize import ALGORITHMS, Summary, choose_sentences, summary_length

from .conftest import SAMPLE_EXPORT

pytestmark = pytest.mark.usefixtures("no_nltk_data")


def sample_abstracts() -> list[PreparedAbstract]:
    """The sample batch's records, split as the pipeline splits them."""
    source = BatchSource(SAMPLE_EXPORT.stem, SAMPLE_EXPORT)
    records = [r for r in read_records(source, SAMPLE_EXPORT.read_bytes()) if isinstance(r, SourceRecord)]
    return [prepare(record, str(record.number), RunOptions(keywords=0)) for record in records]


def first_of(lang: str) -> PreparedAbstract:
    """The sample's first abstract in `lang` long enough to need a choice of 3 sentences."""
    return next(a for a in sample_abstracts() if a.lang == lang and len(a.sentences) > 4)


def assert_valid(summary: Summary, sentence_count: int, asked: int) -> None:
    assert 1 <= len(summary.indices) <= asked
    assert summary.indices == sorted(set(summary.indices))
    assert all(0 <= i < sentence_count for i in summary.indices)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_algorithm_on_a_sample_record(algorithm: str, lang: str) -> None:
    abstract = first_of(lang)
    for asked in (1, 3):
        summary = choose_sentences(abstract.sentences, lang, asked, algorithm)
        assert_valid(summary, len(abstract.sentences), asked)
        assert len(summary.indices) == asked
        assert summary.algorithm == algorithm


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_aligned_summaries_are_the_sentences_at_the_chosen_indices(algorithm: str) -> None:
    # Indices are chosen once, on the source sentences; the translation (one sentence for one,
    # as every engine gives) is read at the same indices, so both sides are the same sentences.
    abstract = first_of("zh")
    translations = [f"<sentence {i} in English>" for i in range(len(abstract.sentences))]
    summary = choose_sentences(abstract.sentences, "zh", 3, algorithm)
    pairs = [(abstract.sentences[i], translations[i]) for i in summary.indices]
    assert len(pairs) == 3
    assert [en for _, en in pairs] == [f"<sentence {i} in English>" for i in summary.indices]
    assert [zh for zh, _ in pairs] == [s for i, s in enumerate(abstract.sentences) if i in summary.indices]


def test_independent_summaries_are_chosen_per_language() -> None:
    # Independent mode: each language's own sentences, its own indices (here a record of each).
    for abstract in (first_of("zh"), first_of("en")):
        summary = choose_sentences(abstract.sentences, abstract.lang, 2)
        assert_valid(summary, len(abstract.sentences), 2)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_one_sentence_abstract_is_its_own_summary(algorithm: str) -> None:
    sentences = split_sentences("本文研究了基于YOLOv5的目标检测方法。", "zh")
    assert choose_sentences(sentences, "zh", 3, algorithm) == Summary([0], algorithm)
    assert choose_sentences(sentences, "zh", 0.3, algorithm).indices == [0]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_abstract_with_only_ascii_punctuation(algorithm: str) -> None:
    # sumy's own parser finds no sentence at all in text written like this (most of CSL).
    text = (
        "提出了基于平方和(SOS)方法的一种新的设计方法.仿真结果表明,用这种方法设计镇定控制器简化了设计过程."
        "控制器具有较快的响应速度和较好的收敛性.该方法适用于大角度机动的飞行器"
    )
    sentences = split_sentences(text, "zh")
    assert len(sentences) == 4  # the last, without a full stop, is kept too
    assert_valid(choose_sentences(sentences, "zh", 2, algorithm), 4, 2)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_line_of_capital_latin_letters_is_a_sentence_not_a_heading(algorithm: str) -> None:
    # sumy's parser takes a line like 基于CNN的目标检测方法研究 for a heading and drops it.
    assert split_sentences("基于CNN的目标检测方法研究", "zh") == ["基于CNN的目标检测方法研究"]
    assert choose_sentences(["基于CNN的目标检测方法研究"], "zh", 1, algorithm).indices == [0]
    sentences = [
        "基于CNN的目标检测方法研究",
        "本文提出基于CNN的目标检测方法。",
        "实验表明CNN检测精度较高。",
        "其他方法精度较低。",
    ]
    assert choose_sentences(sentences, "zh", 1.0, algorithm).indices == [0, 1, 2, 3]
    assert_valid(choose_sentences(sentences, "zh", 3, algorithm), 4, 3)
    assert_valid(choose_sentences(sentences, "zh", 1, algorithm), 4, 1)


def test_the_algorithms_offered_are_sumys_eight_then_digests_own() -> None:
    # --algorithm lists jobs.summarize's names without importing sumy's algorithms (jobs.summarizers,
    # which imports NLTK and numpy): both lists must name the same algorithms, in this order.
    from jobs.summarizers import SUMMARIZERS

    assert ALGORITHMS == (*SUMMARIZERS, summarize.CUE_POSITION)


def test_ratio_rounds_down_with_at_least_one_sentence() -> None:
    assert [summary_length(10, r) for r in (0.01, 0.1, 0.3, 0.35, 1.0)] == [1, 1, 3, 3, 10]
    assert summary_length(5, 3) == 3 and summary_length(2, 3) == 2
    for bad in (0, -1, 0.0, 1.5):
        with pytest.raises(ValueError):
            summary_length(5, bad)
    with pytest.raises(TypeError):
        summary_length(5, True)


def test_ratio_on_a_real_abstract() -> None:
    abstract = first_of("en")
    summary = choose_sentences(abstract.sentences, "en", 0.3)
    assert len(summary.indices) == max(1, int(len(abstract.sentences) * 0.3))


def test_unknown_algorithm_or_language_is_refused() -> None:
    with pytest.raises(ValueError, match="choose one of: lexrank, textrank"):
        choose_sentences(["一。", "二。"], "zh", 1, "bogus")
    with pytest.raises(ValueError, match="zh and en"):
        choose_sentences(["Un.", "Deux."], "fr", 1)


def test_lexrank_on_two_sentences_with_no_word_in_common() -> None:
    # sumy's idf is 0 for every word here, and its power method divides 0 by 0 (a RuntimeWarning,
    # an error under pytest's settings) and ranks NaNs.
    summary = choose_sentences(["Proteins fold.", "Markets crash."], "en", 1, "lexrank")
    assert len(summary.indices) == 1


def test_lexrank_ranks_rather_than_keeping_document_order() -> None:
    # The third sentence links the second and the fourth. With sumy's idf (log(4/3) for a word in
    # two of four sentences) no similarity passes the threshold, all ranks tie and the first
    # sentence is returned; with the smoothed idf the link counts.
    sentences = [
        "Weather was pleasant during the conference week.",
        "Protein folding remains slow.",
        "Protein graphs help prediction.",
        "Graphs scale easily.",
    ]
    assert choose_sentences(sentences, "en", 1, "lexrank").indices == [2]


def test_edmundson_uses_cue_words_and_the_title() -> None:
    sentences = [
        "随着经济的发展,传统的方法已经越来越难以满足需求。",
        "数据来自三个城市的调查。",
        "本文提出了一种基于深度学习的交通预测模型,结果表明该模型显著优于现有方法。",
        "交通预测对城市管理也有意义。",
    ]
    assert choose_sentences(sentences, "zh", 1, "edmundson").indices == [2]
    titled = choose_sentences(sentences, "zh", 1, "edmundson", title="三个城市的调查数据")
    assert titled.indices == [1]


def test_long_texts_fall_back_to_a_linear_algorithm(monkeypatch: pytest.MonkeyPatch) -> None:
    sentences = [f"第{i}个句子讨论了不同的主题{i}。" for i in range(12)]
    monkeypatch.setitem(summarize.MAX_SENTENCES, "lexrank", 10)
    summary = choose_sentences(sentences, "zh", 3, "lexrank")
    assert summary.algorithm == summarize.LONG_TEXT_ALGORITHM
    assert_valid(summary, 12, 3)
    assert summarize.LONG_TEXT_ALGORITHM not in summarize.MAX_SENTENCES


def test_cue_position_keeps_the_opening_claim_and_skips_background() -> None:
    background = [
        "随着经济的发展,传统的方法已经越来越难以满足需求。",
        "数据来自三个城市的调查。",
        "本文提出了一种基于深度学习的交通预测模型,结果表明该模型显著优于现有方法。",
        "交通预测对城市管理也有意义。",
    ]
    # An opening of background and stigma words (随着, 传统, 已经, 越来越) gives way to what the paper did.
    assert choose_sentences(background, "zh", 1, "cue-position").indices == [2]
    # An opening that states the subject stays the one-sentence summary, as in most abstracts.
    stated = ["交通拥堵是城市管理面临的主要问题之一。", *background[1:]]
    assert choose_sentences(stated, "zh", 1, "cue-position").indices == [0]


def test_cue_position_reads_the_whole_abstract_for_longer_summaries() -> None:
    # The first 60 CSL abstracts: of those with 5+ sentences, most 3-sentence summaries reach past
    # the third sentence (lead-3 never does).
    import json

    from jobs.language import normalise_whitespace

    from .conftest import repo_data

    lines = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n")[:60]
    abstracts = [split_sentences(normalise_whitespace(json.loads(line)["abstract"]), "zh") for line in lines]
    longer = [sentences for sentences in abstracts if len(sentences) >= 5]
    reaching = [max(choose_sentences(s, "zh", 3, "cue-position").indices) >= 3 for s in longer]
    assert len(longer) >= 10 and sum(reaching) > len(longer) / 2


def test_cue_position_is_linear_so_never_falls_back() -> None:
    sentences = [f"第{i}个句子讨论了不同的主题{i}。" for i in range(600)]
    assert "cue-position" not in summarize.MAX_SENTENCES
    assert choose_sentences(sentences, "zh", 3, "cue-position").algorithm == "cue-position"
