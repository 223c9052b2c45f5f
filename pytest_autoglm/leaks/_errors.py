"""The leak capability's own exception and warning types."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_autoglm.leaks._report import LeakResult


#: Shown in reports as ``pytest_autoglm.LeakError``, where users import them from.
_PUBLIC = "pytest_autoglm"


class LeakError(AssertionError):
    """Memory grew steadily round after round.

    ``str(error)`` is the one-line summary followed by the top growing allocation
    sites; ``error.summary`` is the line alone and ``error.result`` holds every sample.
    """

    def __init__(self, result: LeakResult) -> None:
        self.result = result
        self.summary = result.summary()
        super().__init__(f"{self.summary}\n{result.details()}".rstrip())


class MemoryLimitError(AssertionError):
    """A test's peak memory went over the limit set by ``autoglm_memory_limit`` or ``memory_limit``."""


class LeakWarning(UserWarning):
    """Growth that the kit reports without failing: the CUDA allocator and the driver disagree."""


class LeakCheckUsageError(RuntimeError):
    """A leak check used the wrong way (the measured loop was left early, a check reused)."""


for _public in (LeakError, MemoryLimitError, LeakWarning):
    _public.__module__ = _PUBLIC
