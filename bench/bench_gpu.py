"""How long the GPU inventory read takes when there is no GPU (target: <= 5 ms).

Run: ``env -u PYTHONDONTWRITEBYTECODE .venv/bin/python bench/bench_gpu.py``

Each cold figure is the median over fresh interpreters, measured inside the interpreter
(so process start-up is excluded) after ``import pytest`` (a pytest session has it).
Baselines measured the same way in the same run: ``import pynvml`` alone (what a naive
read would pay before it can even fail) and an empty function call.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = 21
PRELUDE = "import time, pytest\n"
SNIPPETS = {
    # the plugin modules are loaded at startup; the first read is what a session pays
    "first read after plugin load": (
        "import pytest_autoglm.plugin as p; p.feature_modules()\n"
        "from pytest_autoglm.gpu import read_inventory\n"
        "t = time.perf_counter(); inv = read_inventory()\n"
        "d = time.perf_counter() - t\n"
    ),
    "import pytest_autoglm.gpu + first read": (
        "t = time.perf_counter()\n"
        "from pytest_autoglm.gpu import read_inventory; inv = read_inventory()\n"
        "d = time.perf_counter() - t\n"
    ),
    "baseline: import pynvml alone": (
        "t = time.perf_counter(); import pynvml; d = time.perf_counter() - t\ninv = None\n"
    ),
    "baseline: empty function call": (
        "def f(): pass\nt = time.perf_counter(); f(); d = time.perf_counter() - t\ninv = None\n"
    ),
}


def cold(snippet: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    code = PRELUDE + snippet + "print(d, getattr(inv, 'reason', '-'))\n"
    times, reason = [], ""
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout.split(maxsplit=1)
        times.append(float(out[0]))
        reason = out[1].strip()
    return statistics.median(times), reason


def warm(calls: int = 20_000) -> tuple[float, float]:
    from pytest_autoglm.gpu import read_inventory

    def empty() -> None:
        pass

    read_inventory(visible_devices=None)
    start = time.perf_counter()
    for _ in range(calls):
        read_inventory(visible_devices=None)
    per_read = (time.perf_counter() - start) / calls
    start = time.perf_counter()
    for _ in range(calls):
        empty()
    per_empty = (time.perf_counter() - start) / calls
    return per_read, per_empty


def main() -> None:
    results = {name: cold(snippet) for name, snippet in SNIPPETS.items()}
    first, reason = results["first read after plugin load"]
    if reason != "NVML library not found":
        print(f"note: this machine is not the no-GPU case (reason: {reason!r})")
    print(f"cold, median of {RUNS} fresh interpreters (inventory reason: {reason!r}):")
    for name, (seconds, _) in results.items():
        print(f"  {name:<40} {seconds * 1e3:8.3f} ms")
    pynvml_import = results["baseline: import pynvml alone"][0]
    empty_call = results["baseline: empty function call"][0]
    print(f"  ratio first read / import pynvml alone:  {first / pynvml_import:8.3f}")
    print(f"  ratio first read / empty function call:  {first / empty_call:8.0f}")
    verdict = "met" if first <= 0.005 else "MISSED"
    print(f"  target first read <= 5 ms: {verdict}")
    per_read, per_empty = warm()
    print("warm, in-process, 20000 calls:")
    print(f"  read_inventory()                        {per_read * 1e6:8.2f} us/call")
    print(f"  empty function call                     {per_empty * 1e6:8.3f} us/call")
    print(f"  ratio                                   {per_read / per_empty:8.0f}")


if __name__ == "__main__":
    main()
