"""Recorded calls and the assertions over them (``server.calls``, ``assert_called``, ``assert_backoff``).

Every request the fake server sees is recorded once, in arrival order, with secrets
masked: ``Authorization`` becomes ``Bearer ***`` and any header whose name looks like a
key (``api-key``, ``x-api-key``, ``*-token``, ``*secret*``) becomes ``***``. The raw key
never reaches a record, so it cannot reach a failure message.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from pytest_autoglm._reasons import cut_list

_SECRET_WORDS = ("key", "token", "secret", "password", "cookie")


@functools.lru_cache(maxsize=512)
def _secret_name(lower: str) -> bool:
    return any(word in lower for word in _SECRET_WORDS) and not lower.startswith("x-stainless")


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names; secrets replaced by ``***`` (``Bearer ***`` for bearer tokens)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in ("authorization", "proxy-authorization"):
            scheme, _, rest = value.partition(" ")
            out[lower] = f"{scheme} ***" if rest else "***"
        elif _secret_name(lower):
            out[lower] = "***"
        else:
            out[lower] = value
    return out


@dataclass
class Call:
    """One request the fake server received, and how it was answered (read-only for users).

    ``time`` is ``time.monotonic()`` at arrival; ``done`` when the answer was complete
    (or the connection dropped). ``answered_by`` names the scripted entry (``#2
    reply('...')``), ``validation``, an endpoint, or ``unexpected``.
    """

    index: int
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    text: str
    stream: bool
    retry_count: int | None
    time: float
    transport: str
    answered_by: str = ""
    status: int | None = None
    retry_after: float | None = None
    done: float | None = None

    @property
    def is_chat(self) -> bool:
        return self.method == "POST" and self.path.endswith("/chat/completions")

    def summary(self) -> str:
        retry = "" if self.retry_count is None else f" retry={self.retry_count}"
        status = "" if self.status is None else f" -> {self.status}"
        return (f"#{self.index} {self.method} {self.path}{' stream' if self.stream else ''}"
                f"{retry}{status} [{self.answered_by}] at +{self.time:.3f}s")  # fmt: skip


def parse_retry_after(headers: Sequence[tuple[str, str]]) -> float | None:
    """The delay a client would read: ``retry-after-ms`` first, then ``retry-after`` seconds."""
    found = dict(headers)
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        if name in found:
            try:
                return float(found[name]) / divisor
            except ValueError:
                return None
    return None


class Calls(Sequence[Call]):
    """The calls recorded so far, in arrival order; filter with :meth:`where`, check with the asserts."""

    def __init__(
        self, calls: Sequence[Call] | None = None, lock: threading.Lock | None = None
    ) -> None:
        self._calls: list[Call] = list(calls or [])
        self._lock = lock or threading.Lock()

    def _append(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _snapshot(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> Calls: ...
    def __getitem__(self, index: int | slice) -> Call | Calls:
        calls = self._snapshot()
        if isinstance(index, slice):
            return Calls(calls[index])
        return calls[index]

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self._snapshot())

    def __repr__(self) -> str:
        return f"<Calls: {len(self)} call(s)>"

    @property
    def last(self) -> Call:
        """The most recent call; ``AssertionError`` when there is none."""
        __tracebackhide__ = True
        calls = self._snapshot()
        assert calls, "the fake server received no request"
        return calls[-1]

    @property
    def chat(self) -> Calls:
        """Only ``POST .../chat/completions`` calls."""
        return Calls([c for c in self._snapshot() if c.is_chat])

    def where(self, *, path: str | None = None, method: str | None = None,
              stream: bool | None = None, status: int | None = None) -> Calls:  # fmt: skip
        """The calls with all the given features."""
        return Calls([
            c for c in self._snapshot()
            if (path is None or c.path == path or c.path.endswith(path))
            and (method is None or c.method == method.upper())
            and (stream is None or c.stream == stream)
            and (status is None or c.status == status)
        ])  # fmt: skip

    def describe(self, limit: int = 20) -> str:
        calls = self._snapshot()
        if not calls:
            return "  (no calls)"
        t0 = calls[0].time
        lines = [
            c.summary().replace(f"at +{c.time:.3f}s", f"at +{c.time - t0:.3f}s") for c in calls
        ]
        return "\n".join("  " + line for line in cut_list(lines, limit))

    def assert_called(self, times: int | None = None, *, at_least: int | None = None) -> None:
        """Fail unless there were exactly ``times`` calls (or ``at_least``); default: at least one."""
        __tracebackhide__ = True
        n = len(self)
        if times is not None:
            assert n == times, (
                f"expected {times} call(s) to the fake server, got {n}:\n{self.describe()}"
            )
        else:
            floor = 1 if at_least is None else at_least
            assert n >= floor, f"expected at least {floor} call(s), got {n}:\n{self.describe()}"

    def gaps(self) -> list[float]:
        """Seconds between the end of each answer and the next request (the client's wait)."""
        calls = self._snapshot()
        return [
            b.time - (a.done if a.done is not None else a.time)
            for a, b in itertools.pairwise(calls)
        ]

    def assert_backoff(
        self,
        initial: float = 1.0,
        factor: float = 2.0,
        max_retries: int = 3,
        tolerance: float = 0.25,
        *,
        max_delay: float | None = None,
        policy: str = "exponential",
        slack: float = 0.05,
    ) -> None:
        """Check the waits between retries of these calls.

        ``policy="exponential"`` (the seed policy by default): retry ``n`` (from 0) waits
        ``initial * factor**n`` (capped by ``max_delay``), within ``tolerance`` (a fraction)
        plus ``slack`` seconds for scheduling; at least one and at most ``max_retries`` retries.
        ``policy="openai"``: the openai SDK's own policy, where a ``retry-after``/
        ``retry-after-ms`` of up to 60 s (120 s in recent SDKs: the installed SDK's
        limit is used) on the previous answer is honoured and otherwise the wait is
        ``min(0.5 * 2**n, 8)`` jittered down by up to 25 %.
        """
        __tracebackhide__ = True
        if policy not in ("exponential", "openai"):
            raise ValueError(f"policy={policy!r}; accepted: 'exponential', 'openai'")
        calls = self._snapshot()
        retries = len(calls) - 1
        header = f"{len(calls)} call(s):\n{self.describe()}"
        if retries < 1:  # nothing to check would pass any policy, a missing retry included
            raise AssertionError(
                f"no retry to check: assert_backoff needs a request and at least one retry; "
                f"got {header}"
            )
        assert retries <= max_retries, (
            f"expected at most {max_retries} retries, got {retries}; {header}"
        )
        problems = []
        first, longest, longest_hint = openai_retry_delays()
        for n, (gap, before) in enumerate(zip(self.gaps(), calls, strict=False)):
            if policy == "openai":
                hinted = (
                    before.retry_after
                    if before.retry_after and 0 < before.retry_after <= longest_hint
                    else None
                )
                base = hinted if hinted is not None else min(first * 2**n, longest)
                low, high = (base, base) if hinted is not None else (base * 0.75, base)
            else:
                base = initial * factor**n
                if max_delay is not None:
                    base = min(base, max_delay)
                low, high = base, base
            low, high = low * (1 - tolerance) - slack, high * (1 + tolerance) + slack
            if not low <= gap <= high:
                problems.append(
                    f"retry {n + 1}: waited {gap:.3f}s, expected {low:.3f}s to {high:.3f}s "
                    f"(after {before.answered_by or before.status})"
                )
        if problems:  # raised, not asserted: the message is the whole report
            raise AssertionError(
                "backoff differs from the policy:\n  " + "\n  ".join(problems) + f"\n{header}"
            )


def openai_retry_delays() -> tuple[float, float, float]:
    """The installed openai SDK's first and longest backoff and longest honoured ``retry-after``.

    openai 2.9 honours a ``retry-after`` of up to 60 s; later 2.x and 3.x up to 120 s
    (PROTOCOL.md). Without the SDK, 2.9's values.
    """
    try:
        from openai import _constants as sdk
    except ImportError:
        return 0.5, 8.0, 60.0
    values = (getattr(sdk, name, None) for name in
              ("INITIAL_RETRY_DELAY", "MAX_RETRY_DELAY", "MAX_RETRY_AFTER_DELAY"))  # fmt: skip
    first, longest, hint = (float(v) if isinstance(v, (int, float)) else d
                            for v, d in zip(values, (0.5, 8.0, 60.0), strict=True))  # fmt: skip
    return first, longest, hint


def summarise_json(value: Any) -> str:
    """A request body for failure text, ``data:`` images replaced by a short summary."""
    from pytest_autoglm.server._images import summarise_data_url

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str) and v.startswith("data:"):
            return summarise_data_url(v)
        return v

    return json.dumps(walk(value), ensure_ascii=False, indent=1)
