"""The `openai` engine's client against servers that misbehave as no real server does on demand.

A server that trickles its answer a byte at a time (each read quick, the whole never done), one
that answers without end, and JSON that Python's parser refuses in ways other than a syntax
error (nesting deeper than its recursion limit, an integer longer than its digit limit): each
must end in a `ServerError` for the user within the timeout, never a traceback, a hang or all of
the machine's memory.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from jobs.engines.openai_server.address import check_base_url
from jobs.engines.openai_server.client import MAX_ANSWER_BYTES, ChatClient, ClientSettings, ServerError

Behaviour = Callable[[socket.socket], None]


class HostileServer:
    """A TCP server on 127.0.0.1 that reads each request and answers with `behaviour`."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                head += chunk
            head, _, body = head.partition(b"\r\n\r\n")
            length = next(
                (int(line.split(b":")[1]) for line in head.lower().splitlines() if line.startswith(b"content-length:")),
                0,
            )
            while len(body) < length:  # all of it: a socket closed with the request unread is reset
                body += connection.recv(4096)
            try:
                self.behaviour(connection)
            except OSError:
                pass  # the client hung up, as it should

    def send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], HostileServer]]:
    servers: list[HostileServer] = []

    def start(behaviour: Behaviour) -> HostileServer:
        servers.append(HostileServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def client(url: str, timeout: float = 60, retries: int = 0) -> ChatClient:
    return ChatClient(check_base_url(url, False), ClientSettings(timeout=timeout, retries=retries, backoff=0.01))


def json_answer(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


def test_an_answer_trickled_a_byte_at_a_time_is_given_up_on_at_the_timeout(hostile) -> None:  # type: ignore[no-untyped-def]
    # Each byte comes well within the timeout; the answer as a whole never does.
    def trickle(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(40):  # 8 s, then it hangs up (a client that waits it out sees the answer cut short)
            connection.sendall(b" ")
            time.sleep(0.2)

    server = hostile(trickle)
    started = time.monotonic()
    with pytest.raises(ServerError, match=r"no answer within 1 s \(--request-timeout\)"):
        client(server.base_url, timeout=1).request("GET", "/models")
    assert time.monotonic() - started < 4


def test_headers_trickled_a_line_at_a_time_are_given_up_on_at_the_timeout(hostile) -> None:  # type: ignore[no-untyped-def]
    def trickle(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        for number in range(40):
            connection.sendall(f"X-Wait-{number}: a\r\n".encode("ascii"))
            time.sleep(0.2)

    server = hostile(trickle)
    started = time.monotonic()
    with pytest.raises(ServerError, match=r"no answer within 1 s"):
        client(server.base_url, timeout=1).request("GET", "/models")
    assert time.monotonic() - started < 4


def test_an_answer_without_end_is_refused_past_the_limit_not_read_into_memory(hostile) -> None:  # type: ignore[no-untyped-def]
    limit = 4 * MAX_ANSWER_BYTES

    def endless(connection: socket.socket) -> None:
        server.send(
            connection, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b'{"pad": "' + b"x" * (1 << 20)
        while server.sent < limit:
            server.send(connection, f"{len(chunk):x}\r\n".encode("ascii") + chunk + b"\r\n")

    server = hostile(endless)
    with pytest.raises(ServerError, match=r"the answer is over \d+ MiB; a chat answer is never that long"):
        client(server.base_url, retries=2).request("GET", "/models")
    time.sleep(0.2)
    assert server.sent < 2 * MAX_ANSWER_BYTES  # the client stopped reading, and did not ask again


@pytest.mark.parametrize(
    "body, case",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nesting deeper than the parser's recursion limit"),
        (b'{"choices": [], "usage": {"total_tokens": ' + b"7" * 5000 + b"}}", "an integer over 4300 digits"),
        (b'{"choices": [{"message": {"content": "1. \xc3("}}]}', "a byte that is not UTF-8"),
    ],
)
def test_json_python_cannot_read_is_a_server_error_not_a_traceback(hostile, body: bytes, case: str) -> None:  # type: ignore[no-untyped-def]
    server = hostile(lambda connection: connection.sendall(json_answer(body)))
    asking = client(server.base_url, retries=1)
    with pytest.raises(ServerError, match=r"the answer is not JSON"):
        asking.request("POST", "/chat/completions", {"model": "m"})
    asking.close()


@pytest.mark.parametrize("key", ["x", "ollama", "lm-studio"])  # the dummy keys their docs tell clients to send
def test_a_short_dummy_key_does_not_garble_the_server_s_message(hostile, key: str) -> None:  # type: ignore[no-untyped-def]
    text = b'{"error": {"message": "model \'qwen2.5:7b\' not found, try pulling it first (ollama pull)"}}'
    answer = f"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {len(text)}\r\n\r\n"
    server = hostile(lambda connection: connection.sendall(answer.encode("ascii") + text))
    asking = ChatClient(check_base_url(server.base_url, False), ClientSettings(retries=0, api_key=key))
    with pytest.raises(ServerError) as refused:
        asking.request("GET", "/models")
    asking.close()
    quoted = "model 'qwen2.5:7b' not found, try pulling it first (ollama pull)".replace(key, "***")
    assert f'the server answered 404 ({{"error": {{"message": "{quoted}"}}}})' in str(refused.value)


def test_a_key_the_server_quotes_cut_short_shows_no_part(hostile) -> None:  # type: ignore[no-untyped-def]
    key = "sk-test-3f9a2c71e4b8d05a"
    text = f"Incorrect API key provided: {key[:16]}".encode("ascii")  # the server's own limit cut it
    answer = f"HTTP/1.1 401 Unauthorized\r\nContent-Length: {len(text)}\r\n\r\n"
    server = hostile(lambda connection: connection.sendall(answer.encode("ascii") + text))
    asking = ChatClient(check_base_url(server.base_url, False), ClientSettings(retries=0, api_key=key))
    with pytest.raises(ServerError, match=r"provided: \*\*\*") as refused:
        asking.request("GET", "/models")
    asking.close()
    assert key[:12] not in str(refused.value)
