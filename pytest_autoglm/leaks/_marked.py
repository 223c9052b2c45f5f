"""What the leak markers do to a test function: one wrapper for sync and async tests.

``autoglm_no_leak`` repeats the test body (warm-up rounds, then measured rounds) and
``autoglm_memory_limit`` measures the peak of one call. The plugin swaps ``item.obj`` for
the wrapper inside ``pytest_pyfunc_call``, so whichever plugin calls the test (pytest, or
anyio for ``async def``) calls the wrapper, and an async test's rounds share one loop.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pytest_autoglm.leaks._check import LeakCheck, run_rounds, run_rounds_async
from pytest_autoglm.leaks._errors import LeakError
from pytest_autoglm.leaks._limit import MemoryLimit
from pytest_autoglm.leaks._thresholds import LeakOptions, LimitOptions
from pytest_autoglm.leaks._verdicts import TABLE_KEY, VERDICT_PROPERTY

Call = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]
AsyncCall = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Awaitable[Any]]


def wrap_test(original: Callable[..., Any], call: Call, call_async: AsyncCall) -> Any:
    """``original`` wrapped for sync and async alike: ``call(original, args, kwargs)`` runs a
    plain test function, ``call_async`` awaits a coroutine function's."""
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def wrapper_async(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            return await call_async(original, args, kwargs)

        return wrapper_async

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return call(original, args, kwargs)

    return wrapper


def _clear_capsys(item: pytest.Item) -> Callable[[], None]:
    """Drop the previous round's ``capsys`` text, which pytest keeps in memory.

    Otherwise a test that prints a line per round "leaks" through pytest's buffer. (The
    leak check empties pytest's log capture itself, for the code API too.)
    """
    funcargs = getattr(item, "funcargs", {})
    fixtures = [funcargs[name] for name in ("capsys", "capsysbinary") if name in funcargs]

    def clear() -> None:
        for fixture in fixtures:
            fixture.readouterr()

    return clear


@contextmanager
def _verdict(item: pytest.Item, leak_check: LeakCheck) -> Iterator[None]:
    """Record the check's verdict (and its trend table) on the item, however the rounds end."""

    def record(outcome: str) -> None:
        if leak_check.result is not None:
            item.stash[TABLE_KEY] = leak_check.result.table()
            outcome = leak_check.result.summary()
            if leak_check.result.warnings and leak_check.result.passed:
                outcome = "warning: " + "; ".join(leak_check.result.warnings)
        item.user_properties.append((VERDICT_PROPERTY, outcome))

    try:
        yield
    except LeakError:
        record("leaked")
        raise
    except BaseException:
        record(f"error in round {leak_check.round + 1}")
        raise
    record("passed")


def repeating(item: pytest.Item, options: LeakOptions, original: Callable[..., Any]) -> Any:
    """The test body run in rounds under a leak check (``autoglm_no_leak``)."""

    def call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        __tracebackhide__ = True
        leak_check = LeakCheck(options, before_round=_clear_capsys(item))
        with _verdict(item, leak_check):
            return run_rounds(leak_check, fn, args, kwargs)

    async def call_async(
        fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        __tracebackhide__ = True
        leak_check = LeakCheck(options, before_round=_clear_capsys(item))
        with _verdict(item, leak_check):
            return await run_rounds_async(leak_check, fn, args, kwargs)

    return wrap_test(original, call, call_async)


def limited(options: LimitOptions, original: Callable[..., Any]) -> Any:
    """The test body under a peak-memory limit (``autoglm_memory_limit``)."""

    def call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        __tracebackhide__ = True
        with MemoryLimit(options):
            return fn(*args, **kwargs)

    async def call_async(
        fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        __tracebackhide__ = True
        with MemoryLimit(options):
            return await fn(*args, **kwargs)

    return wrap_test(original, call, call_async)
