"""A real OpenAI-compatible server for tests: llama-cpp-python's server on tiny GGUF models, and a proxy that breaks it.

`LlamaServer` starts `python -m llama_cpp.server` (llama.cpp compiled from llama-cpp-python's
source, the `llm-server` extra) on a free loopback port with a config file of several models
(`tests/gguf_model.py`), each served under its alias; the server loads the one a request names.

`FaultProxy` stands between the engine and that server and passes every request on to it, except
where a test tells it to break one: answer 500 instead, wait before passing it on, cut the answer
short, close the connection, redirect, or answer 401 quoting the request's Authorization header (as
some servers quote a wrong key). What comes through it is the real server's answer.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FaultProxy", "LlamaServer", "free_port", "llama_server_available"]


def llama_server_available() -> str | None:
    """Why llama-cpp-python's server cannot run here (None: it can)."""
    try:
        import gguf  # noqa: F401
        import llama_cpp.server.app  # noqa: F401
    except ImportError as missing:
        return f"llama-cpp-python's server is not installed ({missing}): pip install -e '.[llm-server]'"
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LlamaServer:
    """llama-cpp-python's server on 127.0.0.1, serving `models` (alias -> GGUF path)."""

    models: dict[str, Path]
    folder: Path
    api_key: str | None = None
    #: Threads each model computes with (one: the machines tests run on are shared).
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, wait_s: float = 120.0) -> LlamaServer:
        config = {
            "host": "127.0.0.1",
            "port": self.port,
            "api_key": self.api_key,
            "models": [
                {
                    "model": str(path),
                    "model_alias": alias,
                    "n_ctx": 4096,
                    "n_threads": self.threads,
                    "n_threads_batch": self.threads,
                    "verbose": False,
                }
                for alias, path in self.models.items()
            ],
        }
        config_file = self.folder / f"llama-server-{self.port}.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        with (self.folder / f"llama-server-{self.port}.log").open("wb") as log:  # the server keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--config_file", str(config_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "OMP_NUM_THREADS": str(self.threads)},
            )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-cpp-python's server ended ({self.process.returncode}):\n{self.log()}")
            if self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"llama-cpp-python's server did not answer within {wait_s} s:\n{self.log()}")

    def _answers(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            connection.request("GET", "/v1/models", headers=headers)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def log(self) -> str:
        path = self.folder / f"llama-server-{self.port}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 in front of `upstream_port` that breaks the requests a test says.

    `faults` is a list taken from the front, one fault per request (`None` passes it on as it is);
    once it is empty, `always` applies to every request. A fault is one of: `("status", 500)`,
    `("delay", seconds)`, `("cut",)` (the headers, then half the body, then the connection closed),
    `("close",)` (the connection closed before any answer), `("redirect", url)`, `("echo-key",)`
    (401 quoting the Authorization header). `seen` has the path, headers and body of every request.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.faults: list[tuple | None] = []
        self.always: tuple | None = None
        self.seen: list[tuple[str, dict[str, str], bytes | None]] = []
        #: Requests being handled now, and the most there were at once.
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._counted(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                proxy._counted(self, self.rfile.read(length))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next_fault(self) -> tuple | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else self.always

    def _counted(self, handler: http.server.BaseHTTPRequestHandler, body: bytes | None) -> None:
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            self._handle(handler, body)
        finally:
            with self._lock:
                self.active -= 1

    def _handle(self, handler: http.server.BaseHTTPRequestHandler, body: bytes | None) -> None:
        headers = {key: value for key, value in handler.headers.items()}
        with self._lock:
            self.seen.append((handler.path, headers, body))
        fault = self._next_fault()
        kind = fault[0] if fault else None
        if kind == "close":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "status":
            return _reply(handler, fault[1], b'{"error": {"message": "the proxy broke this request"}}')
        if kind == "redirect":
            return _reply(handler, 307, b"", {"Location": fault[1]})
        if kind == "echo-key":
            quoted = f"Incorrect API key provided: {headers.get('Authorization', '')}".encode()
            return _reply(handler, 401, json.dumps({"error": {"message": quoted.decode()}}).encode())
        if kind == "delay":
            time.sleep(fault[1])
        status, answer = self._forward(handler.command, handler.path, headers, body)
        if kind == "cut":
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(answer)))
            handler.end_headers()
            handler.wfile.write(answer[: len(answer) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        _reply(handler, status, answer)

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=300)
        try:
            passed = {key: value for key, value in headers.items() if key.lower() not in ("host", "connection")}
            connection.request(method, path, body=body, headers=passed)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _reply(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def proxied(server: LlamaServer) -> Iterator[FaultProxy]:
    """A FaultProxy in front of `server`, closed afterwards."""
    proxy = FaultProxy(server.port)
    try:
        yield proxy
    finally:
        proxy.close()
