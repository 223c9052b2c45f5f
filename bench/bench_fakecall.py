"""Instructions per openai SDK call: the fake server's respx transport against a bare MockTransport.

Issue 17 ("The fake per call"): an SDK call answered in-process by the fake server costs
at most 1.05x the same call answered by a bare ``httpx2.MockTransport`` that returns the
same bytes (captured from the fake once), non-stream and stream. Counted with valgrind's
callgrind (``PYTHONHASHSEED=0``): one process runs every variant in turn and callgrind
dumps its counters at each phase boundary (``--dump-before=getppid``; the script calls
``os.getppid()`` as the marker), so every figure comes from the same run and is exact
whatever the machine's load.

    unset PYTHONDONTWRITEBYTECODE; .venv/bin/python bench/bench_fakecall.py [--calls 200]
    .venv/bin/python bench/bench_fakecall.py --wall      # no valgrind: wall time, interleaved
    .venv/bin/python bench/bench_fakecall.py --profile   # cProfile of the fake's core per call

``--prompt screenshot`` sends a phone_agent-sized request (a 1080x2400 PNG and a long
system prompt) instead of one short user message.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from _callgrind import mark, phases

TARGET = 1.05
TEXT = '<think>先打开微信，再找到搜索框</think>\n<answer>do(action="Launch", app="微信")'


def messages(prompt: str) -> list[dict[str, Any]]:
    if prompt == "short":
        return [{"role": "user", "content": "打开微信"}]
    from pytest_autoglm.conformance._requests import screenshot_url

    url = screenshot_url(1080, 2400)
    system = "You are a phone agent. " * 200
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": [
            {"type": "text", "text": "打开微信\n** Screen Info **\n{\"current_app\": \"System Home\"}"},
            {"type": "image_url", "image_url": {"url": url}},
        ]},
    ]  # fmt: skip


WARM = 20


def build(prompt: str, calls: int) -> tuple[dict[str, Callable[[], None]], Callable[[], None]]:
    """The call of each variant (``WARM + calls`` of them each), and the stop of the fakes.

    Each fake variant has its own server; its bare twin replays, call by call, the bytes a
    server scripted the same way sent for the same call (a stream's chunking and the
    completion id change from call to call, with the seed), so both sides parse the same.
    """
    import httpx2
    import openai

    from pytest_autoglm.server import FakeServer

    msgs = messages(prompt)

    def server(port: int) -> FakeServer:
        fake = FakeServer(base_url=f"http://localhost:{port}/v1", export_env=False,
                          max_model_len=10**6).start()  # fmt: skip
        fake.reply(TEXT, reusable=True)
        return fake

    def sdk(c: openai.OpenAI, stream: bool) -> Callable[[], None]:
        def call() -> None:
            result = c.chat.completions.create(
                model="autoglm-phone-9b", messages=msgs, stream=stream
            )  # type: ignore[call-overload]
            if stream:
                for _ in result:
                    pass

        return call

    def bare(stream: bool) -> openai.OpenAI:
        recorder = server(8100)
        answers = []
        for _ in range(WARM + calls):
            sent = httpx2.post(
                f"{recorder.base_url}/chat/completions",
                json={"model": "autoglm-phone-9b", "messages": msgs, "stream": stream},
            )
            headers = [(k, v) for k, v in sent.headers.items() if k != "content-length"]
            answers.append((headers, sent.content))
        recorder.stop()
        replay = iter(answers)

        def handler(request: httpx2.Request) -> httpx2.Response:
            request.read()
            headers, body = next(replay)
            return httpx2.Response(200, headers=headers, content=body)

        http = httpx2.Client(transport=httpx2.MockTransport(handler))
        return openai.OpenAI(base_url=recorder.base_url, api_key="EMPTY", http_client=http)

    def fake(stream: bool) -> Callable[[], None]:
        started = server(8001 + stream)
        fakes.append(started)
        http = httpx2.Client()
        return sdk(openai.OpenAI(base_url=started.base_url, api_key="EMPTY", http_client=http),
                   stream)  # fmt: skip

    fakes: list[FakeServer] = []
    variants = {
        "bare non-stream": sdk(bare(False), False),
        "fake non-stream": fake(False),
        "bare stream": sdk(bare(True), True),
        "fake stream": fake(True),
    }

    def stop() -> None:
        for started in fakes:
            started.stop()

    return variants, stop


def child(calls: int, prompt: str) -> None:
    """Runs under callgrind: each phase ends with a :func:`mark` (a counter dump)."""
    variants, stop = build(prompt, calls)
    for call in variants.values():  # warm every path (imports, caches, pools)
        for _ in range(WARM):
            call()
    labels = ["setup"]
    mark()
    for name, call in variants.items():
        gc.collect()
        labels.append("gap")
        mark()
        for _ in range(calls):
            call()
        labels.append(name)
        mark()
    stop()
    print("\n".join(labels))


def callgrind(calls: int, prompt: str) -> dict[str, float]:
    argv = [sys.executable, __file__, "--child", "--calls", str(calls), "--prompt", prompt]
    counts = phases(argv, 1 + 2 * 4)
    return {label: total / calls for label, total in counts.items()}


def wall(calls: int, prompt: str, rounds: int = 7) -> dict[str, float]:
    variants, stop = build(prompt, calls * rounds)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for call in variants.values():
        for _ in range(WARM):
            call()
    for _ in range(rounds):
        for name, call in variants.items():
            start = time.perf_counter()
            for _ in range(calls):
                call()
            times[name].append((time.perf_counter() - start) / calls)
    stop()
    return {name: sorted(t)[len(t) // 2] for name, t in times.items()}


def _profiled(call: Callable[[], None], calls: int) -> Any:
    """A cProfile of ``Core.handle`` over ``calls`` calls."""
    import cProfile

    from pytest_autoglm.server import _core

    prof = cProfile.Profile()
    handle = _core.Core.handle

    def traced(self: Any, request: Any) -> Any:
        prof.enable()
        try:
            return handle(self, request)
        finally:
            prof.disable()

    _core.Core.handle = traced  # type: ignore[method-assign]
    try:
        for _ in range(calls):
            call()
    finally:
        _core.Core.handle = handle  # type: ignore[method-assign]
    return prof


def profile(calls: int, prompt: str) -> None:
    import pstats

    variants, stop = build(prompt, calls)
    for name in ("fake non-stream", "fake stream"):
        for _ in range(WARM):
            variants[name]()
        print(f"== {name}: Core.handle")
        pstats.Stats(_profiled(variants[name], calls)).sort_stats("cumulative").print_stats(25)
    stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--prompt", choices=("short", "screenshot"), default="short")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--wall", action="store_true", help="wall time instead of callgrind")
    parser.add_argument("--profile", action="store_true", help="cProfile of Core.handle")
    args = parser.parse_args()
    if args.child or args.profile:
        (child if args.child else profile)(args.calls, args.prompt)
        return
    import httpx2
    import openai

    unit = "us/call" if args.wall else "instructions/call"
    figures = (wall if args.wall else callgrind)(args.calls, args.prompt)
    print(f"python {sys.version.split()[0]}, openai {openai.__version__}, "
          f"httpx2 {httpx2.__version__}; prompt={args.prompt}, {args.calls} calls per variant")  # fmt: skip
    for name, value in figures.items():
        shown = value * 1e6 if args.wall else value
        print(f"  {name:18} {shown:14,.1f} {unit}")
    for kind in ("non-stream", "stream"):
        ratio = figures[f"fake {kind}"] / figures[f"bare {kind}"]
        verdict = "ok" if ratio <= TARGET else "over"
        print(f"  fake/bare {kind:11} {ratio:.3f}x  (goal <= {TARGET}x: {verdict})")


if __name__ == "__main__":
    main()
