"""Options of a leak check and of a memory limit, validated where they are written.

Both are keyword-only dataclasses so that a marker argument with a typo is a collection
error naming it, and a bad value (``rounds=2``, ``cpu="lots"``) says what is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_autoglm._sizes import parse_size
from pytest_autoglm.leaks._defaults import (
    DEFAULT_CPU,
    DEFAULT_GPU,
    DEFAULT_ROUNDS,
    DEFAULT_RSS,
    DEFAULT_WARMUP,
    MIN_ROUNDS,
)

Size = str | int | None


def _threshold(name: str, value: Size) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise ValueError(f"{name}={value!r}: {exc}; or None to turn this source off") from None


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class LeakOptions:
    """Arguments of ``@pytest.mark.autoglm_no_leak`` and of :func:`no_leak`.

    ``cpu``, ``rss`` and ``gpu`` are the largest growth per measured round that is not a
    leak (size strings); ``None`` turns that source off.
    """

    enabled: bool = True
    rounds: int = DEFAULT_ROUNDS
    warmup: int = DEFAULT_WARMUP
    cpu: Size = DEFAULT_CPU
    rss: Size = DEFAULT_RSS
    gpu: Size = DEFAULT_GPU

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ValueError(f"enabled must be True or False, got {self.enabled!r}")
        _count("rounds", self.rounds, MIN_ROUNDS)
        _count("warmup", self.warmup, 0)
        for name in ("cpu", "rss", "gpu"):
            _threshold(name, getattr(self, name))
        if self.enabled and self.cpu is None and self.rss is None and self.gpu is None:
            raise ValueError(
                "cpu=None, rss=None and gpu=None turn every source off, so nothing would be"
                " checked; keep at least one, or pass enabled=False to skip the check"
            )

    @property
    def thresholds(self) -> dict[str, int | None]:
        """Bytes per round for each source key (``cpu``, ``rss``, ``gpu``); ``None`` if off."""
        return {name: _threshold(name, getattr(self, name)) for name in ("cpu", "rss", "gpu")}


@dataclass(frozen=True, kw_only=True)
class LimitOptions:
    """Arguments of ``@pytest.mark.autoglm_memory_limit`` and :func:`memory_limit`: peak sizes."""

    cpu: Size = None
    gpu: Size = None

    def __post_init__(self) -> None:
        if self.cpu is None and self.gpu is None:
            raise ValueError('give cpu= and/or gpu=, e.g. cpu="512 MiB", gpu="2 GiB"')
        for name in ("cpu", "gpu"):
            _threshold(name, getattr(self, name))

    @property
    def cpu_bytes(self) -> int | None:
        return _threshold("cpu", self.cpu)

    @property
    def gpu_bytes(self) -> int | None:
        return _threshold("gpu", self.gpu)
