"""Engines get whole documents: a sentence engine's batching and cache are as they were, sentence by sentence."""

from __future__ import annotations

from pathlib import Path

from jobs.cache import TranslationCache, TranslationStats, translate, translate_documents
from jobs.engines import select_engine
from jobs.engines.base import DocumentTranslation, EngineSettings

DOCUMENTS = [
    ["基于隐马尔可夫模型的语音识别方法研究", "本文提出了一种改进的训练算法。", "实验结果表明，识别率提高了3.5%。"],
    [],
    ["本文提出了一种改进的训练算法。"],
]


def test_a_sentence_engine_translates_documents_as_one_batch_of_their_sentences() -> None:
    gloss = select_engine("gloss", "zh", "en", EngineSettings())
    assert gloss is not None and not gloss.document_level
    flat = gloss.translate_batch([sentence for document in DOCUMENTS for sentence in document])
    assert gloss.translate_documents(DOCUMENTS) == [
        DocumentTranslation(flat[:3]),
        DocumentTranslation([]),
        DocumentTranslation(flat[3:]),
    ]


def test_a_sentence_engine_is_cached_sentence_by_sentence_as_before(argos_models: Path, tmp_path: Path) -> None:
    argos = select_engine("argos", "zh", "en", EngineSettings(models_dir=argos_models))
    assert argos is not None and argos.cacheable and not argos.document_level
    warnings: list[str] = []
    cache = TranslationCache(tmp_path / "translations.sqlite3", warnings.append)
    stats = TranslationStats()
    done = translate_documents(argos, DOCUMENTS, cache, stats)
    assert [len(document.sentences) for document in done] == [3, 0, 1] and not any(d.repaired for d in done)
    # One row a distinct sentence, under the key `translate` has always used; the repeated sentence once.
    sentence = DOCUMENTS[0][1]
    key = TranslationCache.key(argos.cache_identity, sentence)
    assert cache.get_many([key]) == {key: done[0].sentences[1]} == {key: done[2].sentences[0]}
    assert stats.engine_translations == 3 and stats.cache_hits == 0
    again = TranslationStats()
    assert translate(argos, [sentence], cache, again) == [done[2].sentences[0]] and again.cache_hits == 1
    cache.close()
    assert not warnings
