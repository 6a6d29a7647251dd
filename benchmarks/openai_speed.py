"""How fast `digest run --engine openai` is, against direct concurrent calls to the same server.

    python benchmarks/openai_speed.py [--abstracts 4] [--in-flight 4] [--rounds 3]
    python benchmarks/openai_speed.py --server-url http://127.0.0.1:11434/v1 --model qwen2.5:7b-instruct

In one invocation, on real CSL abstracts written as one batch:

1. a first `digest run --engine openai` goes through a proxy that records every chat request it
   sends (the documents' numbered requests, and any asked again segment by segment);
2. digest's path: `digest run --engine openai --no-cache`, a process of its own as cron starts it,
   straight to the server: reading, segmenting, the requests `--in-flight` at a time, the
   repairs, summaries, the JSONL and the pages;
3. the direct path: the same recorded requests, byte for byte, sent by plain `http.client`
   threads, `--in-flight` at a time, and nothing else done.

Both paths ask the server for the same work, so the ratio of their wall times is digest's cost
over the server's own (the goal is 1.2x at most). The two paths alternate for `--rounds` rounds and
each one's best time is kept. Without `--server-url`, the benchmark starts llama-cpp-python's server
(the `llm-server` extra, 2 threads) on a random-weight GGUF written by tests/gguf_model.py (4 layers,
width 256: it writes nonsense up to each request's token limit, so every abstract is also asked for
again sentence by sentence, as digest does when lines do not match); with it, any server and model
the user has (Ollama, llama.cpp's server, vLLM, LM Studio).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS, require  # noqa: E402


def write_batch(folder: Path, count: int) -> None:
    """`count` CSL abstracts, one paragraph each (title first), as the batch `input/csl.txt`."""
    lines = require(CSL_ABSTRACTS).read_text(encoding="utf-8").split("\n")
    records = [json.loads(line) for line in lines if line.strip()][:count]
    (folder / "input").mkdir(parents=True, exist_ok=True)
    text = "\n\n".join(f"{record['title']}\n{record['abstract']}" for record in records)
    (folder / "input" / "csl.txt").write_text(text + "\n", encoding="utf-8")


def digest_run(
    folder: Path, base_url: str, model: str, in_flight: int
) -> tuple[float, float, subprocess.CompletedProcess]:
    """One `digest run` in a process of its own: wall seconds, its CPU seconds, the finished process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "jobs", "run", "--engine", "openai", "--server-url", base_url, "--model", model,
         "--in-flight", str(in_flight), "--no-cache", "--force", "-q"],
        cwd=folder, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"digest run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def direct_calls(base_url: str, bodies: list[bytes], in_flight: int) -> float:
    """Wall seconds to send every body to `/chat/completions`, `in_flight` at a time, with plain http.client."""
    parts = urlsplit(base_url)
    queue = list(range(len(bodies)))[::-1]
    lock = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=600)
        headers = {"Content-Type": "application/json"}
        if os.environ.get("DIGEST_OPENAI_API_KEY"):
            headers["Authorization"] = f"Bearer {os.environ['DIGEST_OPENAI_API_KEY']}"
        while True:
            with lock:
                if not queue:
                    break
                index = queue.pop()
            connection.request(
                "POST", parts.path.rstrip("/") + "/chat/completions", body=bodies[index], headers=headers
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"request {index}: {response.status}")
        connection.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(in_flight)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"direct calls failed: {failures[:3]}")
    return time.perf_counter() - start


def recorded_requests(folder: Path, server_port: int, base_url: str, model: str, in_flight: int) -> list[bytes]:
    """The chat requests a `digest run` sends, recorded by a proxy in front of the server."""
    from tests.llama_server import FaultProxy

    proxy = FaultProxy(server_port)
    try:
        digest_run(folder, proxy.base_url, model, in_flight)
    finally:
        proxy.close()
    return [body for path, _, body in proxy.seen if path.endswith("/chat/completions") and body is not None]


def start_server(folder: Path):  # type: ignore[no-untyped-def]
    from tests.gguf_model import build_gguf
    from tests.llama_server import LlamaServer, llama_server_available

    missing = llama_server_available()
    if missing:
        raise SystemExit(missing)
    model = build_gguf(folder / "bench.gguf", None, layers=4, embedding_length=256, feed_forward_length=768, seed=1)
    return LlamaServer({"bench": model}, folder, threads=2).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--abstracts", type=int, default=4)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-url", help="a server of your own (default: llama-cpp-python's, started here)")
    parser.add_argument("--model", default="bench", help="the model's name on --server-url's server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openai-speed-") as scratch:
        folder = Path(scratch)
        write_batch(folder, args.abstracts)
        server = None if args.server_url else start_server(folder)
        base_url = args.server_url or server.base_url
        port = urlsplit(base_url).port or 80
        try:
            bodies = recorded_requests(folder, port, base_url, args.model, args.in_flight)
            digest_walls, digest_cpus, direct_walls = [], [], []
            for _ in range(args.rounds):
                wall, cpu, done = digest_run(folder, base_url, args.model, args.in_flight)
                digest_walls.append(wall)
                digest_cpus.append(cpu)
                direct_walls.append(direct_calls(base_url, bodies, args.in_flight))
        finally:
            if server is not None:
                server.stop()
    digest_best, direct_best = min(digest_walls), min(direct_walls)
    print(
        json.dumps(
            {
                "abstracts": args.abstracts,
                "requests": len(bodies),
                "in_flight": args.in_flight,
                "server": "llama-cpp-python (random-weight GGUF, 4 layers, width 256)"
                if server is not None
                else base_url,
                "digest_wall_s": round(digest_best, 2),
                "digest_cpu_s": round(min(digest_cpus), 2),
                "direct_wall_s": round(direct_best, 2),
                "ratio": round(digest_best / direct_best, 3),
                "walls": {"digest": [round(w, 2) for w in digest_walls], "direct": [round(w, 2) for w in direct_walls]},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
