"""digest's jieba tokenizers: jieba's own dictionary, words, counts and tags, however digest keeps them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.language import normalise_whitespace
from jobs.segment import split_sentences
from jobs.wordseg import Segmenter, dictionary_tags, jieba_module, new_tokenizer

from .conftest import repo_data

#: Real sentences of the sample export, each cut by both tokenizers.
SENTENCES = (
    "冷战时期,美国的延伸威慑主要通过核保护伞方式运作。",
    "NSCLC组织中的PDGF及其受体的表达与肿瘤的预后，淋巴结转移等临床结果相关。",
)


def jiebas_own(folder: Path):  # -> jieba.Tokenizer
    """A Tokenizer on jieba's dictionary, initialised by jieba itself (its own cache in `folder`)."""
    tokenizer = jieba_module().Tokenizer()
    tokenizer.tmp_dir = str(folder)
    tokenizer.initialize()
    return tokenizer


def test_digests_tokenizer_has_jiebas_words_and_counts(tmp_path: Path) -> None:
    expected = jiebas_own(tmp_path)
    ours = new_tokenizer()
    assert (ours.FREQ, ours.total) == (expected.FREQ, expected.total)
    assert [ours.lcut(s, HMM=False) for s in SENTENCES] == [expected.lcut(s, HMM=False) for s in SENTENCES]
    another = new_tokenizer()
    another.add_word("延伸威慑", freq=1_000_000)  # as a glossary does: no other tokenizer sees it
    assert "延伸威慑" not in ours.FREQ and "延伸威慑" in another.lcut(SENTENCES[0], HMM=False)


def test_the_tags_are_those_jieba_posseg_reads() -> None:
    import jieba.posseg

    table = {word: tag for tag, words in dictionary_tags().items() for word in words.split("\n")}
    assert table == jieba.posseg.dt.word_tag_tab


def csl_sentences() -> list[str]:
    """Every sentence of the 1,000 CSL abstracts, split as the pipeline splits them."""
    lines = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").split("\n")
    return [
        s for line in lines if line for s in split_sentences(normalise_whitespace(json.loads(line)["abstract"]), "zh")
    ]


@pytest.mark.parametrize("terms", [(), ("平方和优化", "姿态控制系统", "波形反演")])
def test_digests_tokenizer_cuts_every_csl_sentence_as_jieba_does(terms: tuple[str, ...]) -> None:
    ours = Segmenter(terms).tokenizer
    assert type(ours) is not jieba_module().Tokenizer  # the faster one, under test here
    theirs = jieba_module().Tokenizer()
    theirs.FREQ, theirs.total, theirs.initialized = dict(ours.FREQ), ours.total, True
    for sentence in csl_sentences():
        assert ours.lcut(sentence, HMM=False) == theirs.lcut(sentence, HMM=False), sentence
    if terms:
        assert "平方和优化" in ours.lcut("一种基于平方和优化的飞行器大角度机动镇定控制器设计方法", HMM=False)
