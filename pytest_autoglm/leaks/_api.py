"""The code API: ``no_leak`` blocks, ``assert_no_leak`` calls and ``memory_limit`` blocks."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from pytest_autoglm.leaks._check import LeakCheck, run_rounds, run_rounds_async
from pytest_autoglm.leaks._defaults import (
    DEFAULT_CPU,
    DEFAULT_GPU,
    DEFAULT_ROUNDS,
    DEFAULT_RSS,
    DEFAULT_WARMUP,
)
from pytest_autoglm.leaks._limit import MemoryLimit
from pytest_autoglm.leaks._seam import code_api_used
from pytest_autoglm.leaks._thresholds import LeakOptions, LimitOptions, Size

T = TypeVar("T")


def no_leak(
    *,
    rounds: int = DEFAULT_ROUNDS,
    warmup: int = DEFAULT_WARMUP,
    cpu: Size = DEFAULT_CPU,
    rss: Size = DEFAULT_RSS,
    gpu: Size = DEFAULT_GPU,
) -> LeakCheck:
    """A leak check for a block: ``with no_leak() as check:`` then ``for _ in check: body()``.

    The loop runs ``warmup`` rounds, then ``rounds`` measured rounds; leaving the ``with``
    block raises :class:`LeakError` when memory grew by more than the threshold per round
    (``cpu`` for the Python heap, ``rss`` for the process, ``gpu`` for the CUDA allocator;
    size strings, ``None`` turns a source off). ``check.result`` holds every sample.
    """
    code_api_used()
    return LeakCheck(LeakOptions(rounds=rounds, warmup=warmup, cpu=cpu, rss=rss, gpu=gpu))


def assert_no_leak(
    fn: Callable[..., T],
    /,
    *args: Any,
    rounds: int = DEFAULT_ROUNDS,
    warmup: int = DEFAULT_WARMUP,
    cpu: Size = DEFAULT_CPU,
    rss: Size = DEFAULT_RSS,
    gpu: Size = DEFAULT_GPU,
    **kwargs: Any,
) -> T:
    """Call ``fn(*args, **kwargs)`` ``warmup + rounds`` times; raise :class:`LeakError` on a leak.

    Returns the last call's result. For a coroutine function, use ``await
    assert_no_leak_async(...)``: the rounds must run in the caller's event loop.
    """
    __tracebackhide__ = True
    if inspect.iscoroutinefunction(fn):
        raise TypeError(
            f"assert_no_leak() got the coroutine function {fn.__qualname__}; "
            "use `await assert_no_leak_async(...)` or `with no_leak() as check:` with await"
        )
    check = no_leak(rounds=rounds, warmup=warmup, cpu=cpu, rss=rss, gpu=gpu)
    return run_rounds(check, fn, args, kwargs)  # type: ignore[no-any-return]


async def assert_no_leak_async(
    fn: Callable[..., Any],
    /,
    *args: Any,
    rounds: int = DEFAULT_ROUNDS,
    warmup: int = DEFAULT_WARMUP,
    cpu: Size = DEFAULT_CPU,
    rss: Size = DEFAULT_RSS,
    gpu: Size = DEFAULT_GPU,
    **kwargs: Any,
) -> Any:
    """Await ``fn(*args, **kwargs)`` ``warmup + rounds`` times; raise :class:`LeakError` on a leak."""
    __tracebackhide__ = True
    check = no_leak(rounds=rounds, warmup=warmup, cpu=cpu, rss=rss, gpu=gpu)
    return await run_rounds_async(check, fn, args, kwargs)


def memory_limit(*, cpu: Size = None, gpu: Size = None) -> MemoryLimit:
    """A block whose peak must stay under ``cpu`` (Python heap) and ``gpu`` (CUDA allocator).

    ``with memory_limit(cpu="512 MiB"):`` raises :class:`MemoryLimitError` on exit when
    the block's peak went over; the GPU peak counts only when the block uses CUDA via torch.
    """
    code_api_used()
    return MemoryLimit(LimitOptions(cpu=cpu, gpu=gpu))
