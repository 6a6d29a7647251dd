"""Keywords from the text itself: phrases by TF-IDF (or jieba's TextRank), Latin terms whole, titles counted."""

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


def test_english_keywords_are_phrases() -> None:
    text = (
        "Full waveform inversion (FWI) is a data-fitting inverse problem. Full waveform inversion "
        "suffers from cycle-skipping when the starting model is poor. We review how FWI handles "
        "attenuation and cycle-skipping in waveform inversion."
    )
    keywords = extract_keywords(text, "en", 5)
    assert "FWI" in keywords
    assert "full waveform inversion" in keywords  # a recurring phrase, its sentence-start capital dropped
    assert not {"waveform", "inversion", "waveform inversion"} & set(keywords)  # its parts give way to it
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


def csl_records(count: int) -> list[dict]:
    lines = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines[:count]]


def test_chinese_keyphrases_are_adjacent_words_merged() -> None:
    # CSL csl-dev-2: jieba splits 补肾活血汤 (the authors' first keyword) into 补肾/v 活血/vn 汤/n.
    record = csl_records(3)[2]
    keywords = extract_keywords(normalise_whitespace(record["abstract"]), "zh")
    assert "补肾活血汤" in keywords and "补肾活血汤" in record["keywords"]
    latin = extract_keywords(LATIN_TERMS, "zh", 8)
    assert "口罩佩戴检测" in latin and "COVID-19疫情" in latin  # nouns merged, a Latin term inside one


def test_the_title_counts() -> None:
    # CSL csl-dev-0, titled 一种基于平方和优化的飞行器大角度机动镇定控制器设计方法.
    record = csl_records(1)[0]
    text = normalise_whitespace(record["abstract"])
    assert "平方和" not in extract_keywords(text, "zh")
    titled = extract_keywords(text, "zh", title=record["title"])
    assert "平方和" in titled  # in the abstract once, and in the title
    assert "镇定控制器设计" in titled  # likewise, and longer than 镇定控制器, a keyword before it


def test_an_english_title_counts_by_whole_words() -> None:
    text = (
        "Full waveform inversion (FWI) is a data-fitting inverse problem. Full waveform inversion "
        "suffers from cycle-skipping when the starting model is poor. We review how FWI handles "
        "attenuation and cycle-skipping in waveform inversion."
    )
    assert "attenuation" not in extract_keywords(text, "en", 3)
    assert "attenuation" in extract_keywords(text, "en", 3, title="Attenuation in full waveform inversion: a review")
    assert "model" in extract_keywords(text, "en", 3, title="Which model")
    assert "model" not in extract_keywords(text, "en", 3, title="Remodelling inversions")  # no part of a word
    # Words ranked above their phrase give way to it, even when it ranks below the last place.
    assert "full waveform inversion" in extract_keywords(text, "en", 3, title="Which model")


def test_no_keyword_lies_inside_a_better_one() -> None:
    for record in csl_records(40):
        keywords = extract_keywords(normalise_whitespace(record["abstract"]), "zh", 10, title=record["title"])
        assert len(keywords) == len(set(keywords))
        for rank, keyword in enumerate(keywords):
            assert not any(keyword.lower() in better.lower() for better in keywords[:rank]), keywords


def test_the_shipped_document_frequencies_are_the_tuning_halfs(tmp_path) -> None:
    """jobs/data/keyword-df.tsv is what its script builds from the tuning half, never the held-out half."""
    from benchmarks.build_keyword_df import main as build
    from benchmarks.data_files import halves
    from jobs.keywords import DF_TABLE

    records = csl_records(1000)
    tuning, held_out = halves(records, lambda record: record["id"])
    assert (len(tuning), len(held_out)) == (500, 500)
    assert not {r["id"] for r in tuning} & {r["id"] for r in held_out}
    assert halves(records[::-1], lambda record: record["id"]) == (tuning, held_out)  # not the file's order
    assert build(["--out", str(tmp_path / "df.tsv")]) == 0
    assert (tmp_path / "df.tsv").read_bytes() == DF_TABLE.read_bytes()
    assert DF_TABLE.read_text(encoding="utf-8").startswith("#documents\t500\n")


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
