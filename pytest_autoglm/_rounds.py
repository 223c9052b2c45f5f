"""Kit state that a repeated test body finds as round 1 found it (``--autoglm-leak-check``).

A leak check runs a test's body many times over the same fixtures. Kit objects that
keep what a round did (the fake server: its script and its call records) register here
while they are live; the leak check saves them before round 1 and restores them before
each later round. So a round's ``calls.assert_called(times=3)`` sees its own calls, the
replies it scripts answer it, and the kit's own records never grow from round to round,
where they would read as the code under test's leak. A leaf module: it imports nothing
of the kit, so both capabilities can use it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Protocol


class Repeatable(Protocol):
    def save_round(self) -> Any: ...
    def restore_round(self, state: Any) -> None: ...


_live: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()


def track(obj: Repeatable) -> None:
    with _lock:
        _live.add(obj)


def untrack(obj: Repeatable) -> None:
    with _lock:
        _live.discard(obj)


def save() -> list[tuple[Repeatable, Any]]:
    """The state of every live object, to give to :func:`restore` before each later round."""
    with _lock:
        live = list(_live)
    return [(obj, obj.save_round()) for obj in live]


def restore(saved: list[tuple[Repeatable, Any]]) -> None:
    with _lock:
        live = set(map(id, _live))
    for obj, state in saved:
        if id(obj) in live:  # stopped since: nothing to restore
            obj.restore_round(state)
