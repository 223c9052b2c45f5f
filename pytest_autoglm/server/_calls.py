"""Recorded calls and the assertions over them (``server.calls``, ``assert_called``, ``assert_backoff``).

Every request the fake server sees is recorded once, in arrival order, with secrets
masked: ``Authorization`` becomes ``Bearer ***`` and any header whose name looks like a
key (``api-key``, ``x-api-key``, ``*-token``, ``*secret*``) becomes ``***``. The raw key
never reaches a record, so it cannot reach a failure message.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from pytest_autoglm._reasons import cut_list

_SECRET_WORDS = ("key", "token", "secret", "password", "cookie")


@functools.lru_cache(maxsize=512)
def _secret_name(lower: str) -> bool:
    return any(word in lower for word in _SECRET_WORDS) and not lower.startswith("x-stainless")


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names; secrets replaced by ``***`` (``Bearer ***`` for bearer tokens)."""
    names = tuple(headers)
    masked = _MASKED.get(names)
    if masked is None:
        masked = _masked_names(names)
    if masked is _MIXED_CASE:
        return _mask_slowly(headers)
    out = dict(headers)  # a client sends the same header names on every call: one look-up
    for name in masked:
        out[name] = _mask(name, out[name])
    return out


def _mask(lower: str, value: str) -> str:
    if lower in ("authorization", "proxy-authorization"):
        scheme, _, rest = value.partition(" ")
        return f"{scheme} ***" if rest else "***"
    return "***"


def _mask_slowly(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        secret = lower in ("authorization", "proxy-authorization") or _secret_name(lower)
        out[lower] = _mask(lower, value) if secret else value
    return out


#: header names (as a client sends them, in order) -> those to mask
_MASKED: dict[tuple[str, ...], tuple[str, ...]] = {}
_MIXED_CASE: tuple[str, ...] = ("",)


def _masked_names(names: tuple[str, ...]) -> tuple[str, ...]:
    if any(not name.islower() and name.lower() != name for name in names):
        masked = _MIXED_CASE
    else:
        masked = tuple(
            name for name in names
            if name in ("authorization", "proxy-authorization") or _secret_name(name)
        )  # fmt: skip
    if len(_MASKED) < 512:
        _MASKED[names] = masked
    return masked


#: ``Call.full`` when the body is to be parsed from ``Call.body``
UNPARSED: Any = object()


@dataclass(slots=True, eq=False)
class Call:
    """One request the fake server received, and how it was answered (read-only for users).

    ``time`` is the server clock (``time.monotonic()`` unless a virtual clock is given)
    when its answer was taken; ``done`` when the answer was complete (or the connection
    dropped). ``answered_by`` names the scripted entry (``#2 reply('...')``),
    ``validation``, an endpoint, or ``unexpected``. ``body`` is the request body as kept:
    ``data:`` images replaced by ``"<png 1080x2400, 52.1 KB base64; sha256 1a2b3c4d5e6f>"``
    unless the server was made with ``keep_bodies=True``; :attr:`json` parses it on each
    access, so a record costs its body's bytes and no more.
    """

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    stream: bool
    retry_count: int | None
    time: float
    transport: str
    answered_by: str = ""
    status: int | None = None
    retry_after: float | None = None
    done: float | None = None
    #: the whole parsed request while the server answers it (validation needs the images)
    full: Any = field(default=UNPARSED, repr=False)

    @property
    def json(self) -> Any:
        """The request body parsed as JSON (``None`` when it is not JSON)."""
        if self.full is not UNPARSED:
            return self.full
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            return None

    @property
    def text(self) -> str:
        """The body as text (its first 2000 characters) when it is not JSON, else ``""``."""
        if not self.body or self.json is not None:
            return ""
        return self.body[:8000].decode("utf-8", "replace")[:2000]

    @property
    def is_chat(self) -> bool:
        return self.method == "POST" and self.path.endswith("/chat/completions")

    def summary(self, t0: float = 0.0) -> str:
        retry = "" if self.retry_count is None else f" retry={self.retry_count}"
        status = "" if self.status is None else f" -> {self.status}"
        return (f"#{self.index} {self.method} {self.path}{' stream' if self.stream else ''}"
                f"{retry}{status} [{self.answered_by}] at +{self.time - t0:.3f}s")  # fmt: skip


def parse_retry_after(headers: Sequence[tuple[str, str]]) -> float | None:
    """The delay a client would read: ``retry-after-ms`` first, then ``retry-after`` seconds."""
    ms = seconds = None
    for name, value in headers:
        if name == "retry-after-ms":
            ms = value
        elif name == "retry-after":
            seconds = value
    raw, divisor = (ms, 1000.0) if ms is not None else (seconds, 1.0)
    if raw is None:
        return None
    try:
        return float(raw) / divisor
    except ValueError:
        return None


#: a ``data:`` URL inside a JSON string (``\/`` as some encoders write ``/``)
_DATA_URL = re.compile(rb'"data:([^",;\\]{0,100})((?:;[^",;\\]{0,100})*),([^"\\]*(?:\\/[^"\\]*)*)"')


def _summarise_image(match: re.Match[bytes]) -> bytes:
    from pytest_autoglm.server._images import summarise_data_url

    payload = match.group(3).replace(b"\\/", b"/")
    head = b"data:" + match.group(1) + match.group(2)
    short = summarise_data_url((head + b"," + payload[:64]).decode("latin-1"), len(payload))
    digest = hashlib.sha256(payload).hexdigest()[:12]
    return b'"%s"' % f"{short[:-1]}; sha256 {digest}>".encode()


def kept_body(body: bytes, keep_bodies: bool) -> bytes:
    """What a record keeps of a request body: each ``data:`` image as its size and hash.

    A copy made here, so that the leak checks see the record's memory as the fake
    server's own, not as allocated by the client library that sent the bytes.
    """
    if not keep_bodies and b'"data:' in body:
        return _DATA_URL.sub(_summarise_image, body)
    return bytes(memoryview(body))  # a copy: the client's object is not kept


class _Store:
    """The records of one server: append-only, the most recent ``cap`` kept.

    Readers never copy: they index the list the store holds at the time. Trimming
    replaces that list by a new one (every ``cap`` appends), so a reader's list is
    never changed under it.
    """

    __slots__ = ("cap", "faults", "items", "lock", "offset", "unexpected")

    def __init__(self, items: list[Call], cap: int | None) -> None:
        self.items = items
        self.cap = cap
        self.offset = 0  # records dropped from the front of ``items`` so far
        self.faults = sum(1 for c in items if c.status is None or c.status >= 400)
        self.unexpected = sum(1 for c in items if c.answered_by == "unexpected")
        self.lock = threading.Lock()

    def append(self, call: Call) -> None:
        with self.lock:
            items = self.items
            items.append(call)
            if call.status is None or call.status >= 400:
                self.faults += 1
            if call.answered_by == "unexpected":
                self.unexpected += 1
            cap = self.cap
            if cap is not None and len(items) >= 2 * cap:
                self.items = items[-cap:]
                self.offset += len(items) - cap

    def mark(self) -> tuple[int, int, int]:
        """The calls received so far and their tally, for :meth:`truncate`."""
        with self.lock:
            return self.offset + len(self.items), self.faults, self.unexpected

    def truncate(self, mark: tuple[int, int, int]) -> None:
        """Forget the calls received after ``mark`` (a new list: views keep the old one)."""
        received, faults, unexpected = mark
        with self.lock:
            keep = received - self.offset
            if 0 <= keep < len(self.items):
                self.items = self.items[:keep]
                self.faults, self.unexpected = faults, unexpected

    def window(self) -> tuple[list[Call], int, int]:
        items = self.items
        n = len(items)
        cap = self.cap
        return items, (n - cap if cap is not None and n > cap else 0), n


Predicate = Callable[[Call], bool]


class Calls(Sequence[Call]):
    """The calls recorded so far, in the order they were answered; filter with :meth:`where`.

    ``server.calls`` is live: it grows as requests arrive. :attr:`chat`, :meth:`where` and
    slices are views of the calls recorded when they were made; none copies the records.
    A server keeps its most recent ``max_calls`` records (``ServerConfig.max_calls``);
    :attr:`dropped` counts those it let go, and ``Call.index`` keeps counting from 1.
    """

    def __init__(
        self,
        calls: Sequence[Call] | None = None,
        lock: threading.Lock | None = None,
        *,
        max_calls: int | None = None,
    ) -> None:
        self._store = _Store(list(calls or []), max_calls)
        if lock is not None:
            self._store.lock = lock
        #: a view: (list, start, stop) fixed when it was made, and its filter
        self._fixed: tuple[list[Call], int, int] | None = None
        self._pred: Predicate | None = None
        self._dropped = 0
        self._count: int | None = None

    def _append(self, call: Call) -> None:
        self._store.append(call)

    def _view(self, items: list[Call], lo: int, hi: int, pred: Predicate | None,
              dropped: int) -> Calls:  # fmt: skip
        view = Calls.__new__(Calls)
        view._store = self._store
        view._fixed = (items, lo, hi)
        view._pred = pred
        view._dropped = dropped
        view._count = None if pred is not None else hi - lo
        return view

    def _range(self) -> tuple[list[Call], int, int]:
        return self._store.window() if self._fixed is None else self._fixed

    def _matching(self) -> list[Call]:
        items, lo, hi = self._range()
        pred = self._pred
        if pred is None:
            return items[lo:hi]
        return [c for c in itertools.islice(items, lo, hi) if pred(c)]

    @property
    def dropped(self) -> int:
        """Records the server let go (the oldest first) to stay within ``max_calls``."""
        if self._fixed is not None:
            return self._dropped
        store = self._store
        _, lo, _ = store.window()
        return store.offset + lo

    @property
    def received(self) -> int:
        """Calls received: the records kept plus those dropped."""
        return len(self) + self.dropped

    def tally(self) -> tuple[int, int, int]:
        """``(received, faults, unexpected)`` of the whole server, counted as calls arrived."""
        store = self._store
        with store.lock:
            return store.offset + len(store.items), store.faults, store.unexpected

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> Calls: ...
    def __getitem__(self, index: int | slice) -> Call | Calls:
        items, lo, hi = self._range()
        if self._pred is None:
            if isinstance(index, slice):
                start, stop, step = index.indices(hi - lo)
                if step == 1:
                    return self._view(items, lo + start, lo + max(start, stop), None, 0)
                return self._view(items[lo:hi][index], 0, len(range(start, stop, step)), None, 0)
            n = hi - lo
            if not -n <= index < n:
                raise IndexError(f"call {index} of {n}")
            return items[lo + index if index >= 0 else hi + index]
        if isinstance(index, int) and index < 0:  # from the end: scan back, no copy
            wanted = -index
            for i in range(hi - 1, lo - 1, -1):
                if self._pred(items[i]):
                    wanted -= 1
                    if wanted == 0:
                        return items[i]
            raise IndexError(f"call {index} of {len(self)}")
        matching = self._matching()
        if isinstance(index, slice):
            chosen = matching[index]
            return self._view(chosen, 0, len(chosen), None, 0)
        return matching[index]

    def __len__(self) -> int:
        if self._count is not None:
            return self._count
        items, lo, hi = self._range()
        pred = self._pred
        if pred is None:
            return hi - lo
        self._count = sum(1 for c in itertools.islice(items, lo, hi) if pred(c))
        return self._count

    def __iter__(self) -> Iterator[Call]:
        items, lo, hi = self._range()
        pred = self._pred
        for i in range(lo, hi):
            call = items[i]
            if pred is None or pred(call):
                yield call

    def __repr__(self) -> str:
        return f"<Calls: {len(self)} call(s)>"

    @property
    def last(self) -> Call:
        """The most recent call; ``AssertionError`` when there is none."""
        __tracebackhide__ = True
        items, lo, hi = self._range()
        pred = self._pred
        for i in range(hi - 1, lo - 1, -1):
            if pred is None or pred(items[i]):
                return items[i]
        raise AssertionError("the fake server received no request")

    def _filtered(self, pred: Predicate) -> Calls:
        items, lo, hi = self._range()
        outer = self._pred
        both = pred if outer is None else (lambda c: outer(c) and pred(c))
        return self._view(items, lo, hi, both, self.dropped)

    @property
    def chat(self) -> Calls:
        """Only ``POST .../chat/completions`` calls."""
        return self._filtered(_is_chat)

    def where(self, *, path: str | None = None, method: str | None = None,
              stream: bool | None = None, status: int | None = None) -> Calls:  # fmt: skip
        """The calls with all the given features."""
        wanted_method = None if method is None else method.upper()

        def pred(c: Call) -> bool:
            return (
                (path is None or c.path == path or c.path.endswith(path))
                and (wanted_method is None or c.method == wanted_method)
                and (stream is None or c.stream == stream)
                and (status is None or c.status == status)
            )

        return self._filtered(pred)

    def describe(self, limit: int = 20) -> str:
        """One line per call, the first ``limit`` of them, then ``...and N more``."""
        shown: list[str] = []
        t0: float | None = None
        for call in self:
            if t0 is None:
                t0 = call.time
            shown.append("  " + call.summary(t0))
            if len(shown) == limit:
                break
        total = len(self)  # counted once per view, without formatting
        if not total:
            return "  (no calls)"
        if total > limit:
            shown.append(f"  ...and {total - limit} more")
        if self.dropped:
            shown.insert(0, f"  ({self.dropped} earlier call(s) dropped: max_calls)")
        return "\n".join(shown)

    def assert_called(self, times: int | None = None, *, at_least: int | None = None) -> None:
        """Fail unless there were exactly ``times`` calls (or ``at_least``); default: at least one."""
        __tracebackhide__ = True
        n = self.received
        if times is not None:
            if n != times:
                raise AssertionError(
                    f"expected {times} call(s) to the fake server, got {n}:\n{self.describe()}"
                )
        else:
            floor = 1 if at_least is None else at_least
            if n < floor:
                raise AssertionError(
                    f"expected at least {floor} call(s), got {n}:\n{self.describe()}"
                )

    def gaps(self) -> list[float]:
        """Seconds between the end of each answer and the next request (the client's wait)."""
        return [
            b.time - (a.done if a.done is not None else a.time) for a, b in itertools.pairwise(self)
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
        calls = list(self)
        retries = len(calls) - 1
        if retries < 1:  # nothing to check would pass any policy, a missing retry included
            raise AssertionError(
                f"no retry to check: assert_backoff needs a request and at least one retry; "
                f"got {len(calls)} call(s):\n{self.describe()}"
            )
        if retries > max_retries:
            raise AssertionError(
                f"expected at most {max_retries} retries, got {retries}; "
                f"{len(calls)} call(s):\n{self.describe()}"
            )
        problems = []
        first, longest, longest_hint = openai_retry_delays()
        for n, (before, after) in enumerate(itertools.pairwise(calls)):
            gap = after.time - (before.done if before.done is not None else before.time)
            if policy == "openai":
                hinted = (
                    before.retry_after
                    if before.retry_after and 0 < before.retry_after <= longest_hint
                    else None
                )
                base = hinted if hinted is not None else min(_grown(first, 2.0, n), longest)
                low, high = (base, base) if hinted is not None else (base * 0.75, base)
            else:
                base = _grown(initial, factor, n)
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
                f"backoff differs from the policy in {len(problems)} of {retries} retries:\n  "
                + "\n  ".join(cut_list(problems, 20))
                + f"\n{len(calls)} call(s):\n{self.describe()}"
            )


def _is_chat(call: Call) -> bool:
    return call.is_chat


def _grown(start: float, factor: float, n: int) -> float:
    """``start * factor**n``, ``inf`` where a float cannot hold it (retry 1024 and on)."""
    try:
        return start * factor**n
    except OverflowError:
        return math.inf


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
