"""Time to first event through the recording/live proxy, against the server directly.

The proxy (``--autoglm-base-url`` with a cassette, here in live mode) hands a stream on as
the live server sends it. Figures, medians of the rounds, each round measuring both ways:

* **first event**: seconds from the request to the first ``data:`` line the client reads;
* **whole stream**: seconds to the end of the stream;
* **first/whole**: how early the first event arrives. A proxy that waited for the whole
  answer would print about 1.00 here; direct access prints the server's own ratio.

The live server is a fake on loopback that paces its reply (``slow(ttft, inter_chunk)``),
or a real one given with ``--url`` (e.g. a CPU vLLM: ``http://127.0.0.1:8000/v1``).

    .venv/bin/python bench/bench_passthrough.py [--url URL] [--rounds 5] [--max-tokens 64]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from pytest_autoglm.cassettes import CassetteSession, Upstream
from pytest_autoglm.server import FakeServer


def timed_stream(client: httpx.Client, base_url: str, max_tokens: int) -> tuple[float, float]:
    body = {"model": "autoglm-phone-9b", "stream": True, "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": "Describe the screen"}]}  # fmt: skip
    start = time.perf_counter()
    first = None
    with client.stream("POST", base_url + "/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and first is None:
                first = time.perf_counter() - start
    whole = time.perf_counter() - start
    return (first if first is not None else whole), whole


@contextmanager
def live_server(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url.rstrip("/")
        return
    with FakeServer(transport="http", export_env=False, strict=False) as fake:
        fake.slow(ttft=0.05, inter_chunk=0.01, reusable=True)
        fake.reply("The settings icon is at the top of the home screen. " * 4, reusable=True)
        yield fake.base_url


@contextmanager
def proxy(upstream: str, transport: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder, FakeServer(
        transport=transport, export_env=False, strict=False, base_url="http://localhost:8123/v1"
    ) as fake:  # fmt: skip
        fake.use_cassette(CassetteSession(Path(folder) / "bench.jsonl", "none",
                                          upstream=Upstream(upstream), redact=str))  # fmt: skip
        yield fake.base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a live server (default: a paced fake on loopback)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    with live_server(args.url) as upstream:
        print(f"live server: {args.url or 'fake on loopback, ttft 0.05 s, 0.01 s per chunk'}")
        print(f"{'path':<24}{'first event':>14}{'whole stream':>15}{'first/whole':>13}")
        for name, transport in (("direct", None), ("proxy (respx)", "respx"),
                                ("proxy (http)", "http")):  # fmt: skip
            firsts, wholes = [], []
            for _ in range(args.rounds):
                with httpx.Client(timeout=600) as client:
                    if transport is None:
                        first, whole = timed_stream(client, upstream, args.max_tokens)
                    else:
                        with proxy(upstream, transport) as via:
                            first, whole = timed_stream(client, via, args.max_tokens)
                firsts.append(first)
                wholes.append(whole)
            first, whole = statistics.median(firsts), statistics.median(wholes)
            print(f"{name:<24}{first:>12.3f} s{whole:>13.3f} s{first / whole:>13.2f}")


if __name__ == "__main__":
    main()
