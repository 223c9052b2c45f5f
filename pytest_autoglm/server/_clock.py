"""A virtual clock for retry tests: sleeps return at once and move the clock forward.

While active it replaces ``time.sleep`` and ``anyio.sleep`` (what the openai SDK and most
retry code call between attempts, and what the fake server's own in-process stalls
use). :meth:`monotonic` is the real monotonic clock plus all the virtual sleeping so
far, and the fake server records its call times with it, so ``assert_backoff`` sees the
waits the code asked for, without the test waiting them. ``time.monotonic`` itself is
left alone: pytest, httpx and event loops keep real time. Code that imported ``sleep``
by name (``from time import sleep``) before the clock started keeps the real one.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any


class VirtualClock:
    """Sleeps advance ``offset`` instead of waiting; ``monotonic()`` includes it."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()
        self._patches: list[tuple[Any, str, Any]] = []

    def monotonic(self) -> float:
        """Real monotonic time plus every virtual sleep so far."""
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (as if that long had passed)."""
        if seconds < 0:
            raise ValueError(f"advance({seconds!r}): the clock only moves forward")
        with self._lock:
            self.offset += seconds

    def sleep(self, seconds: float) -> None:
        """``time.sleep`` replacement: records the wait and advances the clock, at once.

        The standard library's own polling sleeps (``subprocess`` waiting for a child,
        ``threading``, ``asyncio``, ``multiprocessing``) really sleep and are not recorded:
        they poll against real time, and ``slept`` lists the waits the code under test asked for.
        """
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.partition(".")[0] in _STDLIB_POLLERS:
            _REAL_SLEEP(seconds)
            return
        seconds = max(0.0, float(seconds))
        with self._lock:
            self.offset += seconds
            self.slept.append(seconds)
        _REAL_SLEEP(0)  # still let other threads run, as a real sleep would

    async def async_sleep(self, seconds: float) -> None:
        """``anyio.sleep`` replacement: as :meth:`sleep`, then yields to the event loop."""
        seconds = max(0.0, float(seconds))
        with self._lock:
            self.offset += seconds
            self.slept.append(seconds)
        await _checkpoint()

    def start(self) -> VirtualClock:
        import anyio

        from pytest_autoglm import _rounds

        for owner, name, new in ((time, "sleep", self.sleep), (anyio, "sleep", self.async_sleep)):
            self._patches.append((owner, name, getattr(owner, name)))
            setattr(owner, name, new)
        _rounds.track(self)
        return self

    def save_round(self) -> object:
        """A leak check's later rounds see only their own sleeps in :attr:`slept` (``_rounds``);
        the clock itself keeps moving forward, as real time does."""
        return len(self.slept)

    def restore_round(self, state: Any) -> None:
        with self._lock:
            del self.slept[state:]

    def stop(self) -> None:
        from pytest_autoglm import _rounds

        _rounds.untrack(self)
        while self._patches:
            owner, name, old = self._patches.pop()
            setattr(owner, name, old)


_REAL_SLEEP = time.sleep
#: modules whose sleeps poll real time (``subprocess.Popen.wait(timeout=...)`` and kin)
_STDLIB_POLLERS = frozenset({"subprocess", "threading", "asyncio", "multiprocessing", "concurrent"})


async def _checkpoint() -> None:
    import anyio.lowlevel

    await anyio.lowlevel.checkpoint()
