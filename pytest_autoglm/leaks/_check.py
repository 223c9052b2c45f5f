"""The round loop: warm up, sample every source after each measured round, judge the trend.

One :class:`LeakCheck` drives both the marker (which repeats a test body) and the code
API (``for _ in check:`` inside ``with no_leak() as check:``). Between rounds it runs a
full ``gc.collect()`` so that garbage waiting for the collector is not taken for a leak.

When a source grew over the measured rounds, they are measured once more (a second
window of as many rounds): growth that goes on is a leak; growth that stopped was a
one-off that outlasted the warm-up (the openai SDK, httpx and pydantic fill lazy caches
over the first 30-50 requests of a process), and the second window is the verdict.

The Python heap is traced with one frame per allocation during the measured rounds
(deep tracebacks slow allocation-heavy code ~20x). When its trend says "leak", a few
*attribution rounds* follow with deep tracebacks, to name the growing sites and to
discount growth held by the test runner's own bookkeeping (hypothesis, pytest).
"""

from __future__ import annotations

import gc
import logging
import sys
import tracemalloc
import warnings
from array import array
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from pytest_autoglm import _rounds
from pytest_autoglm._sizes import format_size
from pytest_autoglm.leaks import _sites
from pytest_autoglm.leaks._errors import LeakCheckUsageError, LeakError, LeakWarning
from pytest_autoglm.leaks._report import LeakResult, SourceResult
from pytest_autoglm.leaks._sources import (
    CudaAllocator,
    GpuDriver,
    ProcessRss,
    PythonHeap,
    Source,
    c_heap,
    gpu_sources,
)
from pytest_autoglm.leaks._thresholds import LeakOptions
from pytest_autoglm.leaks._trend import trend

_clear_type_cache: Callable[[], None] = getattr(sys, "_clear_type_cache", lambda: None)

#: Extra rounds run with deep tracebacks once the heap trend says "leak".
ATTRIBUTION_ROUNDS = 5


class LeakCheck:
    """Runs a body ``warmup + rounds`` times and fails on steady memory growth.

    Use it through :func:`pytest_autoglm.no_leak` or :func:`pytest_autoglm.assert_no_leak`;
    exported only for type hints. Iterating yields the round number (0-based: warm-up
    rounds, measured rounds, then attribution rounds if the Python heap grew); leaving
    the ``with`` block judges the samples and raises :class:`LeakError` on a leak.
    ``result`` holds every sample afterwards.
    """

    def __init__(
        self, options: LeakOptions, *, before_round: Callable[[], None] | None = None
    ) -> None:
        self.options = options
        self.thresholds = options.thresholds
        self.before_round = before_round
        self._kit_state: list[tuple[_rounds.Repeatable, Any]] = []
        self.result: LeakResult | None = None
        self.round = -1  # the round running now; -1 before the first
        self._heap = PythonHeap()
        self._native: list[Source] = []
        self._sources: list[Source] = []
        self._gpu: tuple[CudaAllocator, GpuDriver] | None = None
        self._samples: list[array[int]] = []
        #: the first window's samples, when a source grew there and the rounds ran again
        self._first_window: list[array[int]] | None = None
        self._second_window: list[array[int]] = []
        self._planned = options.warmup + options.rounds  # rounds the loop must run
        self._attribution: tuple[list[str], float] | None = None  # (sites, user growth/round)
        self._entered = False
        self._froze = False
        self._done = False

    @property
    def measured_end(self) -> int:
        """The number of warm-up plus measured rounds (both windows when a second ran)."""
        windows = 1 if self._first_window is None else 2
        return self.options.warmup + windows * self.options.rounds

    # -- context manager ----------------------------------------------------------------
    def __enter__(self) -> LeakCheck:
        if self._entered:
            raise LeakCheckUsageError("a leak check runs once; make a new one with no_leak()")
        self._entered = True
        if self.thresholds["rss"] is not None:
            # Created first: importing psutil allocates, and must not count as growth.
            self._native = [ProcessRss()]
            heap = c_heap()
            if heap is not None:
                self._native.append(heap)
        if self.thresholds["cpu"] is not None:
            self._heap.start(frames=1)
        # Objects alive before the check move to the permanent generation, so the full
        # collection after every round scans only what the body made (~40 ms -> ~1 ms in
        # a pytest process). Skipped if the program froze objects itself.
        self._froze = gc.get_freeze_count() == 0
        if self._froze:
            gc.freeze()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        __tracebackhide__ = True
        try:
            if exc is not None:
                if self.round >= 0 and hasattr(exc, "add_note"):
                    exc.add_note(self._round_note())
                return
            if not self._done:
                raise LeakCheckUsageError(
                    f"the leak check's loop stopped in round {self.round + 1}, before all "
                    f"{self._planned} rounds; run `for _ in check:` to the end, without break"
                )
            self.result = self._judge()
        finally:
            if self._froze:
                gc.unfreeze()
            self._heap.stop()
            if self._gpu is not None:
                self._gpu[1].close()
        for text in self.result.warnings:
            warnings.warn(LeakWarning(text), stacklevel=2)
        if not self.result.passed:
            raise LeakError(self.result)

    def _round_note(self) -> str:
        warmup, rounds = self.options.warmup, self.options.rounds
        if self.round < warmup:
            return f"(in warm-up round {self.round + 1} of {warmup} of the leak check)"
        if self.round < warmup + rounds:
            return (
                f"(in measured round {self.round - warmup + 1} of {rounds} of the leak check, "
                "after the warm-up rounds passed)"
            )
        if self.round < self.measured_end:
            return (
                f"(in measured round {self.round - warmup - rounds + 1} of {rounds} of the leak "
                "check's second window, run because memory grew in the first)"
            )
        return (
            f"(in attribution round {self.round - self.measured_end + 1} of "
            f"{ATTRIBUTION_ROUNDS + 1} of the leak check, run to find the sites of a heap leak)"
        )

    # -- the loop -----------------------------------------------------------------------
    def __iter__(self) -> Iterator[int]:
        if not self._entered:
            raise LeakCheckUsageError("iterate a leak check inside `with no_leak(...) as check:`")
        if self.round >= 0:
            raise LeakCheckUsageError("a leak check's rounds can be iterated only once")
        warmup, rounds = self.options.warmup, self.options.rounds
        if warmup == 0:
            self._baseline()
        for number in range(warmup + rounds):
            yield from self._round(number)
            if number == warmup - 1:
                self._baseline()
            elif number >= warmup:
                self._settle()
                self._record(number - warmup + 1)
        if self._any_grew():
            # The second window starts where the first ended (its last sample, settled).
            self._first_window, self._samples = self._samples, self._second_window
            for first, second in zip(self._first_window, self._samples, strict=True):
                second[0] = first[-1]
            self._planned += rounds
            for number in range(warmup + rounds, self.measured_end):
                yield from self._round(number)
                self._settle()
                self._record(number - warmup - rounds + 1)
        if self._heap_grew():
            self._planned += 1 + ATTRIBUTION_ROUNDS
            # One round traced deep before the first snapshot: what each round replaces (the
            # last reply, the agent's history) is then in both snapshots. Without it the
            # last round's live objects, untraced before the restart, read as growth.
            self._heap.deepen()
            yield from self._round(self.measured_end)
            before = self._deep_snapshot()
            for number in range(self.measured_end + 1, self.measured_end + 1 + ATTRIBUTION_ROUNDS):
                yield from self._round(number)
            self._settle()
            self._attribution = _sites.attribute(before, _sites.snapshot(), ATTRIBUTION_ROUNDS)
        self._done = True

    def _round(self, number: int) -> Iterator[int]:
        if number == 0:
            self._kit_state = _rounds.save()
        else:
            _rounds.restore(self._kit_state)  # the fake server as round 1 found it
            _forget_captured_logs()
            if self.before_round is not None:
                self.before_round()
        self.round = number
        yield number

    def _settle(self) -> None:
        gc.collect()
        # CPython's attribute cache keeps the name string of its last 4096 look-ups: a name
        # built per call (PIL's ``getattr(self, f"chunk_{cid}")``) stays alive in a slot
        # that an older name held, about 0.5 KiB/round under phone_agent for 100+ rounds.
        # Emptied before each sample, as CPython's own reference-leak hunt does (regrtest -R).
        _clear_type_cache()

    def _baseline(self) -> None:
        self._settle()
        self._sources = []
        if self.thresholds["cpu"] is not None:
            self._sources.append(self._heap)
        self._sources.extend(self._native)
        if self.thresholds["gpu"] is not None:
            self._gpu = gpu_sources()
            if self._gpu is not None:
                self._sources.extend(self._gpu)
        # Preallocated: recording a sample must not itself grow the heap being measured.
        self._samples = [array("q", [0] * (self.options.rounds + 1)) for _ in self._sources]
        self._second_window = [array("q", [0] * (self.options.rounds + 1)) for _ in self._sources]
        self._record(0)  # the first call of each sampler allocates; keep it out of the baseline
        self._settle()
        self._record(0)

    def _record(self, index: int) -> None:
        for series, source in zip(self._samples, self._sources, strict=True):
            series[index] = source.sample()

    def _any_grew(self) -> bool:
        """A judged source's trend says "leak" (the GPU driver is only consulted)."""
        for series, source in zip(self._samples, self._sources, strict=True):
            threshold = self.thresholds[source.key]
            if isinstance(source, GpuDriver) or threshold is None:
                continue
            if trend(tuple(series), threshold).leaking:
                return True
        return False

    def _heap_grew(self) -> bool:
        threshold = self.thresholds["cpu"]
        if threshold is None or self._heap not in self._sources:
            return False
        series = self._samples[self._sources.index(self._heap)]
        return trend(tuple(series), threshold).leaking

    def _deep_snapshot(self) -> tracemalloc.Snapshot:
        self._settle()
        return _sites.snapshot()

    # -- the verdict --------------------------------------------------------------------
    def _judge(self) -> LeakResult:
        results: list[SourceResult] = []
        first_window: list[SourceResult] = []
        for series, source in zip(self._first_window or (), self._sources, strict=False):
            threshold = self.thresholds[source.key]
            judged = None if isinstance(source, GpuDriver) or threshold is None else threshold
            samples = tuple(series)
            first_window.append(
                SourceResult(
                    source.label, samples, None if judged is None else trend(samples, judged)
                )
            )
        sites: list[str] = []
        allocator = driver = None
        for series, source in zip(self._samples, self._sources, strict=True):
            samples = tuple(series)
            if isinstance(source, GpuDriver):
                driver = SourceResult(source.label, samples, None)
                results.append(driver)
                continue
            threshold = self.thresholds[source.key]
            assert threshold is not None
            result = SourceResult(source.label, samples, trend(samples, threshold))
            if isinstance(source, PythonHeap) and result.leaking and self._attribution:
                sites, user_growth = self._attribution
                if user_growth <= threshold / 2:
                    result = SourceResult(
                        result.label, samples, result.trend, confirmed=False,
                        overruled_by=(
                            "the growth was held by the runtime's bookkeeping "
                            "(hypothesis, pytest, imports, the fake server's call record): "
                            f"{format_size(user_growth)}/round was the code under test's"
                        ),
                    )  # fmt: skip
                    sites = []
            if isinstance(source, CudaAllocator):
                allocator = result
            results.append(result)
        gpu_warnings: list[str] = []
        if allocator is not None and driver is not None:
            verdict, gpu_warnings = _agree_on_gpu(allocator, driver)
            results = [verdict if r is allocator else r for r in results]
        return LeakResult(
            rounds=self.options.rounds,
            warmup=self.options.warmup,
            sources=tuple(results),
            sites=tuple(sites),
            warnings=tuple(gpu_warnings),
            first_window=tuple(first_window),
        )


def _forget_captured_logs() -> None:
    """Empty pytest's log capture (``caplog`` and the report's), which keeps every record.

    Otherwise a body that logs a line per round "leaks" through pytest's own buffers. The
    report then shows what the last round logged.
    """
    pytest_logging = sys.modules.get("_pytest.logging")
    if pytest_logging is None:
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, pytest_logging.LogCaptureHandler):
            handler.clear()


def _agree_on_gpu(allocator: SourceResult, driver: SourceResult) -> tuple[SourceResult, list[str]]:
    """A GPU leak fails only when the allocator and the driver agree; else it is a warning."""
    if not allocator.leaking:
        if driver.total_growth > 0 and allocator.total_growth <= 0:
            return allocator, [
                f"{driver.label} grew {format_size(driver.total_growth)} over the measured rounds "
                "while the CUDA allocator did not: memory outside torch's allocator "
                "(another CUDA library, or the allocator's cache)"
            ]
        return allocator, []
    if driver.total_growth > 0:
        return allocator, []
    assert allocator.trend is not None
    reason = (
        f"the CUDA allocator grew {format_size(allocator.trend.slope)}/round over "
        f"{len(allocator.samples) - 1} rounds but {driver.label} did not grow: the memory may "
        "sit in the allocator's cache, so the test is not failed (as in torch's "
        "CudaMemoryLeakCheck)"
    )
    overruled = SourceResult(
        allocator.label, allocator.samples, allocator.trend, confirmed=False, overruled_by=reason
    )
    return overruled, [reason]


def run_rounds(check: LeakCheck, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Call ``fn`` once per round inside ``check``; return the last round's result."""
    __tracebackhide__ = True
    result = None
    with check:
        for _ in check:
            result = fn(*args, **kwargs)
    return result


async def run_rounds_async(check: LeakCheck, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Await ``fn`` once per round inside ``check``, in the caller's event loop."""
    __tracebackhide__ = True
    result = None
    with check:
        for _ in check:
            result = await fn(*args, **kwargs)
    return result
