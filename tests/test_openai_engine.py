"""`--engine openai` against a real server: llama.cpp (llama-cpp-python's server) on tiny GGUF models.

Each test model answers every chat with what tests/conftest.py's SERVER_MODELS says, whatever it
is asked, so the tests know what a real server will answer: one numbered line after a reasoning
block, two lines, nothing, an answer cut at `max_tokens`, or nonsense. Faults a real server cannot
be made to give on demand (a 500, an answer too slow or cut short) come from tests/llama_server.py's
proxy, which passes everything else on to the real server.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.engines import select_engine
from jobs.engines.base import EngineSettings
from jobs.engines.llm.prompt import PROMPT_VERSION
from jobs.engines.openai_server.engine import OpenAIServerEngine

from .conftest import SAMPLE_EXPORT, read_jsonl, run_digest
from .llama_server import FaultProxy, LlamaServer, free_port, proxied

ABSTRACT = [
    "基于隐马尔可夫模型的语音识别方法研究",
    "本文提出了一种改进的训练算法。",
    "实验结果表明，识别率提高了3.5%。",
]


def engine(base_url: str, model: str, **options: object) -> OpenAIServerEngine:
    settings = EngineSettings(options={"server_url": base_url, "model": model, **options})
    loaded = select_engine("openai", "zh", "en", settings)
    assert isinstance(loaded, OpenAIServerEngine)
    return loaded


@pytest.fixture
def proxy(llama_server: LlamaServer) -> Iterator[FaultProxy]:
    with proxied(llama_server) as proxy:
        yield proxy


@pytest.fixture
def small_batch(workdir: Path) -> Path:
    """The first three records of the real sample export, as the only batch in `input/`."""
    records = SAMPLE_EXPORT.read_text(encoding="utf-8").split("\n\n")[:3]
    path = workdir / "input" / SAMPLE_EXPORT.name
    path.write_text("\n\n".join(records) + "\n", encoding="utf-8")
    return path


def test_numbered_lines_that_match_are_taken_and_a_mismatch_is_repaired_and_flagged(llama_server: LlamaServer) -> None:
    # The model answers "1. Alpha rose\n\n2. Beta fell" to anything.
    two = engine(llama_server.base_url, "two-lines")
    done = two.translate_documents([ABSTRACT[1:], ABSTRACT[:1], ABSTRACT, []])
    assert done[0].sentences == ["Alpha rose", "Beta fell"] and not done[0].repaired
    # Two lines for one segment: the lone segment's answer is read as well as it can be.
    assert done[1].sentences == ["Alpha rose 2. Beta fell"] and not done[1].repaired
    # Two lines for three segments: each asked for again alone.
    assert done[2].sentences == ["Alpha rose 2. Beta fell"] * 3 and done[2].repaired
    assert done[3].sentences == [] and not done[3].repaired


def test_reasoning_never_reaches_a_translation(llama_server: LlamaServer) -> None:
    # "<think> Reading the abstract</think>\n\n1. The results improved"
    one = engine(llama_server.base_url, "one-line")
    [single, several] = one.translate_documents([ABSTRACT[1:2], ABSTRACT])
    assert single.sentences == ["The results improved"] and not single.repaired
    assert several.sentences == ["The results improved"] * 3 and several.repaired


def test_an_empty_answer_a_cut_one_and_nonsense_keep_every_sentence_in_its_place(llama_server: LlamaServer) -> None:
    [empty] = engine(llama_server.base_url, "empty").translate_documents([ABSTRACT])
    assert empty.sentences == ["", "", ""] and empty.repaired
    # "1. again and" over and over, on one line, until the answer's token limit.
    [endless] = engine(llama_server.base_url, "endless").translate_documents([ABSTRACT])
    assert endless.repaired and len(endless.sentences) == 3
    assert all(sentence.startswith("again and") and "\n" not in sentence for sentence in endless.sentences)
    nonsense = engine(llama_server.base_url, "random").translate_documents([ABSTRACT, ABSTRACT[:1]])
    assert [len(document.sentences) for document in nonsense] == [3, 1]
    assert all("\n" not in sentence for document in nonsense for sentence in document.sentences)


def test_the_cache_key_holds_the_server_s_model_the_prompt_version_and_greedy_decoding(
    llama_server: LlamaServer,
) -> None:
    one = engine(llama_server.base_url, "one-line")
    identity = one.cache_identity
    assert identity.startswith("openai|one-line|") and f"prompt={PROMPT_VERSION}" in identity
    assert '"temperature": 0.0' in identity and llama_server.base_url in identity
    assert engine(llama_server.base_url, "two-lines").cache_identity != identity
    assert one.model == "one-line"


@pytest.mark.slow
def test_a_run_through_the_server_records_the_engine_and_model_and_flags_repairs(
    llama_server: LlamaServer, small_batch: Path
) -> None:
    output = small_batch.parent.parent / "output"
    done = run_digest("run", "-q", "--engine", "openai", "--server-url", llama_server.base_url, "--model", "one-line")
    assert done.exit_code == 0, done.stderr
    records = read_jsonl(output / "seed-cnki-export.jsonl")
    assert len(records) == 3
    for record in records:
        assert record["engine"]["translation"] == "openai" and record["engine"]["model"] == "one-line"
        english = [sentence["en"] for sentence in record["sentences"]]
        assert english == ["The results improved"] * len(english)
        assert ("realigned" in record["flags"]) == (len(record["sentences"]) + bool(record["title"]) > 1)
    for path in output.rglob("*"):
        if path.is_file() and path.suffix in (".jsonl", ".html", ".md", ".xml"):
            assert "think>" not in path.read_text(encoding="utf-8"), path
    again = run_digest(
        "run", "--engine", "openai", "--server-url", llama_server.base_url, "--model", "one-line", "--force"
    )
    assert again.exit_code == 0 and " 0 from cache" not in again.stderr, again.stderr


@pytest.mark.slow
def test_a_server_that_is_down_stops_the_run_before_anything_is_written(small_batch: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    done = run_digest("run", "-q", "--engine", "openai", "--server-url", url, "--retries", "0")
    assert done.exit_code == 2
    assert f"cannot use the server at {url}: {url}/models: connection refused: is the server running?" in done.stderr
    assert not (small_batch.parent.parent / "output" / "seed-cnki-export.jsonl").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "fault, words",
    [
        (("status", 500), "answered 500"),
        (("delay", 3), "no answer within 1 s (--request-timeout)"),
        (("cut",), "the answer was cut short"),
        (("close",), "closed the connection without answering"),
    ],
)
def test_a_server_that_fails_a_batch_fails_it_and_the_next_run_does_it(
    proxy: FaultProxy, small_batch: Path, fault: tuple, words: str
) -> None:
    output = small_batch.parent.parent / "output" / "seed-cnki-export.jsonl"
    args = ["run", "-q", "--engine", "openai", "--server-url", proxy.base_url, "--model", "two-lines", "--no-cache"]
    proxy.faults = [None]  # /models answers; every chat after it fails
    proxy.always = fault
    failed = run_digest(*args, "--retries", "1", "--request-timeout", "1")
    assert failed.exit_code == 1, failed.stderr
    assert words in failed.stderr and "(tried 2 times); the batch is done again by the next run" in failed.stderr
    assert not output.exists()
    proxy.always = None
    done = run_digest(*args)
    assert done.exit_code == 0, done.stderr
    assert len(read_jsonl(output)) == 3


@pytest.mark.parametrize("url", ["http://192.0.2.10:11434/v1", "http://[2001:db8::5]/v1"])
def test_a_server_off_this_machine_is_refused_before_any_connection(url: str, small_batch: Path) -> None:
    done = run_digest("run", "-q", "--engine", "openai", "--server-url", url)
    assert done.exit_code == 2
    assert "not on this machine" in done.stderr and "--allow-remote-server" in done.stderr
    # Allowed, it is tried (and fails: nothing answers there), which shows the flag reaches the check.
    allowed = run_digest("run", "-q", "--engine", "openai", "--server-url", url, "--allow-remote-server",
                         "--request-timeout", "0.5", "--retries", "0")  # fmt: skip
    assert allowed.exit_code == 2 and "not on this machine" not in allowed.stderr
    assert "cannot use the server" in allowed.stderr


@pytest.mark.slow
def test_auto_never_picks_the_server_engine(llama_server: LlamaServer, small_batch: Path) -> None:
    done = run_digest("run", "-q", "--engine", "auto", "--server-url", llama_server.base_url, "--no-cache")
    assert done.exit_code == 0, done.stderr
    [first, *_] = read_jsonl(small_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    assert first["engine"]["translation"] == "gloss"


@pytest.mark.slow
def test_the_api_key_comes_from_the_environment_only_and_is_never_written(
    server_models: dict[str, Path],
    small_batch: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "sk-run-8e1f0a4b77c25d93"
    assert "--api-key" not in run_digest("run", "--help").stdout
    # The server's own files (its config holds the key) are kept out of the run's folder.
    server = LlamaServer({"one-line": server_models["one-line"]}, tmp_path_factory.mktemp("keyed"), api_key=key).start()
    workdir = small_batch.parent.parent
    try:
        args = ["run", "--engine", "openai", "--server-url", server.base_url, "--cache", str(workdir / "cache.sqlite3")]
        refused = run_digest(*args)
        assert refused.exit_code == 2 and "answered 401" in refused.stderr and "DIGEST_OPENAI_API_KEY" in refused.stderr
        monkeypatch.setenv("DIGEST_OPENAI_API_KEY", key)
        done = run_digest(*args)
        assert done.exit_code == 0, done.stderr
    finally:
        server.stop()
    assert (workdir / "cache.sqlite3").is_file()
    for path in workdir.rglob("*"):  # the outputs, the run log, the manifest, the cache
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    assert key not in refused.stderr + done.stderr + done.stdout


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_unshare(), reason="this machine does not allow mount namespaces (unshare --mount)")
def test_a_run_refuses_a_name_from_etc_hosts_that_leads_off_the_machine(tmp_path: Path) -> None:
    """End to end, through the system's resolver: /etc/hosts (bind-mounted in a namespace of the test's own)."""
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 mixed.test\n198.51.100.4 mixed.test\n::1 six.test\n")
    (tmp_path / "input").mkdir()
    # A batch: the engine is loaded only when there is work.
    (tmp_path / "input" / "batch.txt").write_text(ABSTRACT[1] + "\n", encoding="utf-8")
    port = free_port()
    script = (
        f"mount --bind {hosts} /etc/hosts && "
        f"{sys.executable} -m jobs run -q --engine openai --server-url http://$HOST:{port}/v1 --retries 0 --no-cache"
    )
    outcomes = {}
    for host in ("mixed.test", "six.test"):
        outcomes[host] = subprocess.run(
            ["unshare", "--mount", "sh", "-c", script.replace("$HOST", host)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
    refused = outcomes["mixed.test"]
    assert refused.returncode == 2, refused.stderr
    assert "mixed.test resolves to 198.51.100.4" in refused.stderr and "--allow-remote-server" in refused.stderr
    # six.test is ::1 alone: taken, and the run fails only because nothing listens on the port.
    reached = outcomes["six.test"]
    assert "not on this machine" not in reached.stderr
    assert "connection refused" in reached.stderr, reached.stderr
