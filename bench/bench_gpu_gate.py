"""CPU time a GPU-gated test adds over the same test unmarked (issue 17: +418 us with 8 GPUs).

Run: ``env -u PYTHONDONTWRITEBYTECODE .venv/bin/python bench/bench_gpu_gate.py [--tests 1000]``

Two suites of the same trivial tests, one marked ``autoglm_gpu(count=2, memory="24 GiB",
capability=">=8.0")``, both run with ``--autoglm-gpu`` on 8 simulated H100s, interleaved;
the child processes' CPU time (user + system) is compared, so a loaded machine's waiting
does not count. Prints the added CPU time per gated test and the ratio of the two runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GPUS = "8x NVIDIA H100 80GB HBM3: memory=79.6GiB, capability=9.0; driver=580.159.04"
MARK = '@pytest.mark.autoglm_gpu(count=2, memory="24 GiB", capability=">=8.0")\n'


def write(root: Path, tests: int, marked: bool) -> None:
    body = "import pytest\n\n" + "".join(
        f"{MARK if marked else ''}def test_{i}():\n    assert {i} == {i}\n\n" for i in range(tests)
    )
    (root / "test_gated.py").write_text(body)
    (root / "pytest.ini").write_text("[pytest]\n")


def cpu_seconds(root: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--autoglm-gpu", "--autoglm-simulate-gpus", GPUS],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        gated, plain = Path(tmp) / "gated", Path(tmp) / "plain"
        gated.mkdir()
        plain.mkdir()
        write(gated, args.tests, marked=True)
        write(plain, args.tests, marked=False)
        cpu_seconds(gated), cpu_seconds(plain)  # warm the bytecode caches
        with_gate, without = [], []
        for _ in range(args.repeats):
            with_gate.append(cpu_seconds(gated))
            without.append(cpu_seconds(plain))
    g, p = statistics.median(with_gate), statistics.median(without)
    print(
        f"{args.tests} tests, 8 simulated GPUs, median CPU of {args.repeats}: "
        f"gated {g:.3f} s, unmarked {p:.3f} s (ratio {g / p:.3f})"
    )
    print(f"added CPU per GPU-gated test: {(g - p) / args.tests * 1e6:+.0f} us (was +418 us)")


if __name__ == "__main__":
    main()
