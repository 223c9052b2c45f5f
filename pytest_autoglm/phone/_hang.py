"""Hung commands on the virtual clock: a caller's ``subprocess`` timeout fires without the wait.

A fault such as ``pull_timeout`` makes a fake command hang. Without a virtual clock the
executable really sleeps, so the caller's own timeout (phone_agent's ``timeout=5`` on
``adb pull``) costs that real time. With ``autoglm_clock`` the hang passes on the clock
instead: the executable closes its output at once and stays alive, and when the test
process waits for that child (``subprocess`` goes through ``Popen._remaining_time`` and
``Popen._check_timeout`` in every wait), the clock moves to whichever comes first, the
end of the hang or the caller's deadline. At the deadline ``subprocess`` raises ``TimeoutExpired`` (and
``run`` kills the child), as it would on a real phone; at the end of the hang the
executable is let go and exits with the command's code. ``subprocess`` reads the time
through its module-level ``_time``, which points at the virtual clock meanwhile.

A command that nobody in the test process waits for (a child of a child) still hangs in
real time, up to its length, so nothing is left waiting for ever.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

#: after a deadline, so ``subprocess``'s ``now > endtime`` holds
_PAST = 1e-6


@dataclass
class _Hang:
    end: float
    released: threading.Event = field(default_factory=threading.Event)


class HungCommands:
    """The fake commands now hanging on the virtual clock, by process id."""

    def __init__(self, now: Callable[[], float], advance: Callable[[float], None]) -> None:
        self._now = now
        self._advance = advance
        self._lock = threading.Lock()
        self._hangs: dict[int, _Hang] = {}

    def begin(self, pid: int, seconds: float) -> threading.Event:
        """A command of process ``pid`` hangs ``seconds`` from now; set when it may exit."""
        hang = _Hang(self._now() + seconds)
        with self._lock:
            self._hangs[pid] = hang
        return hang.released

    def waiting_for(self, pid: int, deadline: float | None) -> None:
        """The test process waits for ``pid`` until ``deadline`` (virtual, None: no limit)."""
        with self._lock:
            hang = self._hangs.get(pid)
            if hang is None or hang.released.is_set():
                return
            target = hang.end if deadline is None else min(hang.end, deadline + _PAST)
            now = self._now()
            if target > now:
                self._advance(target - now)
            if target >= hang.end:
                del self._hangs[pid]
                hang.released.set()

    def release_all(self) -> None:
        """Let every hung executable exit (the phone stops)."""
        with self._lock:
            hangs, self._hangs = list(self._hangs.values()), {}
        for hang in hangs:
            hang.released.set()

    def patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make ``subprocess`` read the virtual clock and report its waits here.

        ``_check_timeout`` runs each time a wait wakes up (the executable closing its
        output wakes it), ``_remaining_time`` each time a wait starts or polls.
        """
        remaining, check = subprocess.Popen._remaining_time, subprocess.Popen._check_timeout  # type: ignore[attr-defined]
        hangs = self

        def _remaining_time(popen: Any, endtime: float | None) -> float | None:
            hangs.waiting_for(popen.pid, endtime)
            return remaining(popen, endtime)  # type: ignore[no-any-return]

        def _check_timeout(popen: Any, endtime: float | None, *args: Any, **kwargs: Any) -> None:
            hangs.waiting_for(popen.pid, endtime)
            check(popen, endtime, *args, **kwargs)

        monkeypatch.setattr(subprocess, "_time", self._now)
        monkeypatch.setattr(subprocess.Popen, "_remaining_time", _remaining_time)
        monkeypatch.setattr(subprocess.Popen, "_check_timeout", _check_timeout)


def can_patch() -> bool:
    """Whether this Python's ``subprocess`` has the private names :meth:`HungCommands.patch` needs."""
    return all(
        hasattr(owner, name)
        for owner, name in (
            (subprocess, "_time"),
            (subprocess.Popen, "_remaining_time"),
            (subprocess.Popen, "_check_timeout"),
        )
    )
