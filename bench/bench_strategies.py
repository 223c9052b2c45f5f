"""Examples generated per second by pytest_autoglm.strategies, against hypothesis's own floor.

Each figure is a real ``@given`` run, timed in CPU seconds of this process (generate phase only, no database, no deadline), so it
includes hypothesis's per-example engine cost, which no strategy can go below; the
baseline ``st.none()`` measured in the same run is that floor. Target (issue 5): at least
500 valid chat requests per second, PNG screenshot included, so that a 200-example
property test spends well under a second generating.

Issue 17: ``model_outputs()`` at least 1.0x a hand-written ``st.tuples(...).map(...)`` of
the same shape (the same actions, styles, thoughts and endings, rendered by
``render_reply``; no marker filter), measured in interleaved rounds of the same run.

    .venv/bin/python bench/bench_strategies.py [--examples N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

TARGET_REQUESTS_PER_S = 500.0


def rate(strategy: SearchStrategy[Any], examples: int, rounds: int) -> float:
    """Best examples/s of ``rounds`` runs of a do-nothing property over ``strategy``."""

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate])
    @given(strategy)
    def consume(value: Any) -> None:
        pass

    best = 0.0
    for _ in range(rounds):
        # CPU time of this process: other jobs on a shared runner do not count against us.
        start = time.process_time()
        consume()
        best = max(best, examples / (time.process_time() - start))
    return best


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_cost(code: str, rounds: int = 5) -> float:
    """Best CPU time (s) of ``python -c code`` in a fresh interpreter."""
    best = float("inf")
    for _ in range(rounds):
        start = _children_cpu()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, _children_cpu() - start)
    return best


def tuples_floor() -> SearchStrategy[str]:
    """``model_outputs()``'s shape written by hand from primitives: its floor."""
    from pytest_autoglm import strategies as gst
    from pytest_autoglm.protocol import render_reply

    thoughts = (
        "", "当前在系统桌面，需要先打开微信。", "I can see the search box at the top; tap it first.",
        "页面还在加载，等待一下。", "任务已完成。", 'The user wants "cheap" flights — compare prices.',
        "<answer> looks odd here </think>", "检查\\n转义与\n换行",
    )  # fmt: skip
    free = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
    return st.tuples(
        gst.actions(), st.sampled_from(("open", "bare")),
        st.one_of(st.sampled_from(thoughts), free), st.sampled_from(("", "\n")),
    ).map(lambda t: render_reply(t[0], thinking=t[2], style=t[1]) + t[3])  # fmt: skip


def outputs_against_floor(examples: int, rounds: int) -> tuple[float, float]:
    """Best rates of ``model_outputs()`` and its floor, measured in alternating rounds."""
    from pytest_autoglm import strategies as gst

    best = [0.0, 0.0]
    strategies = (gst.model_outputs(), tuples_floor())
    for _ in range(rounds):
        for i, strategy in enumerate(strategies):
            best[i] = max(best[i], rate(strategy, examples, 1))
    return best[0], best[1]


def outputs_child(examples: int) -> None:
    """Runs under callgrind: ``examples`` derandomized examples of each, a phase apiece."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _callgrind import mark

    from pytest_autoglm import strategies as gst

    labels = ["setup"]
    mark()
    for name, strategy in (("floor", tuples_floor()), ("model_outputs", gst.model_outputs())):

        @settings(max_examples=examples, deadline=None, database=None,
                  phases=[Phase.generate], derandomize=True)  # fmt: skip
        @given(strategy)
        def consume(value: Any) -> None:
            pass

        consume()  # warm: the strategy's first use validates and caches
        labels.append("gap")
        mark()
        consume()
        labels.append(name)
        mark()
    print("\n".join(labels))


def print_outputs_callgrind(examples: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from _callgrind import phases

    counts = phases([sys.executable, __file__, "--outputs-child", str(examples)], 5)
    floor, outputs = counts["floor"] / examples, counts["model_outputs"] / examples
    print(f"instructions per example (callgrind, derandomized, {examples} examples): "
          f"model_outputs() {outputs:,.0f}, st.tuples floor {floor:,.0f}: model_outputs is "
          f"{floor / outputs:.2f}x the floor's rate (target >= 1.0x)")  # fmt: skip


def print_outputs_against_floor(examples: int, rounds: int) -> None:
    outputs, floor_rate = outputs_against_floor(examples, max(rounds, 4))
    ratio = outputs / floor_rate
    print(
        f"model_outputs() {outputs:.0f}/s vs hand-written st.tuples(...).map(...) "
        f"{floor_rate:.0f}/s: {ratio:.2f}x (target >= 1.0x: {'MET' if ratio >= 1.0 else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--outputs-only", action="store_true",
                        help="only model_outputs() against its st.tuples floor")  # fmt: skip
    parser.add_argument("--callgrind", action="store_true",
                        help="with --outputs-only: instructions per example (exact)")  # fmt: skip
    parser.add_argument("--outputs-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n, r = args.examples, args.rounds
    if args.outputs_child is not None:
        outputs_child(args.outputs_child)
        return
    if args.outputs_only:
        if args.callgrind:
            print_outputs_callgrind(min(n, 300))
        print_outputs_against_floor(n, r)
        return

    from pytest_autoglm import strategies as gst

    cases: list[tuple[str, Callable[[], SearchStrategy[Any]]]] = [
        ("baseline st.integers() (hypothesis floor)", st.integers),
        ("baseline st.text(max_size=400)", lambda: st.text(max_size=400)),
        ("screenshots(as_data_url=True)", lambda: gst.screenshots(as_data_url=True)),
        ("prompts()", gst.prompts),
        ("conversations()", gst.conversations),
        ("chat_requests()", gst.chat_requests),
        ("chat_requests(valid=False)", lambda: gst.chat_requests(valid=False)),
        ("actions()", gst.actions),
        ("model_outputs()", gst.model_outputs),
        ("model_outputs(well_formed=False)", lambda: gst.model_outputs(well_formed=False)),
    ]
    results: dict[str, float] = {}
    print(
        f"examples per CPU second, best of {r} runs of {n} examples "
        f"(python {sys.version.split()[0]})"
    )
    for name, make in cases:
        results[name] = rate(make(), n, r)
    floor = results["baseline st.integers() (hypothesis floor)"]
    width = max(map(len, results))
    for name, value in results.items():
        extra = max(0.0, 1e3 / value - 1e3 / floor)
        print(
            f"  {name:<{width}}  {value:8.0f}/s  {value / floor:5.2f}x floor"
            f"  (+{extra:.2f} ms/example over the floor)"
        )
    requests = results["chat_requests()"]
    verdict = "MET" if requests >= TARGET_REQUESTS_PER_S else "MISSED"
    print(
        f"target: chat_requests() >= {TARGET_REQUESTS_PER_S:.0f}/s: {verdict} "
        f"({requests:.0f}/s; a 200-example test spends {200 / requests:.2f} s generating)"
    )

    print_outputs_against_floor(n, r)

    plain = "import pytest_autoglm.plugin as p; p.feature_modules()"
    with_hypothesis = plain + "; import hypothesis"
    strategies = "import pytest_autoglm.strategies"
    costs = {name: import_cost(code) for name, code in (
        ("plugin load", plain),
        ("plugin load + import hypothesis", with_hypothesis),
        ("import pytest_autoglm.strategies", strategies),
    )}  # fmt: skip
    print("startup, CPU time of a fresh interpreter (best of 5):")
    for name, seconds in costs.items():
        print(
            f"  {name:<34} {seconds * 1e3:7.1f} ms  {seconds / costs['plugin load']:5.2f}x plugin load"
        )
    print(json.dumps({"examples_per_s": {k: round(v) for k, v in results.items()}}))


if __name__ == "__main__":
    main()
