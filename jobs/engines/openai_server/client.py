"""A small client of an OpenAI-compatible server (`/v1/models`, `/v1/chat/completions`), standard library only.

It connects only to the addresses `address.check_base_url` resolved and checked (no proxy from
the environment, no second lookup of the name), never follows a redirect, retries what may pass
(a refused or broken connection, a timeout, 429 and 5xx answers, a body cut short) with growing
waits, and never retries another 4xx. Several requests go at once (`in_flight`), each on a
connection of its own kept for the next. The API key goes in the Authorization header and
nowhere else: it is blotted out of any text of the server's that a message quotes.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .address import ServerAddress

#: Longest wait between two tries, and the most of a Retry-After header that is honoured (seconds).
MAX_BACKOFF_S = 30.0
#: How much of a server's error body a message quotes.
_QUOTED = 300
#: The most bytes an answer may have: a chat answer of even 100,000 tokens is under 1 MiB, and a
#: server that sends more (or never stops) must not fill the machine's memory.
MAX_ANSWER_BYTES = 16 << 20
_READ = 1 << 16


class ServerError(Exception):
    """The server did not give a usable answer (after any retries); the message is for users and holds no key."""


@dataclass(frozen=True)
class ClientSettings:
    """How the client talks to the server."""

    #: Seconds to wait for each request's whole answer, connecting included: a server that sends
    #: its answer a byte at a time within any per-read timeout is given up on all the same.
    timeout: float = 300.0
    #: Tries after the first, for what may pass (see the module's docstring).
    retries: int = 2
    #: Requests sent at once.
    in_flight: int = 4
    #: Seconds before the first retry; each next one waits twice as long (at most MAX_BACKOFF_S).
    backoff: float = 0.5
    #: Sent as `Authorization: Bearer KEY` (the `DIGEST_OPENAI_API_KEY` variable), else nothing.
    api_key: str | None = None


class _Retry(Exception):
    """A try that failed in a way that may pass; `wait` is the server's Retry-After, if it gave one."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class ChatClient:
    """Requests to one server, with retries, several at once; thread-safe."""

    def __init__(self, address: ServerAddress, settings: ClientSettings) -> None:
        self.address = address
        self.settings = settings
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context() if address.scheme == "https" else None

    def models(self) -> list[dict[str, Any]]:
        """The models the server lists (`GET /models`), each as the server describes it."""
        answer = self.request("GET", "/models")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or not all(isinstance(item, dict) and "id" in item for item in data):
            raise ServerError(f"{self.address.url}/models: the answer is not a list of models")
        return data

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """One chat completion (`POST /chat/completions`): the server's answer as it gave it."""
        answer = self.request("POST", "/chat/completions", body)
        if not isinstance(answer, dict):
            raise ServerError(f"{self.address.url}/chat/completions: the answer is not a JSON object")
        return answer

    def chat_many(self, bodies: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every chat completion, `in_flight` at a time, in the order of `bodies`; the first failure is raised.

        The connections are kept from one request to the next, and closed when all are answered:
        nothing stays open between two batches of requests.
        """
        try:
            return run_in_flight(self.chat, bodies, self.settings.in_flight)
        finally:
            self.close()

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The JSON answer to one request, tried again for what may pass; ServerError when it does not."""
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        where = f"{self.address.url}{path}"
        tries = self.settings.retries + 1
        for attempt in range(tries):
            try:
                return self._once(method, self.address.path + path, payload, where)
            except _Retry as failure:
                if attempt + 1 == tries:
                    after = f" (tried {tries} times)" if tries > 1 else ""
                    raise ServerError(f"{where}: {failure}{after}") from None
                delay = self.settings.backoff * 2**attempt * random.uniform(1.0, 1.25)
                time.sleep(min(MAX_BACKOFF_S, failure.wait if failure.wait is not None else delay))
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connections kept for reuse."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _once(self, method: str, path: str, payload: bytes | None, where: str) -> Any:
        """One try: the JSON answer; _Retry for what may pass, ServerError for what will not."""
        connection, reused = self._connection()
        deadline = _Deadline(connection, self.settings.timeout)
        try:
            status, headers, raw = self._exchange(connection, method, path, payload, reused, deadline)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            failure = TimeoutError() if deadline.passed else error  # a cut connection fails in any of several ways
            raise _Retry(_describe_failure(failure, self.settings.timeout)) from None
        except ServerError as error:
            connection.close()
            raise ServerError(f"{where}: {error}") from None
        finally:
            deadline.cancel()
        if headers.get("connection", "").lower() == "close" or deadline.passed:
            connection.close()
        else:
            with self._lock:
                self._idle.append(connection)
        return self._judge(status, headers, raw, where)

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        path: str,
        payload: bytes | None,
        reused: bool,
        deadline: _Deadline,
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": "application/json", "User-Agent": "digest"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not reused:
                raise
            # A kept connection the server closed meanwhile: once more on a new one, not counted as a try.
            connection.close()
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
        if deadline.passed:  # it passed while connecting, before there was a connection to cut
            raise TimeoutError
        return response.status, {key.lower(): value for key, value in response.getheaders()}, _read_bounded(response)

    def _judge(self, status: int, headers: dict[str, str], raw: bytes, where: str) -> Any:
        if 300 <= status < 400:
            # Never followed: a redirect could lead to another machine, or strip the no-network promise.
            target = self._blot(headers.get("location", "nowhere"))
            raise ServerError(
                f"{where}: the server answered {status} (a redirect to {target}), which digest does not follow"
            )
        if status == 429 or status >= 500:
            raise _Retry(f"the server answered {status} {self._quote(raw)}", _retry_after(headers))
        if status >= 400:
            hint = " (check DIGEST_OPENAI_API_KEY)" if status in (401, 403) else ""
            raise ServerError(f"{where}: the server answered {status} {self._quote(raw)}{hint}")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            # ValueError: bad syntax, bytes that are not UTF-8, an integer past Python's digit limit;
            # RecursionError: nesting deeper than the parser goes.
            raise _Retry(f"the answer is not JSON ({len(raw)} bytes, cut short?)") from None

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """A kept connection (True) or a new one (False)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return _pinned_connection(self.address, self.settings.timeout, self._tls), False

    def _quote(self, text: bytes | str) -> str:
        """Some of the server's text for a message, in brackets, on one line, with the API key blotted out."""
        text = self._blot(text)
        return f"({text})" if text else "(no text)"

    def _blot(self, text: bytes | str) -> str:
        """Some of the server's text, on one line, with the API key blotted out."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        text = " ".join(text.split())
        key = self.settings.api_key or ""
        if key:
            text = text.replace(key, "***")
        if len(key) >= 12:  # a server may quote a key cut short by its own limit; not a dummy key's half ("x")
            text = text.replace(key[: len(key) // 2], "***")
        if len(text) <= _QUOTED:
            return text
        cut = text[:_QUOTED]
        # A key cut in two by our own limit must not show its first part either.
        shown = next((n for n in range(len(key) - 1, 0, -1) if cut.endswith(key[:n])), 0)
        return cut[: len(cut) - shown] + ("***" if shown else "") + "..."


class _Pinned:
    """Connects to the addresses checked beforehand, not to what the host name resolves to now."""

    host: str
    timeout: float | None
    sock: Any
    pinned: tuple[tuple[int, tuple], ...] = ()
    tls: ssl.SSLContext | None = None

    def connect(self) -> None:
        failure: OSError | None = None
        for family, sockaddr in self.pinned:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect(sockaddr)
            except OSError as error:
                sock.close()
                failure = error
                continue
            self.sock = sock if self.tls is None else self.tls.wrap_socket(sock, server_hostname=self.host)
            return
        raise failure or OSError("no address to connect to")


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    pass


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    pass


def _pinned_connection(
    address: ServerAddress, timeout: float, tls: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    connection: _PinnedHTTP | _PinnedHTTPS
    if tls is None:
        connection = _PinnedHTTP(address.host, address.port, timeout=timeout)
    else:
        connection = _PinnedHTTPS(address.host, address.port, timeout=timeout, context=tls)
    connection.pinned = address.addresses
    connection.tls = tls
    return connection


class _Deadline:
    """Cuts a connection when its request's time is up, whatever read is under way (headers or body)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.passed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.passed = True
        sock = self.connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once; close() alone would not wake it
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _read_bounded(response: http.client.HTTPResponse) -> bytes:
    """The body of an answer; ServerError past MAX_ANSWER_BYTES (the rest is not read)."""
    parts: list[bytes] = []
    size = 0
    while chunk := response.read(_READ):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ServerError(f"the answer is over {MAX_ANSWER_BYTES >> 20} MiB; a chat answer is never that long")
        parts.append(chunk)
    if response.length:  # a Content-Length the server did not keep to
        raise http.client.IncompleteRead(b"".join(parts), response.length)
    return b"".join(parts)


def _retry_after(headers: dict[str, str]) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None  # an HTTP date, or nothing: our own backoff


def _describe_failure(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} s (--request-timeout)"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused: is the server running?"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer was cut short"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return f"connection failed ({reason})"


def run_in_flight(task: Callable[[Any], Any], items: Sequence[Any], in_flight: int) -> list[Any]:
    """`task` on every item, at most `in_flight` at once, results in order; the first exception is raised.

    Daemon threads, not a ThreadPoolExecutor: Python waits for an executor's threads at exit, so a
    run stopped by a signal would wait out every request in flight (up to the timeout each).
    """
    results: list[Any] = [None] * len(items)
    failures: list[BaseException] = []
    lock = threading.Lock()
    queue = list(range(len(items)))[::-1]

    def work() -> None:
        while True:
            with lock:
                if not queue or failures:
                    return
                index = queue.pop()
            try:
                results[index] = task(items[index])
            except BaseException as error:  # raised again in the caller's thread
                with lock:
                    failures.append(error)
                return

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, min(in_flight, len(items))))]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException as interrupted:  # Ctrl-C, a signal: start nothing more
        with lock:
            failures.append(interrupted)
        raise
    if failures:
        raise failures[0]
    return results
