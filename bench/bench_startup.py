"""Startup cost of the plugin: import time, and wall time added to a suite of 2000 trivial tests.

Targets (issue 2): under 30 ms to import ``pytest_autoglm.plugin`` (with its capability
modules), and at most 3% added wall time against the same suite run with
``-p no:autoglm``, measured in the same run, runs interleaved to share the machine's noise.

    unset PYTHONDONTWRITEBYTECODE; .venv/bin/python bench/bench_startup.py [--repeats 7] [--callgrind]

Wall time on a shared 2-core machine swings by more than the 3% being measured, so
``--callgrind`` also counts the instructions of one run of each configuration under
valgrind's callgrind: the same inputs give the same count, whatever else the machine does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT = (
    "import time, pytest\n"
    "t = time.perf_counter()\n"
    "import pytest_autoglm.plugin as p\n"
    "p.feature_modules()\n"
    "print(time.perf_counter() - t)\n"
)


def import_time(repeats: int) -> float:
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats)
    ]
    return statistics.median(runs)


def write_suite(root: Path, files: int = 20, per_file: int = 100) -> None:
    for f in range(files):
        body = "\n".join(f"def test_{f}_{i}():\n    assert {i} == {i}\n" for i in range(per_file))
        (root / f"test_trivial_{f}.py").write_text(body)
    (root / "pytest.ini").write_text("[pytest]\n")


def suite_time(root: Path, extra: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def instructions(root: Path, extra: list[str]) -> int:
    """Instructions executed by one pytest run of the suite, counted by callgrind."""
    out = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra,
        ],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"Collected : (\d+)", out.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{out.stderr[-2000:]}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    imp = import_time(max(args.repeats, 10))
    print(
        f"import pytest_autoglm.plugin (+ capability modules): {imp * 1000:.1f} ms (target < 30 ms)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_suite(root)
        suite_time(root, [])  # warm the bytecode cache for both configurations
        suite_time(root, ["-p", "no:autoglm"])
        with_plugin, without = [], []
        for _ in range(args.repeats):
            with_plugin.append(suite_time(root, []))
            without.append(suite_time(root, ["-p", "no:autoglm"]))
        if args.callgrind and shutil.which("valgrind"):
            counted = instructions(root, [])
            baseline = instructions(root, ["-p", "no:autoglm"])
            print(
                f"instructions, one run each: with plugin {counted / 1e9:.3f} G, "
                f"-p no:autoglm {baseline / 1e9:.3f} G, "
                f"added {(counted / baseline - 1) * 100:+.2f}% (target <= +3%)"
            )
    w, wo = statistics.median(with_plugin), statistics.median(without)
    print(
        f"2000 trivial tests, median of {args.repeats}: with plugin {w:.3f} s, -p no:autoglm {wo:.3f} s"
    )
    print(f"added wall time: {(w / wo - 1) * 100:+.1f}% (target <= +3%)")


if __name__ == "__main__":
    main()
