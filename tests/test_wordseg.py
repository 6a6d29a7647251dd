"""digest's jieba tokenizers: jieba's own dictionary, words, counts and tags, however digest keeps them."""

from __future__ import annotations

from pathlib import Path

from jobs.wordseg import dictionary_tags, jieba_module, new_tokenizer

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
