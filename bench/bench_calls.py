"""Cost of the fake server's call records: reads after many calls, memory per record, backoff.

Calls go through the server's core directly (no HTTP stack), so the figures are the
records' own. Reads are timed after ``--calls`` calls (100 000 by default, every record
kept: ``max_calls=None``); memory per record is tracemalloc's growth over 200 calls of a
phone_agent step (its system prompt and a 1080x2400 screenshot of about 1.2 MB base64).
Goals (issue 17): ``calls.last`` O(1) (within a few times respx's ``calls.last``, a list
index), views that do not copy, bounded memory; ``assert_backoff`` on 10 000 calls passes
fast and fails with a message cut to a few KiB.

    .venv/bin/python bench/bench_calls.py [--calls 100000]
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

from pytest_autoglm.server import FakeServer, ServerConfig
from pytest_autoglm.server._core import Request

PROMPT = "你是一个智能体分析专家，可以根据操作历史和当前状态图执行一系列操作来完成任务。" * 40
HEADERS = {
    "content-type": "application/json", "authorization": "Bearer EMPTY",
    "user-agent": "OpenAI/Python 2.9.0", "x-stainless-retry-count": "0",
    "x-stainless-lang": "python", "x-stainless-os": "Linux", "x-stainless-arch": "x64",
    "x-stainless-runtime": "CPython", "x-stainless-runtime-version": "3.11.7",
    "x-stainless-package-version": "2.9.0", "x-stainless-async": "false",
    "accept": "application/json", "accept-encoding": "gzip, deflate", "host": "localhost:8000",
}  # fmt: skip


def screenshot(width: int = 1080, height: int = 2400, size: int = 900_000) -> str:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
           + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + bytes(range(256)) * (size // 256))  # fmt: skip
    return "data:image/png;base64," + base64.b64encode(png).decode()


def body(image: str | None) -> bytes:
    content: Any = "打开微信"
    if image is not None:
        content = [{"type": "image_url", "image_url": {"url": image}},
                   {"type": "text", "text": '打开微信\n\n{"current_app": "System Home"}'}]  # fmt: skip
    messages = [{"role": "system", "content": PROMPT}, {"role": "user", "content": content}]
    payload = {"model": "autoglm-phone-9b", "messages": messages}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()  # as httpx


def server(**extra: Any) -> FakeServer:
    fields = {f.name for f in dataclasses.fields(ServerConfig)}
    options = {k: v for k, v in extra.items() if k in fields}
    fake = FakeServer(export_env=False, max_images=10, **options)
    fake.reply("ok", reusable=True)
    return fake


def timed(fn: Callable[[], Any], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()

    fake = server(max_calls=None)
    request = Request("POST", "/v1/chat/completions", HEADERS, body(None), "respx")
    started = time.perf_counter()
    for _ in range(args.calls):
        fake._core.handle(request)
    per_call = (time.perf_counter() - started) / args.calls
    calls = fake.calls
    respx_like = list(calls)
    figures = {
        "calls.last": timed(lambda: calls.last),
        "list[-1] (respx calls.last)": timed(lambda: respx_like[-1]),
        "calls.chat": timed(lambda: calls.chat),
        "len(calls.chat)": timed(lambda: len(calls.chat)),
        "calls.describe()": timed(calls.describe, 3),
        "teardown statistics": timed(
            getattr(calls, "tally", lambda: sum(1 for c in calls if c.status and c.status >= 400)),
            3,
        ),
    }
    print(f"after {args.calls} calls ({per_call * 1e6:.1f} us per core.handle):")
    for name, seconds in figures.items():
        print(f"  {name:34} {seconds * 1e6:12.2f} us")
    print(
        f"  calls.last / list[-1]: {figures['calls.last'] / figures['list[-1] (respx calls.last)']:.1f}x"
    )

    retries = 10_000
    backoff = server(max_calls=None)
    now = [0.0]
    backoff._core.clock = lambda: now[0]
    for _ in range(retries):
        backoff._core.handle(request)
        now[0] += 1.0
    seconds = timed(lambda: _try(lambda: backoff.calls.assert_backoff(
        initial=1.0, factor=1.0, max_retries=retries, tolerance=0.5)), 3)  # fmt: skip
    print(f"assert_backoff on {retries} calls, passing: {seconds * 1e3:.1f} ms")
    message = _try(lambda: backoff.calls.assert_backoff(initial=2.0, max_retries=retries))
    print(f"assert_backoff on {retries} calls, failing: message of {len(message) / 1024:.1f} KiB"
          + (f" ({message})" if message.startswith("<") else ""))  # fmt: skip
    past = server(max_calls=None)
    for _ in range(1100):
        past._core.handle(request)
    print(
        f"assert_backoff past 1024 retries raises: {_kind(lambda: past.calls.assert_backoff(policy='openai', max_retries=5000))}"
    )

    image = screenshot()
    big = Request("POST", "/v1/chat/completions", HEADERS, body(image), "respx")
    for label, extra in (("screenshots summarised (default)", {}),
                         ("keep_bodies=True", {"keep_bodies": True})):  # fmt: skip
        fake = server(**extra)
        fake._core.handle(big)  # warm-up
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            fake._core.handle(big)
        grown = (tracemalloc.get_traced_memory()[0] - before) / 200
        tracemalloc.stop()
        print(f"memory per record, 1.2 MB screenshot, {label}: {grown / 1024:.1f} KiB")
        if "keep_bodies" not in {f.name for f in dataclasses.fields(ServerConfig)}:
            break


def _try(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except AssertionError as exc:
        return str(exc)
    except Exception as exc:  # the old OverflowError is a figure too
        return f"<{type(exc).__name__}>"
    return ""


def _kind(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except Exception as exc:
        return type(exc).__name__
    return "nothing"


if __name__ == "__main__":
    main()
