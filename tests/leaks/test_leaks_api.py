"""The code API: ``no_leak`` blocks, ``assert_no_leak`` calls, ``memory_limit``, on the corpus."""

from __future__ import annotations

import gc
import os
import re
import sys
from typing import Any

import leak_corpus as corpus
import pytest

from pytest_autoglm.leaks import (
    LeakError,
    MemoryLimitError,
    assert_no_leak,
    assert_no_leak_async,
    memory_limit,
    no_leak,
)
from pytest_autoglm.leaks._errors import LeakCheckUsageError

NATIVE_SOURCES = {"RSS", "C heap"}


@pytest.mark.parametrize("name", sorted(corpus.CLEAN))
def test_clean_workloads_pass(name: str) -> None:
    body = corpus.CLEAN[name]()
    with no_leak() as check:
        for _ in check:
            body()
    assert check.result is not None
    assert check.result.passed, check.result.table()


@pytest.mark.parametrize("name", sorted(corpus.LEAKS))
def test_leak_patterns_are_caught_by_the_right_source(name: str) -> None:
    factory, source = corpus.LEAKS[name]
    if name == "tensors_kept":
        pytest.importorskip("torch")
    with pytest.raises(LeakError) as caught:
        assert_no_leak(factory())
    labels = {s.label for s in caught.value.result.leaking}
    expected = NATIVE_SOURCES if source == "RSS" else {source}
    assert labels & expected, caught.value.result.table()
    assert re.match(r"leaked \d+(\.\d)? [KM]iB/round over 20 rounds \(", caught.value.summary)


def test_the_error_names_the_leaking_line() -> None:
    history: list[bytes] = []

    def agent_loop() -> None:
        with no_leak(rounds=10, warmup=2) as check:
            for _ in check:
                history.append(bytes(4096))  # the leaking line

    with pytest.raises(LeakError) as caught:
        agent_loop()
    text = str(caught.value)
    first, _, rest = text.partition("\n")
    assert first == caught.value.summary
    assert first.startswith("leaked 4.0 KiB/round over 10 rounds (Python heap)")
    assert "top growing allocation sites:" in rest
    assert "test_leaks_api.py:" in rest
    assert "history.append(bytes(4096))  # the leaking line" in rest


def test_what_each_round_replaces_is_not_named_as_a_leak_site() -> None:
    """Before: the attribution rounds restarted tracing and snapshotted at once, so the last
    round's reply (replaced every round, never growing) read as +12.8 KiB/round and headed
    the report, above the real 1 KiB/round leak."""
    history: list[bytes] = []
    state: dict[str, bytes] = {}

    def body() -> None:
        state["last reply"] = bytes(64 * 1024)  # replaced: not a leak
        history.append(bytes(1024))  # the leak

    with pytest.raises(LeakError) as caught:
        assert_no_leak(body, rounds=10, warmup=2, rss=None)
    sites = str(caught.value).partition("top growing allocation sites:")[2]
    assert "history.append(bytes(1024))" in sites
    assert "last reply" not in sites, sites


def test_the_fake_servers_call_record_is_the_kits_bookkeeping_not_a_leak() -> None:
    """The kit's fake server records every request (``server.calls``): a repeated body that
    calls it grows that record by design, which must not fail a clean test."""
    import pytest_autoglm.server

    recorded: list[bytes] = []
    server_dir = os.path.dirname(os.path.realpath(pytest_autoglm.server.__file__))
    stand_in = os.path.join(server_dir, "_calls_stand_in.py")  # a frame of the fake server
    namespace: dict[str, Any] = {}
    code = "def record(calls):\n    calls.append(bytes(4096))\n"
    exec(compile(code, stand_in, "exec"), namespace)
    with no_leak(rounds=10, warmup=2, rss=None) as check:
        for _ in check:
            namespace["record"](recorded)
    assert check.result is not None
    assert check.result.passed, check.result.table()
    assert "the fake server's call record" in check.result.table()


def test_growth_inside_a_library_is_summed_per_line_of_the_code_under_test() -> None:
    pytest.importorskip("httpx")
    with pytest.raises(LeakError) as caught:
        assert_no_leak(corpus.unclosed_clients())
    text = str(caught.value)
    by_line, _, sites = text.partition("top growing allocation sites:")
    assert "growth by line of the code under test:" in by_line
    first_line = by_line.splitlines()[2]
    assert re.match(
        r"  \+\d+(\.\d)? KiB/round through .*leak_corpus\.py:\d+: client = httpx", first_line
    )
    assert "<site-packages>/httpx/" in sites


def test_a_one_kib_leak_is_caught_within_thirty_rounds() -> None:
    with pytest.raises(LeakError, match=r"^leaked 1\.0 KiB/round over 25 rounds"):
        assert_no_leak(corpus.module_list_append(), rounds=25, warmup=5)


def test_a_leak_of_a_few_hundred_bytes_per_round_is_still_caught() -> None:
    """The second window (run when the first grew) must not let a steady small leak through."""
    with pytest.raises(LeakError, match=r"^leaked 6\d\d B/round over 20 rounds") as caught:
        assert_no_leak(corpus.module_list_append(600), rss=None)
    table = caught.value.result.table()
    assert "then 20 more (below): the first 20 grew (Python heap 6" in table, table
    assert "; so did the next\n" in table, table


def test_growth_that_stops_in_the_second_window_passes_and_says_so() -> None:
    """Before: a cache filling for 32 rounds failed at 1.0 KiB/round over rounds 6-25."""
    body = corpus.slowly_filling_cache()
    with no_leak(rss=None) as check:
        for _ in check:
            body()
    assert check.result is not None
    assert check.result.passed, check.result.table()
    first = check.result.table().splitlines()[0]
    assert re.match(
        r"5 warm-up rounds, then 20 measured rounds, then 20 more \(below\): the first 20 "
        r"grew \(Python heap 1\.\d KiB/round\); the next did not, so that was one-off growth",
        first,
    ), first


def test_thresholds_are_per_round_sizes() -> None:
    body = corpus.module_list_append(4096)
    assert_no_leak(body, cpu="8 KiB", rss=None)  # 4 KiB/round is under 8 KiB/round
    with pytest.raises(LeakError):
        assert_no_leak(body, cpu="2 KiB", rss=None)


def test_a_source_set_to_none_is_not_measured() -> None:
    with no_leak(cpu=None, rss=None, rounds=6, warmup=0) as check:
        for _ in check:
            pass
    assert check.result is not None
    assert check.result.sources == ()
    assert check.result.summary() == "no leak over 6 rounds (nothing)"


def test_assert_no_leak_returns_the_last_result_and_passes_arguments() -> None:
    calls: list[tuple[int, str]] = []

    def body(a: int, *, b: str) -> int:
        calls.append((a, b))
        return len(calls)

    assert assert_no_leak(body, 1, b="x", rounds=6, warmup=1, cpu=None, rss=None) == 7
    assert calls == [(1, "x")] * 7


def test_a_failing_round_raises_its_own_error_with_the_round_named() -> None:
    count = 0

    def body() -> None:
        nonlocal count
        count += 1
        if count == 8:
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom") as caught:
        assert_no_leak(body, warmup=5)
    assert caught.value.__notes__ == [
        "(in measured round 3 of 20 of the leak check, after the warm-up rounds passed)"
    ]
    assert count == 8


def test_tracing_is_left_as_it_was_found() -> None:
    import tracemalloc

    assert not tracemalloc.is_tracing()
    freeze_before = gc.get_freeze_count()
    with pytest.raises(LeakError):
        assert_no_leak(corpus.module_list_append())
    assert not tracemalloc.is_tracing()
    assert gc.get_freeze_count() == freeze_before


@pytest.mark.anyio
async def test_async_bodies_run_in_the_callers_loop() -> None:
    history: list[bytes] = []

    async def body() -> int:
        history.append(bytes(2048))
        return len(history)

    with pytest.raises(LeakError, match=r"leaked 2\.\d KiB/round"):
        await assert_no_leak_async(body)
    assert len(history) > 25  # warm-up, measured and attribution rounds


def test_assert_no_leak_refuses_a_coroutine_function() -> None:
    async def body() -> None:
        pass

    with pytest.raises(TypeError, match="assert_no_leak_async"):
        assert_no_leak(body)


# -- misuse -----------------------------------------------------------------------------------
def test_leaving_the_loop_early_is_a_usage_error() -> None:
    def stop_early() -> None:
        with no_leak() as check:
            for number in check:
                if number == 2:
                    break

    with pytest.raises(LeakCheckUsageError, match=r"stopped in round 3, before all 25 rounds"):
        stop_early()


def test_iterating_outside_the_with_block_is_a_usage_error() -> None:
    with pytest.raises(LeakCheckUsageError, match="inside `with no_leak"):
        list(no_leak())


def test_a_check_runs_once() -> None:
    check = no_leak(rounds=6, warmup=0, rss=None)
    with check:
        for _ in check:
            pass
    with pytest.raises(LeakCheckUsageError, match="runs once"):
        check.__enter__()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rounds": 3}, "rounds must be a whole number >= 6, got 3"),
        ({"rounds": 10.5}, "rounds must be a whole number >= 6, got 10.5"),
        ({"warmup": -1}, "warmup must be a whole number >= 0, got -1"),
        ({"cpu": "lots"}, "cpu='lots': invalid size 'lots'"),
        ({"rss": True}, "rss=True: invalid size True"),
        ({"gpu": -5}, "gpu=-5: invalid size -5"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_bad_options_say_what_is_accepted(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        no_leak(**kwargs)  # type: ignore[arg-type]


# -- memory limits ----------------------------------------------------------------------------
def test_memory_limit_passes_under_the_limit_and_reports_the_peak() -> None:
    with memory_limit(cpu="4 MiB") as limit:
        data = bytearray(1024 * 1024)
        del data
    assert limit.cpu_peak is not None
    assert 1024 * 1024 <= limit.cpu_peak < 2 * 1024 * 1024


def test_memory_limit_traces_one_frame_per_allocation() -> None:
    import tracemalloc

    assert not tracemalloc.is_tracing()
    with memory_limit(cpu="4 MiB"):  # a peak needs no traceback; 10 frames cost 5x (issue 14)
        assert tracemalloc.get_traceback_limit() == 1
    assert not tracemalloc.is_tracing()


def test_memory_limit_fails_over_the_limit_with_need_and_finding() -> None:
    def render_frames() -> None:
        with memory_limit(cpu="1 MiB"):
            data = bytearray(3 * 1024 * 1024)
            del data  # freed before the end: the peak still counts

    with pytest.raises(MemoryLimitError) as caught:
        render_frames()
    assert str(caught.value) == (
        "memory limit exceeded: needs a Python heap peak <= 1.0 MiB; found 3.0 MiB"
    )


def test_memory_limit_does_not_hide_the_blocks_own_error() -> None:
    def broken() -> None:
        with memory_limit(cpu="1 KiB"):
            data = bytearray(1024 * 1024)
            del data
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        broken()


def test_memory_limit_needs_a_limit() -> None:
    with pytest.raises(ValueError, match=r'give cpu= and/or gpu=, e\.g\. cpu="512 MiB"'):
        memory_limit()


def test_importing_the_api_does_not_import_psutil_or_torch() -> None:
    import subprocess

    code = (
        "import sys, pytest_autoglm.leaks, pytest_autoglm.plugin;"
        "print(sorted(m for m in ('psutil', 'torch', 'pynvml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_mallinfo2_native_leaks_are_judged_by_rss_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pytest_autoglm.leaks import _sources

    class NoMallinfo:  # a C library without mallinfo2 (musl, macOS, old glibc)
        def __init__(self, name: object) -> None:
            pass

    monkeypatch.setattr(_sources.ctypes, "CDLL", NoMallinfo)
    assert _sources.c_heap() is None
    with no_leak(rounds=6, warmup=0, cpu=None) as check:
        for _ in check:
            pass
    assert check.result is not None
    assert [s.label for s in check.result.sources] == ["RSS"]
