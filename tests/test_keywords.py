"""Keywords from the text itself: jieba.analyse for Chinese, TextRank for English, Latin terms whole."""

from __future__ import annotations

import json

import pytest

from jobs.keywords import METHODS, extract_keywords
from jobs.language import normalise_whitespace
from jobs.segment import split_sentences
from jobs.wordseg import jieba_module

from .conftest import repo_data

LATIN_TERMS = (
    "针对COVID-19疫情期间公共场所口罩佩戴检测的需求,提出一种基于改进YOLOv5的口罩佩戴检测算法。"
    "该算法在YOLOv5的骨干网络中引入注意力机制,提高了小目标口罩的检测精度。"
    "实验结果表明,改进的YOLOv5算法在口罩数据集上的平均精度达到95.2%,满足COVID-19防控的实时检测要求。"
)


pytestmark = pytest.mark.usefixtures("no_nltk_data")


@pytest.mark.parametrize("method", METHODS)
def test_latin_terms_inside_chinese_stay_whole(method: str) -> None:
    keywords = extract_keywords(LATIN_TERMS, "zh", 5, method)
    assert "YOLOv5" in keywords and "口罩" in keywords
    assert "COVID-19" in extract_keywords(LATIN_TERMS, "zh", 8, method)
    assert not {"COVID", "19", "YOLO", "v5"} & set(extract_keywords(LATIN_TERMS, "zh", 20, method))


@pytest.mark.parametrize("method", METHODS)
def test_count_numbers_and_stop_words(method: str) -> None:
    keywords = extract_keywords(LATIN_TERMS, "zh", 20, method)
    assert len(keywords) == len(set(keywords)) <= 20
    assert len(extract_keywords(LATIN_TERMS, "zh", 3, method)) == 3
    assert extract_keywords(LATIN_TERMS, "zh", 0, method) == []
    assert not {"95.2", "提出", "结果表明", "基于"} & set(keywords)


def test_the_text_or_its_sentences_give_the_same_keywords() -> None:
    assert extract_keywords(LATIN_TERMS, "zh") == extract_keywords(split_sentences(LATIN_TERMS, "zh"), "zh")


def test_a_real_csl_record_never_uses_its_author_keywords() -> None:
    line = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n")[0]
    record = json.loads(line)
    keywords = extract_keywords(normalise_whitespace(record["abstract"]), "zh")
    assert len(keywords) == 5
    assert all(k in record["abstract"] for k in keywords)  # extracted from the text, nothing else


def test_english_keywords_by_textrank_with_phrases() -> None:
    text = (
        "Full waveform inversion (FWI) is a data-fitting inverse problem. Full waveform inversion "
        "suffers from cycle-skipping when the starting model is poor. We review how FWI handles "
        "attenuation and cycle-skipping in waveform inversion."
    )
    keywords = extract_keywords(text, "en", 5)
    assert "FWI" in keywords
    assert any(" " in k for k in keywords)  # adjacent keywords joined into a phrase
    assert "cycle-skipping" in extract_keywords(text, "en", 10)
    assert extract_keywords(text, "en", 5, "tfidf") == extract_keywords(text, "en", 5, "textrank")
    assert not {"we", "the", "is"} & {k.lower() for k in keywords}


def test_bad_method_or_language() -> None:
    with pytest.raises(ValueError, match="tfidf, textrank"):
        extract_keywords(LATIN_TERMS, "zh", 5, "bogus")
    with pytest.raises(ValueError, match="zh and en"):
        extract_keywords("Bonjour.", "fr")


def test_jiebas_global_tokenizer_is_left_alone() -> None:
    """Keywords go through digest's tokenizer; jieba's global one would cache outside digest's folder."""
    for method in METHODS:
        extract_keywords(LATIN_TERMS, "zh", 5, method)
    assert not jieba_module().dt.initialized


def test_a_runs_glossary_does_not_change_the_next_runs_words(sample_batch, tmp_path) -> None:
    # Both runs happen in one process, as in a library user's program or a long-lived worker.
    from .conftest import read_jsonl, run_digest

    def first_record_keywords(*args: str) -> list[str]:
        assert run_digest("run", "-q", "--force", "--keywords", "8", *args).exit_code == 0
        return read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")[0]["keywords"]["zh"]

    glossary = tmp_path / "terms.tsv"
    glossary.write_text("绝对自由核战略\tabsolute liberal nuclear strategy\n", encoding="utf-8")
    before = first_record_keywords()
    assert "绝对自由核战略" not in before
    assert "绝对自由核战略" in first_record_keywords("--glossary", str(glossary))  # kept whole
    assert first_record_keywords() == before  # and forgotten again
    assert "绝对自由核战略" not in jieba_module().dt.FREQ  # jieba's own tokenizer never changes
