"""A real vLLM (CPU build, tiny model) next to the fake: start-up, stop, per-request latency.

Prints, for ``--starts`` cycles (default 5; fewer when time is short, and the output says
how many ran): start-to-ready seconds and stop seconds of ``autoglm_model_server``'s
launcher on a ``write_tiny_model`` folder, median and each value. Then the same request
(``"Hi"``, ``max_tokens=5``, non-stream, through the openai SDK) ``--calls`` times against
the real server and the fake (http transport, version 0.32.0), alternating, with the
median of each and their ratio. Needs vLLM (``AUTOGLM_VLLM_VENV`` or ``./dev vllm``).

    AUTOGLM_VLLM_VENV=/work/venvs/vllm .venv/bin/python bench/bench_realserver.py [--starts 5] [--calls 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pytest_autoglm.models import write_tiny_model
from pytest_autoglm.realserver import ModelServer, parse_spec, start_server
from pytest_autoglm.realserver._spec import missing_module, server_python


def _call(client: object, model: str) -> float:
    started = time.perf_counter()
    client.chat.completions.create(  # type: ignore[attr-defined]
        model=model, max_tokens=5, messages=[{"role": "user", "content": "Hi"}]
    )
    return time.perf_counter() - started


def _latency(
    server: ModelServer, calls: int, real_times: list[float], fake_times: list[float]
) -> None:
    """The same request to the real server and to the fake (http transport), alternating."""
    import openai

    from pytest_autoglm.server import FakeServer
    from pytest_autoglm.server._fidelity._run import fake_config

    host = server.root.removeprefix("http://")  # the fake's host guard lets this one through
    real = openai.OpenAI(base_url=server.base_url, api_key="EMPTY", max_retries=0)
    with FakeServer(fake_config().with_(api_key="EMPTY", allow_hosts=(host,))) as fake:
        fake.reply("x" * 64, reusable=True)
        faked = openai.OpenAI(base_url=fake.base_url, api_key="EMPTY", max_retries=0)
        _call(real, server.model)
        _call(faked, fake.model)
        for _ in range(calls):
            real_times.append(_call(real, server.model))
            fake_times.append(_call(faked, fake.model))
        faked.close()
    real.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    python = server_python("vllm", Path.cwd())
    if missing_module(python, "vllm"):
        print(f"skipped: no vLLM in {python} (set AUTOGLM_VLLM_VENV or run ./dev vllm)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="autoglm-bench-"))
    spec = parse_spec(f"vllm:{write_tiny_model(work / 'tiny')}", python)
    ready: list[float] = []
    stops: list[float] = []
    latency_real: list[float] = []
    latency_fake: list[float] = []
    for cycle in range(args.starts):
        started = time.perf_counter()
        server = start_server(
            spec, work / f"vllm-{cycle}.log", timeout=1500, progress=lambda _: None
        )
        ready.append(time.perf_counter() - started)
        try:
            if cycle == 0:  # latency, real and fake alternating, on the first server
                _latency(server, args.calls, latency_real, latency_fake)
        finally:
            started = time.perf_counter()
            server.stop()
            stops.append(time.perf_counter() - started)
        print(f"cycle {cycle + 1}: ready {ready[-1]:.1f} s, stop {stops[-1]:.1f} s", flush=True)
    print(f"vLLM start-to-ready: median {statistics.median(ready):.1f} s over {len(ready)} start(s) "
          f"({', '.join(f'{s:.1f}' for s in ready)})")  # fmt: skip
    print(f"vLLM stop: median {statistics.median(stops):.2f} s over {len(stops)} stop(s)")
    real_ms = statistics.median(latency_real) * 1000
    fake_ms = statistics.median(latency_fake) * 1000
    print(f"per request (Hi, max_tokens=5, openai SDK, {args.calls} calls each): real vLLM "
          f"{real_ms:.1f} ms, fake {fake_ms:.1f} ms; real/fake = {real_ms / fake_ms:.1f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
