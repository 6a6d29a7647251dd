"""The `llm` engine end to end, on a model shaped like a converted Qwen2 instruction model with random weights.

Random weights write nonsense (no numbered lines, loops, stray reasoning tags, bytes that are no
UTF-8), which is the point: whatever the model writes, each record keeps one translation per
sentence, is flagged where its answer had to be repaired, and holds no reasoning.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jobs.cache import TranslationCache, TranslationStats, translate_documents
from jobs.engines import select_engine
from jobs.engines.base import EngineSettings
from jobs.engines.llm.answers import numbered_lines
from jobs.engines.llm.engine import LlmEngine
from jobs.engines.llm.engine import _band as band
from jobs.engines.llm.prompt import PROMPT_VERSION, SYSTEM_PROMPTS, ChatMessage, ChatRequest, messages
from jobs.segment import split_sentences

from .conftest import TEST_DATA, TEST_LLM, install_llm, read_jsonl, run_digest

REASONING_TAGS = ("<think>", "</think>")


def csl_batch(folder: Path, count: int, start: int = 500) -> list[dict]:
    """A JSONL batch of real CSL abstracts (with their titles) in `folder`; the rows."""
    lines = (TEST_DATA / "csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()[start : start + count]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [json.loads(line) for line in lines]


def llm(models: Path, **options: object) -> LlmEngine:
    engine = select_engine("llm", "zh", "en", EngineSettings(models_dir=models, options=options))
    assert isinstance(engine, LlmEngine)
    return engine


def all_text(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


def test_the_chat_template_is_rendered_and_tokenized_as_the_model_reads_it(llm_models: Path) -> None:
    engine = llm(llm_models)
    conversation = messages(["本文提出了一种改进的训练算法。"], "zh", "en", {})
    rendered = engine.template.render(conversation)
    assert rendered == (
        f"<|im_start|>system\n{SYSTEM_PROMPTS[('zh', 'en')]}<|im_end|>\n"
        f"<|im_start|>user\n{conversation[1].content}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    tokens = engine.encode(ChatRequest(conversation, 8))
    # The special tokens are single tokens of the model's vocabulary, not spelled out; the prompt
    # ends with the assistant's turn opened ("Ċ" is byte-level BPE's line break).
    assert tokens[0] == "<|im_start|>" and tokens.count("<|im_start|>") == 3 and tokens.count("<|im_end|>") == 2
    last_turn = tokens[len(tokens) - tokens[::-1].index("<|im_start|>") :]
    assert "".join(last_turn) == "assistantĊ"
    assert engine.end_tokens == ["<|im_end|>", "<|endoftext|>"]


@pytest.mark.slow
def test_a_run_keeps_one_translation_a_sentence_and_flags_what_was_repaired(llm_models: Path, workdir: Path) -> None:
    rows = csl_batch(workdir / "input", 6)
    result = run_digest("run", "-q", "--engine", "llm", "--models-dir", str(llm_models), "--no-cache")
    assert result.exit_code == 0, result.stderr
    records = read_jsonl(workdir / "output" / "csl.jsonl")
    assert len(records) == len(rows)
    for row, record in zip(rows, records):
        sentences = split_sentences(" ".join(row["abstract"].split()), "zh")
        assert [sentence["zh"] for sentence in record["sentences"]] == sentences
        assert all(isinstance(sentence["en"], str) for sentence in record["sentences"])
        assert isinstance(record["title"]["en"], str) and len(record["keywords"]["en"]) == len(record["keywords"]["zh"])
        assert record["engine"]["translation"] == "llm" and record["engine"]["model"] == TEST_LLM
        # The title and the sentences go as one document: a random model never numbers its lines.
        assert "realigned" in record["flags"]
        assert not any(tag in all_text(record) for tag in REASONING_TAGS)


def test_a_document_repaired_is_the_same_as_its_segments_asked_for_alone(llm_models: Path) -> None:
    engine = llm(llm_models)
    document = split_sentences(
        "采用修正的Rodrigues参数建立了飞行器姿态控制系统的数学模型。仿真结果表明该方法有效。", "zh"
    )
    assert len(document) == 2
    [answer] = engine.complete([engine.request(document)])
    assert numbered_lines(answer, document) is None  # the model's answer does not fit: it is repaired
    [done] = engine.translate_documents([document])
    assert done.repaired
    assert done.sentences == [engine.translate_documents([[sentence]])[0].sentences[0] for sentence in document]


def installed(tmp_path_factory: pytest.TempPathFactory, name: str, **build: object) -> Path:
    """A models folder with a variant of the test model installed under `name`."""
    from .conftest import llm_training_text
    from .llm_model import build_llm_folder

    folder = build_llm_folder(tmp_path_factory.mktemp(name) / name, training_text=llm_training_text(), **build)  # type: ignore[arg-type]
    models = tmp_path_factory.mktemp(f"{name}-models") / "lang_models"
    install_llm(folder, models)
    return models


@pytest.fixture(scope="module")
def looping_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model that never ends an answer by itself."""
    return installed(tmp_path_factory, "looper", eos_bias=-30.0)


def test_answers_are_bounded_by_the_source_each_by_its_own(looping_models: Path) -> None:
    engine = llm(looping_models)
    documents = [["短句。"], ["本文" * 40 + "。"], ["本文" * 8 + "。"], ["本文" * 12 + "。"]]
    requests = [engine.request(document) for document in documents]
    bounds = [request.max_tokens for request in requests]
    assert bounds[0] < bounds[2] < bounds[3] < bounds[1] and band(bounds[2]) == band(bounds[3])
    # The last two share a band of bounds (one generate_batch call, decoding to the larger): each is cut at its own.
    assert [len(answer) for answer in engine.generate(requests)] == bounds


def test_output_is_the_same_run_after_run_and_a_warm_cache_serves_whole_documents(
    llm_models: Path, tmp_path: Path
) -> None:
    engine = llm(llm_models)
    documents = [split_sentences(row["abstract"], "zh") for row in csl_batch(tmp_path / "in", 3)]
    documents.append(documents[0][1:])  # a sentence of the first abstract in another context
    cold = engine.translate_documents(documents)
    assert engine.translate_documents(documents) == cold  # greedy: nothing random
    warnings: list[str] = []
    cache = TranslationCache(tmp_path / "translations.sqlite3", warnings.append)
    stats = TranslationStats()
    assert translate_documents(engine, documents, cache, stats) == cold
    assert stats.engine_translations == sum(map(len, documents)) and stats.cache_hits == 0
    warm = TranslationStats()
    assert translate_documents(llm(llm_models), documents, cache, warm) == cold
    assert warm.engine_translations == 0 and warm.cache_hits == sum(map(len, documents))
    cache.close()
    assert not warnings


def test_the_cache_key_holds_the_model_install_prompt_version_decoding_and_glossary(
    llm_folder: Path, tmp_path: Path
) -> None:
    models = tmp_path / "lang_models"
    install_llm(llm_folder, models)
    first = llm(models)
    assert (
        f"|{TEST_LLM}|prompt={PROMPT_VERSION}|" in first.cache_identity and '"search": "greedy"' in first.cache_identity
    )
    install_llm(llm_folder, models)  # the same name again: another install, never served the old cache
    assert llm(models).cache_identity != first.cache_identity
    assert llm(models, compute_type="float32").cache_identity != llm(models).cache_identity
    document = ["基于隐马尔可夫模型的语音识别方法研究"]
    glossary = EngineSettings(models_dir=models, glossary={"隐马尔可夫模型": "hidden Markov model"})
    with_terms = LlmEngine.load("zh", "en", glossary)
    assert with_terms.document_key(document) != first.document_key(document)
    assert "- 隐马尔可夫模型 → hidden Markov model" in with_terms.request(document).messages[1].content


@pytest.fixture(scope="module")
def thinking_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model that writes reasoning tags often."""
    return installed(tmp_path_factory, "thinker", think_bias=2.5)


def test_reasoning_the_model_writes_never_reaches_a_record(thinking_models: Path, workdir: Path) -> None:
    rows = csl_batch(workdir / "input", 4)
    engine = llm(thinking_models)
    raw = engine.complete([engine.request(split_sentences(row["abstract"], "zh")) for row in rows])
    assert sum("<think>" in answer for answer in raw) >= 2  # the premise: the model does write them
    result = run_digest("run", "-q", "--engine", "llm", "--models-dir", str(thinking_models), "--no-cache")
    assert result.exit_code == 0, result.stderr
    for record in read_jsonl(workdir / "output" / "csl.jsonl"):
        assert not any(tag in all_text(record) for tag in REASONING_TAGS)


def with_template(llm_folder: Path, destination: Path, template: str) -> Path:
    """A copy of the test model's folder with another chat template."""
    folder = Path(shutil.copytree(llm_folder, destination))
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["chat_template"] = template
    (folder / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return folder


#: A template of DeepSeek-R1's distilled models' kind: the answer starts inside a reasoning block.
OPENS_REASONING = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>\\n' }}{% endif %}"
)


def test_reasoning_opened_by_the_template_and_never_closed_gives_no_translation(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    models = installed(tmp_path_factory, "reasoner", think_bias=-30.0, chat_template=OPENS_REASONING)
    engine = llm(models)
    assert engine.template.opens_reasoning
    document = ["本文提出了一种改进的训练算法。"]
    [raw] = engine.complete([engine.request(document)])
    assert raw.startswith("<think>") and "</think>" not in raw and raw.strip() != "<think>"
    assert engine.translate_documents([document])[0].sentences == [""]


#: A template of Mistral's kind: user and assistant turns only, a system message refused.
NO_SYSTEM = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}"
    "{% elif message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"
)


def test_a_template_that_refuses_a_system_message_gets_the_prompt_in_the_users(
    llm_folder: Path, tmp_path: Path
) -> None:
    models = tmp_path / "lang_models"
    install_llm(with_template(llm_folder, tmp_path / "mistralish", NO_SYSTEM), models)
    engine = llm(models)
    conversation = messages(["本文提出了一种改进的训练算法。"], "zh", "en", {})
    assert not engine.template.takes_system
    assert engine.template.render(conversation) == (
        f"[INST] {SYSTEM_PROMPTS[('zh', 'en')]}\n\n{conversation[1].content} [/INST]"
    )
    assert len(engine.translate_documents([["本文提出了一种改进的训练算法。", "结果表明有效。"]])[0].sentences) == 2


def test_templates_are_rendered_in_a_sandbox_with_transformers_helpers(llm_folder: Path, tmp_path: Path) -> None:
    template = (
        "{% for message in messages %}{% generation %}{{ message['content'] | tojson }}{% endgeneration %}"
        "{% if loop.index > 5 %}{% break %}{% endif %}{% endfor %}{{ strftime_now('%d %b %Y') }}"
    )
    models = tmp_path / "lang_models"
    install_llm(with_template(llm_folder, tmp_path / "helpers", template), models)
    rendered = llm(models).template.render((ChatMessage("user", "隐马尔可夫"),))
    assert rendered == '"隐马尔可夫"26 Jul 2024'  # non-ASCII left as it is; a fixed day, the same every run


def test_the_glossary_is_named_in_the_prompt_and_checked_in_the_output(llm_models: Path, workdir: Path) -> None:
    rows = csl_batch(workdir / "input", 1, start=0)
    term = "镇定控制器"
    assert term in rows[0]["abstract"]
    (workdir / "glossary.tsv").write_text(f"{term}\tstabilizing controller\n", encoding="utf-8")
    result = run_digest(
        "run", "-q", "--engine", "llm", "--models-dir", str(llm_models), "--no-cache", "--glossary", "glossary.tsv"
    )
    assert result.exit_code == 0, result.stderr
    [record] = read_jsonl(workdir / "output" / "csl.jsonl")
    assert "glossary_miss" in record["flags"]  # a random model does not follow it; the check says so
    assert record["glossary_misses"] == [{"zh": term, "en": "stabilizing controller"}]


def test_english_abstracts_are_translated_into_chinese_by_the_same_model(llm_models: Path, workdir: Path) -> None:
    abstract = "This paper proposes an improved training algorithm. The results show that the method is effective."
    (workdir / "input" / "en.jsonl").write_text(json.dumps({"id": "e1", "abstract": abstract}) + "\n", encoding="utf-8")
    result = run_digest("run", "-q", "--engine", "llm", "--models-dir", str(llm_models), "--no-cache")
    assert result.exit_code == 0, result.stderr
    [record] = read_jsonl(workdir / "output" / "en.jsonl")
    assert record["source_lang"] == "en" and record["engine"]["translation"] == "llm"
    assert len(record["sentences"]) == 2 and all(isinstance(s["zh"], str) for s in record["sentences"])


def test_auto_takes_an_installed_llm(llm_models: Path, workdir: Path) -> None:
    csl_batch(workdir / "input", 1)
    result = run_digest("run", "-q", "--models-dir", str(llm_models), "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert read_jsonl(workdir / "output" / "csl.jsonl")[0]["engine"]["translation"] == "llm"


def test_a_model_asked_for_by_a_name_not_installed_is_a_usage_error(llm_models: Path, workdir: Path) -> None:
    csl_batch(workdir / "input", 1)
    result = run_digest("run", "--engine", "llm", "--models-dir", str(llm_models), "--model", "qwen-huge")
    assert result.exit_code == 2
    assert f"no LLM called 'qwen-huge' is installed in {llm_models} (installed: {TEST_LLM})" in result.stderr
    empty = workdir / "empty_models"
    result = run_digest("run", "--engine", "llm", "--models-dir", str(empty))
    assert result.exit_code == 2 and "digest models add FOLDER" in result.stderr
