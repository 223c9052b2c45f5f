"""Startup cost of the plugin: import time, and wall time added to a suite of 2000 trivial tests.

Targets (issue 2): under 30 ms to import ``pytest_autoglm.plugin`` (with its capability
modules), and at most 3% added wall time against the same suite run with
``-p no:autoglm``, measured in the same run, runs interleaved to share the machine's noise.

    unset PYTHONDONTWRITEBYTECODE; .venv/bin/python bench/bench_startup.py [--repeats 7] \
        [--callgrind [--breakdown] [--gc-off]] [--no-wall]

Wall time on a shared 2-core machine swings by more than the 3% being measured, so
``--callgrind`` also counts the instructions of one run of each configuration under
valgrind's callgrind (``PYTHONHASHSEED=0``): the same inputs give the same count, whatever
else the machine does. It runs a suite of 200 and one of 2000 trivial tests, with the plugin
and with ``-p no:autoglm``, and splits what the plugin adds into a fixed part (per run) and
a per-test part (targets, issue 17: under 50 M fixed, under 1% per test; issue 13: at most
+3% on 2000 tests).

The garbage collector's full passes fall where allocation counts put them: a few thousand
more objects at start-up (the plugin's, a longer environment, another suite directory) can
move a full pass into or out of a run, about 5 M instructions in this process, so figures
with the collector on differ by several M between environments. ``--gc-off`` runs every
pytest with ``gc.disable()``: the plugin's own work, the same in every environment.
``--breakdown`` also blocks one capability plugin at a time
(``-p no:autoglm.<name>``) on the 2000-test suite, to show what each one costs per test.
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


#: ``python -c`` program: pytest with the garbage collector off (``--gc-off``)
GC_OFF_PYTEST = "import gc, sys; gc.disable(); import pytest; sys.exit(pytest.main(sys.argv[1:]))"


def instructions(root: Path, extra: list[str], gc_off: bool = False) -> int:
    """Instructions executed by one pytest run of the suite, counted by callgrind."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    start = ["-c", GC_OFF_PYTEST] if gc_off else ["-m", "pytest"]
    out = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, *start, "-q", "-p", "no:cacheprovider", *extra,
        ],
        cwd=root, capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    match = re.search(r"Collected : (\d+)", out.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{out.stderr[-2000:]}")
    return int(match.group(1))


def callgrind_report(
    small: Path, large: Path, sizes: tuple[int, int], breakdown: bool, gc_off: bool
) -> None:
    """Fixed and per-test instructions the plugin adds, from two suite sizes."""
    n_small, n_large = sizes
    off = ["-p", "no:autoglm"]
    on_small, off_small = instructions(small, [], gc_off), instructions(small, off, gc_off)
    on_large, off_large = instructions(large, [], gc_off), instructions(large, off, gc_off)
    if gc_off:
        print("(garbage collector off in every run: the plugin's own work, without GC luck)")
    per_test = ((on_large - off_large) - (on_small - off_small)) / (n_large - n_small)
    fixed = (on_small - off_small) - per_test * n_small
    baseline_per_test = (off_large - off_small) / (n_large - n_small)
    print(
        f"instructions, {n_large} tests: with plugin {on_large / 1e9:.3f} G, "
        f"-p no:autoglm {off_large / 1e9:.3f} G, "
        f"added {(on_large / off_large - 1) * 100:+.2f}% (target <= +3%)"
    )
    print(
        f"  fixed: {fixed / 1e6:+.1f} M per run (target < 50 M); per test: {per_test / 1e3:+.1f} k "
        f"= {per_test / baseline_per_test * 100:+.2f}% of pytest's own "
        f"{baseline_per_test / 1e3:.0f} k per test (target < 1%)"
    )
    if not breakdown:
        return
    from pytest_autoglm._features import FEATURES

    for name in FEATURES:
        blocked = instructions(large, ["-p", f"no:autoglm.{name}"])
        print(
            f"  without autoglm.{name}: {(on_large - blocked) / n_large / 1e3:+.1f} k per test "
            "saved (fixed part included)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument(
        "--breakdown", action="store_true", help="with --callgrind: block each capability in turn"
    )
    parser.add_argument("--no-wall", action="store_true", help="skip the wall-time runs")
    parser.add_argument(
        "--gc-off",
        action="store_true",
        help="with --callgrind: run pytest with the garbage collector off (deterministic counts)",
    )
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    imp = import_time(max(args.repeats, 10))
    print(
        f"import pytest_autoglm.plugin (+ capability modules): {imp * 1000:.1f} ms (target < 30 ms)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "large"
        root.mkdir()
        write_suite(root)
        suite_time(root, [])  # warm the bytecode cache for both configurations
        suite_time(root, ["-p", "no:autoglm"])
        if args.callgrind and shutil.which("valgrind"):
            small = Path(tmp) / "small"
            small.mkdir()
            write_suite(small, files=2)
            suite_time(small, [])
            callgrind_report(small, root, (200, 2000), args.breakdown, args.gc_off)
        if args.no_wall:
            return
        with_plugin, without = [], []
        for _ in range(args.repeats):
            with_plugin.append(suite_time(root, []))
            without.append(suite_time(root, ["-p", "no:autoglm"]))
    w, wo = statistics.median(with_plugin), statistics.median(without)
    print(
        f"2000 trivial tests, median of {args.repeats}: with plugin {w:.3f} s, -p no:autoglm {wo:.3f} s"
    )
    print(f"added wall time: {(w / wo - 1) * 100:+.1f}% (target <= +3%)")


if __name__ == "__main__":
    main()
