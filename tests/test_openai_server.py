"""The `openai` engine's client against a real server (llama.cpp through llama-cpp-python) and its faults.

Every answer comes from llama.cpp running a tiny GGUF model (tests/gguf_model.py) that writes
what the test expects whatever it is asked; faults come from a proxy in front of that server
(tests/llama_server.py) that breaks the requests a test says and passes the rest on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.engines.openai_server.client import ClientSettings, ServerError
from jobs.engines.openai_server.server import Decoding, ServerModel
from jobs.errors import ConfigError

from .llama_server import FaultProxy, LlamaServer, free_port, proxied

#: Quick retries: the faults are the proxy's, and waiting for them proves nothing.
QUICK = ClientSettings(timeout=60, retries=2, in_flight=2, backoff=0.01)
HELLO = [{"role": "user", "content": "1. 结果表明该方法有效。"}]


@pytest.fixture
def proxy(llama_server: LlamaServer) -> Iterator[FaultProxy]:
    with proxied(llama_server) as proxy:
        yield proxy


def connect(url: str, model: str = "one-line", settings: ClientSettings = QUICK) -> ServerModel:
    return ServerModel.connect(url, model, settings, allow_remote=False)


def test_the_server_s_model_is_found_and_answers_as_planted(llama_server: LlamaServer) -> None:
    served = connect(llama_server.base_url)
    assert served.model_id == "one-line"
    assert served.description == {"id": "one-line", "object": "model", "owned_by": "me", "permissions": []}
    [answer] = served.complete([HELLO], Decoding(max_tokens=64))
    assert answer.text == "<think> Reading the abstract</think>\n\n1. The results improved"
    assert answer.finish_reason == "stop"
    assert served.answered_model == answer.model and answer.model


def test_an_empty_answer_a_cut_answer_and_nonsense_come_back_as_they_are(llama_server: LlamaServer) -> None:
    [empty] = connect(llama_server.base_url, "empty").complete([HELLO], Decoding(max_tokens=64))
    assert (empty.text, empty.finish_reason) == ("", "stop")
    [cut] = connect(llama_server.base_url, "endless").complete([HELLO], Decoding(max_tokens=9))
    assert cut.finish_reason == "length"
    assert cut.text.startswith("1. again and1. again and") and len(cut.text) < 60
    [noise] = connect(llama_server.base_url, "random").complete([HELLO], Decoding(max_tokens=16))
    assert isinstance(noise.text, str) and noise.finish_reason in ("length", "stop")


def test_answers_are_deterministic_and_in_the_order_asked(llama_server: LlamaServer) -> None:
    served = connect(llama_server.base_url, "random")
    asked = [[{"role": "user", "content": f"{n}. 第{n}句。"}] for n in range(5)]
    first = [answer.text for answer in served.complete(asked, Decoding(max_tokens=12))]
    again = [answer.text for answer in served.complete(list(reversed(asked)), Decoding(max_tokens=12))]
    assert first == list(reversed(again))


def test_a_model_the_server_does_not_serve_is_refused_naming_those_it_does(llama_server: LlamaServer) -> None:
    # llama-cpp-python's server answers any unknown model with its first: only /models tells.
    with pytest.raises(ConfigError, match=r"does not serve 'qwen2.5:7b-instruct' \(it serves: one-line, two-lines"):
        connect(llama_server.base_url, "qwen2.5:7b-instruct")
    with pytest.raises(ConfigError, match="serves 5 models .*; name one with --model"):
        connect(llama_server.base_url, "")


def test_a_server_that_is_down_is_named_with_what_to_do() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(
        ConfigError,
        match=rf"cannot use the server at {url}: .*connection refused: is the server running\? \(tried 3 times\)",
    ):
        connect(url)


def test_500s_are_retried_and_a_server_that_keeps_failing_is_an_error(proxy: FaultProxy) -> None:
    served = connect(proxy.base_url)
    proxy.faults = [("status", 500), ("status", 503)]
    [answer] = served.complete([HELLO], Decoding(max_tokens=64))
    assert answer.text.endswith("1. The results improved")
    proxy.always = ("status", 500)
    with pytest.raises(
        ServerError,
        match=r"answered 500 \(\{\"error\": \{\"message\": \"the proxy broke this request\"\}\}\) \(tried 3 times\)",
    ):
        served.complete([HELLO], Decoding(max_tokens=64))


def test_429_is_retried_and_other_4xx_are_not(proxy: FaultProxy) -> None:
    served = connect(proxy.base_url)
    proxy.faults = [("status", 429)]
    assert served.complete([HELLO], Decoding(max_tokens=64))[0].finish_reason == "stop"
    before = len(proxy.seen)
    proxy.faults = [("status", 400)]
    with pytest.raises(ServerError, match="answered 400"):
        served.complete([HELLO], Decoding(max_tokens=64))
    assert len(proxy.seen) == before + 1  # tried once


def test_a_server_slower_than_the_timeout_is_given_up_on(proxy: FaultProxy) -> None:
    served = connect(proxy.base_url, settings=ClientSettings(timeout=1, retries=1, backoff=0.01))
    proxy.always = ("delay", 3)
    with pytest.raises(ServerError, match=r"no answer within 1 s \(--request-timeout\) \(tried 2 times\)"):
        served.complete([HELLO], Decoding(max_tokens=64))
    proxy.always = None
    proxy.faults = [("delay", 3)]  # one slow answer, then a quick one
    assert served.complete([HELLO], Decoding(max_tokens=64))[0].finish_reason == "stop"


@pytest.mark.parametrize("fault, words", [(("cut",), "cut short"), (("close",), "closed the connection")])
def test_an_answer_cut_short_or_a_dropped_connection_is_retried(proxy: FaultProxy, fault: tuple, words: str) -> None:
    served = connect(proxy.base_url)
    proxy.faults = [fault]
    assert served.complete([HELLO], Decoding(max_tokens=64))[0].text.endswith("improved")
    proxy.always = fault
    with pytest.raises(ServerError, match=words):
        served.complete([HELLO], Decoding(max_tokens=64))


def test_a_redirect_is_never_followed(proxy: FaultProxy, llama_server: LlamaServer) -> None:
    with proxied(llama_server) as elsewhere:
        proxy.always = ("redirect", elsewhere.base_url + "/models")
        with pytest.raises(
            ConfigError,
            match=rf"answered 307 \(a redirect to {elsewhere.base_url}/models\), which digest does not follow",
        ):
            connect(proxy.base_url)
        assert elsewhere.seen == []


def test_requests_go_several_at_once_up_to_the_limit(proxy: FaultProxy) -> None:
    served = connect(proxy.base_url, settings=ClientSettings(timeout=60, in_flight=3))
    proxy.always = ("delay", 0.5)  # long enough for the requests to meet at the proxy
    answers = served.complete([HELLO] * 7, Decoding(max_tokens=64))
    assert len(answers) == 7 and proxy.most_active == 3


def test_the_api_key_is_sent_and_never_shown(server_models: dict[str, Path], tmp_path: Path) -> None:
    key = "sk-test-3f9a2c71e4b8d05a"
    server = LlamaServer({"one-line": server_models["one-line"]}, tmp_path, api_key=key).start()
    try:
        with pytest.raises(ConfigError, match=r"answered 401 .*\(check DIGEST_OPENAI_API_KEY\)") as refused:
            connect(server.base_url)  # no key
        served = connect(server.base_url, settings=ClientSettings(api_key=key, backoff=0.01))
        assert served.complete([HELLO], Decoding(max_tokens=64))[0].text.endswith("improved")
        with proxied(server) as proxy:
            proxy.always = ("echo-key",)  # as OpenAI's own API quotes a wrong key back
            with pytest.raises(ConfigError, match=r"Incorrect API key provided: Bearer \*\*\*") as echoed:
                connect(proxy.base_url, settings=ClientSettings(api_key=key))
            assert proxy.seen[0][1]["Authorization"] == f"Bearer {key}"
    finally:
        server.stop()
    for message in (str(refused.value), str(echoed.value), repr(served.description), served.identity):
        assert key not in message and key[:12] not in message
