"""Cost of the fake server against bare baselines, measured in the same run.

Targets (issue 3):

* **respx transport**: an openai SDK call (3.x, on httpx2) answered by the fake server
  in-process costs at most 1.3x the same SDK call over a bare ``httpx2.MockTransport``
  that returns a fixed, pre-rendered body -- non-stream, and a 40-chunk stream.
* **http transport**: an SDK call over loopback costs at most 1.3x the same call to a
  minimal stdlib ``ThreadingHTTPServer`` (keep-alive, ``TCP_NODELAY``) serving a fixed
  body; and the fake serves at least 1000 non-stream requests/s to 4 client threads
  (clients in another process, so they do not share the server's GIL).

Baselines and fake alternate in rounds, so both share the machine's noise; each figure
is the median of the rounds.

    unset PYTHONDONTWRITEBYTECODE; .venv/bin/python bench/bench_server.py [--calls 400] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import openai

from pytest_autoglm.server import FakeServer

TEXT = '<think>先打开微信，再找到搜索框</think>\n<answer>do(action="Launch", app="微信")'
PIECES = [TEXT[i * len(TEXT) // 40 : (i + 1) * len(TEXT) // 40] for i in range(40)]
MESSAGES = [{"role": "user", "content": "打开微信"}]
TARGET_RATIO = 1.3
TARGET_RPS = 1000


def sdk_call(client: openai.OpenAI, stream: bool) -> None:
    result = client.chat.completions.create(
        model="autoglm-phone-9b", messages=MESSAGES, stream=stream
    )
    if stream:
        for _ in result:
            pass


def per_call(fn: Callable[[], None], calls: int) -> float:
    for _ in range(20):  # warm-up
        fn()
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls


def fixed_bodies(server: FakeServer) -> dict[bool, bytes]:
    """What the fake sends for the benchmark request, captured once, for the baselines."""
    import httpx

    bodies = {}
    for stream in (False, True):
        body = {"model": "autoglm-phone-9b", "messages": MESSAGES, "stream": stream}
        bodies[stream] = httpx.post(f"{server.base_url}/chat/completions", json=body).content
    return bodies


def mock_transport_client(body: bytes, stream: bool) -> openai.OpenAI:
    ctype = "text/event-stream; charset=utf-8" if stream else "application/json"

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": ctype}, content=body)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return openai.OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY", http_client=http)


class _Fixed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""
    ctype = "application/json"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", self.ctype)
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def stdlib_server(body: bytes) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (_Fixed,), {"body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


LOAD = textwrap.dedent("""
    import json, sys, threading, time, httpx
    url, seconds = sys.argv[1], float(sys.argv[2])
    body = {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": "hi"}]}
    counts = [0] * 4
    def work(i):
        with httpx.Client() as c:
            c.post(url, json=body)
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                assert c.post(url, json=body).status_code == 200
                counts[i] += 1
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    [t.start() for t in threads]; [t.join() for t in threads]
    print(json.dumps(sum(counts) / seconds))
""")


def throughput(url: str, seconds: float) -> float:
    out = subprocess.run([sys.executable, "-c", LOAD, url, str(seconds)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}

    def record(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    with FakeServer(export_env=False) as fake:
        fake.reply(TEXT, chunks=PIECES, reusable=True)
        bodies = fixed_bodies(fake)
        client = openai.OpenAI(base_url=fake.base_url, api_key="EMPTY")
        baselines = {s: mock_transport_client(bodies[s], s) for s in (False, True)}
        for _ in range(args.rounds):
            for stream in (False, True):
                label = "stream40" if stream else "whole"
                record(
                    f"mock {label}",
                    per_call(lambda s=stream: sdk_call(baselines[s], s), args.calls),
                )
                record(f"respx {label}", per_call(lambda s=stream: sdk_call(client, s), args.calls))
        fake._script.clear()

    with FakeServer(transport="http", export_env=False) as fake:
        fake.reply(TEXT, reusable=True)
        stdlib, stdlib_url = stdlib_server(fixed_bodies(fake)[False])
        fake_client = openai.OpenAI(base_url=fake.base_url, api_key="EMPTY")
        std_client = openai.OpenAI(base_url=stdlib_url, api_key="EMPTY")
        for _ in range(args.rounds):
            record(
                "stdlib http whole", per_call(lambda: sdk_call(std_client, False), args.calls // 2)
            )
            record(
                "fake http whole", per_call(lambda: sdk_call(fake_client, False), args.calls // 2)
            )
        for _ in range(3):
            record("stdlib rps 4 threads", throughput(f"{stdlib_url}/chat/completions", 2.0))
            record("fake rps 4 threads", throughput(f"{fake.base_url}/chat/completions", 2.0))
        stdlib.shutdown()
        fake._script.clear()

    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"python {sys.version.split()[0]}, openai {openai.__version__}, httpx2 {httpx2.__version__}"
    )
    print(f"{'measure':28} {'median':>12}")
    for name, value in med.items():
        unit = "req/s" if "rps" in name else "us/call"
        shown = value if "rps" in name else value * 1e6
        print(f"{name:28} {shown:12.1f} {unit}")
    print()
    checks = [
        ("respx/mock, non-stream", med["respx whole"] / med["mock whole"], TARGET_RATIO),
        ("respx/mock, 40-chunk stream", med["respx stream40"] / med["mock stream40"], TARGET_RATIO),
        ("http/stdlib, SDK call", med["fake http whole"] / med["stdlib http whole"], TARGET_RATIO),
        (
            "stdlib/http throughput",
            med["stdlib rps 4 threads"] / med["fake rps 4 threads"],
            TARGET_RATIO,
        ),
    ]
    for name, ratio, target in checks:
        print(
            f"{name:30} {ratio:5.2f}x  (target <= {target}x)  {'ok' if ratio <= target else 'MISSED'}"
        )
    rps = med["fake rps 4 threads"]
    print(
        f"{'http throughput':30} {rps:7.0f} req/s (target >= {TARGET_RPS})  {'ok' if rps >= TARGET_RPS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
