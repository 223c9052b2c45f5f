"""The script: scripted answers and faults, matched on request features, consumed in order.

Thread-safe: one lock guards every take, so concurrent requests consume the script in
order and never share or skip an entry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pytest_autoglm.server._answers import (
    Answer,
    CutStream,
    ErrorEvent,
    MalformedChunk,
    Reply,
    Slow,
)
from pytest_autoglm.server._errors import ScriptError
from pytest_autoglm.server._validate import ChatFacts


class PredicateError(ScriptError):
    """A ``when=`` predicate raised: the request is answered as unexpected, the test fails."""


@dataclass(frozen=True)
class Match:
    """Request features an entry waits for; ``None`` matches anything."""

    model: str | None = None
    stream: bool | None = None
    contains: str | None = None
    #: a predicate on the parsed request body (a dict)
    when: Callable[[Any], bool] | None = None

    def __post_init__(self) -> None:
        """A wrong type is named here, at the scripting call, not inside the client later."""
        for name, wanted in (("model", "a str"), ("contains", "a str")):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ScriptError(f"{name}={value!r} must be {wanted} (or None: any)")
            if value is not None:
                encodable(name, value)
        if self.stream is not None and not isinstance(self.stream, bool):
            raise ScriptError(f"stream={self.stream!r} must be True, False or None (any)")
        if self.when is not None and not callable(self.when):
            raise ScriptError(f"when={self.when!r} must be a function of the request body")

    @property
    def anything(self) -> bool:
        """Whether every request matches (no feature is asked for)."""
        return self.model is None and self.stream is None and self.contains is None and (
            self.when is None
        )  # fmt: skip

    def mismatches(self, facts: ChatFacts) -> list[str]:
        """Why ``facts`` does not match, one line per feature (empty when it matches)."""
        out: list[str] = []
        if self.model is not None and facts.model != self.model:
            out.append(f"model: scripted {self.model!r}, request has {facts.model!r}")
        if self.stream is not None and facts.stream != self.stream:
            line = f"stream: scripted {self.stream}, request has {facts.stream}"
            if is_preflight(facts.body):
                line += (" (this is Open-AutoGLM main.py's pre-flight check; answer it with "
                         "autoglm_server.preflight())")  # fmt: skip
            out.append(line)
        if self.contains is not None and self.contains not in facts.last_user_text:
            text = facts.last_user_text
            shown = text if len(text) <= 80 else text[:77] + "..."
            out.append(f"contains: scripted {self.contains!r}, last user text is {shown!r}")
        if self.when is not None:
            name = getattr(self.when, "__name__", "predicate")
            try:
                matched = self.when(facts.body)
            except Exception as exc:  # a bug in the test's predicate: say so, never crash the fake
                raise PredicateError(
                    f"the when= predicate raised {type(exc).__name__}: {exc} (it gets the "
                    "request body, a dict; fix the predicate)"
                ) from exc
            if not matched:
                out.append(f"when: {name}() returned False")
        return out

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in (("model", self.model), ("stream", self.stream),
                 ("contains", self.contains)) if v is not None]  # fmt: skip
        if self.when is not None:
            parts.append(f"{getattr(self.when, '__name__', 'predicate')}()")
        return ", ".join(parts)


@dataclass
class Entry:
    """One scripted answer and how often it may answer."""

    number: int
    answer: Answer
    match: Match = field(default_factory=Match)
    #: remaining uses; ``None`` with ``within=None`` means reusable without limit
    times: int | None = 1
    within: float | None = None
    optional: bool = False
    uses: int = 0
    started: float | None = None
    #: the scripted ``episode()`` this entry is a step of (its first entry's number)
    group: int | None = None
    #: ``(stream, last user text)`` of each request this entry answered
    taken_by: list[tuple[bool, str]] = field(default_factory=list, repr=False)
    _label: str | None = field(default=None, repr=False)

    @property
    def shaping(self) -> bool:
        return isinstance(self.answer, (Slow, CutStream, ErrorEvent, MalformedChunk))

    def live(self, now: float) -> bool:
        if (
            self.within is not None
            and self.started is not None
            and now - self.started > self.within
        ):
            return False
        return self.times is None or self.times > 0

    def take(self, now: float) -> None:
        self.uses += 1
        if self.started is None:
            self.started = now
        if self.times is not None:
            self.times -= 1

    def matches(self, facts: ChatFacts) -> bool:
        """Whether ``facts`` match; a raising ``when=`` is a :class:`PredicateError` naming this entry."""
        if self.match.anything:
            return True
        try:
            return not self.match.mismatches(facts)
        except PredicateError as exc:
            raise PredicateError(f"{self.label()}: {exc}") from exc.__cause__

    def label(self) -> str:
        if self._label is None:
            desc = self.answer.describe()
            match = self.match.describe()
            self._label = f"#{self.number} {desc}" + (f" when {match}" if match else "")
        return self._label


class Taken:
    """What the script gave one request: its answer entry and the shaping faults applied.

    Internal, one per call: a plain slotted class (a frozen dataclass's per-field
    ``object.__setattr__`` is the cost of building it). Read-only by convention.
    """

    __slots__ = ("entry", "shaping")

    def __init__(self, entry: Entry | None, shaping: tuple[Entry, ...] = ()) -> None:
        self.entry = entry
        self.shaping = shaping


class Script:
    """Ordered entries; :meth:`take` picks the first live matching entry of each kind."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []  # every entry ever added, for reports
        self._active: list[Entry] = []  # terminal answers that can still answer, in order
        self._shaping: list[Entry] = []  # shaping faults that can still apply, in order
        self._lock = threading.Lock()
        self._next = 1

    def add(self, answer: Answer, **kw: object) -> Entry:
        with self._lock:
            entry = Entry(self._next, answer, **kw)  # type: ignore[arg-type]
            self._next += 1
            self._entries.append(entry)
            (self._shaping if entry.shaping else self._active).append(entry)
            return entry

    @property
    def next_number(self) -> int:
        """The number the next added entry will get."""
        return self._next

    def __iter__(self) -> Iterator[Entry]:
        with self._lock:
            return iter(list(self._entries))

    def take(self, facts: ChatFacts, now: float) -> Taken:
        """The first live entry that matches (a terminal answer), plus shaping faults that match."""
        with self._lock:
            answer = self._first(self._active, facts, now)
            if answer is None:
                return Taken(None)
            answer.take(now)
            if answer.group is not None:
                answer.taken_by.append((facts.stream, facts.last_user_text))
            if answer.times == 0:
                self._active.remove(answer)
            if not _is_reply(answer):
                return Taken(answer)
            if not self._shaping:
                return Taken(answer)
            shaping: list[Entry] = []
            kinds: set[type] = set()
            for entry in self._shaping:
                if entry.live(now) and entry.matches(facts):
                    kind = Slow if isinstance(entry.answer, Slow) else CutStream
                    if kind not in kinds and (facts.stream or not _stream_only(entry)):
                        kinds.add(kind)
                        shaping.append(entry)
                        entry.take(now)
            self._shaping = [e for e in self._shaping if e.live(now)]
            return Taken(answer, tuple(shaping))

    @staticmethod
    def _first(entries: list[Entry], facts: ChatFacts, now: float) -> Entry | None:
        expired = []
        found = None
        for entry in entries:
            if not entry.live(now):
                expired.append(entry)
            elif entry.matches(facts):
                found = entry
                break
        for entry in expired:
            entries.remove(entry)
        return found

    def snapshot(self) -> Any:
        """The script's state now, for :meth:`restore` (a leak check's rounds)."""
        with self._lock:
            counters = [(e.times, e.uses, e.started, len(e.taken_by)) for e in self._entries]
            return (list(self._entries), counters, list(self._active), list(self._shaping),
                    self._next)  # fmt: skip

    def restore(self, state: Any) -> None:
        """Back to a :meth:`snapshot`: entries added since are gone, the rest as they were."""
        entries, counters, active, shaping, next_number = state
        with self._lock:
            for entry, (times, uses, started, taken) in zip(entries, counters, strict=True):
                entry.times, entry.uses, entry.started = times, uses, started
                del entry.taken_by[taken:]
            self._entries = list(entries)
            self._active = list(active)
            self._shaping = list(shaping)
            self._next = next_number

    def group(self, first: int) -> None:
        """Mark the entries numbered ``first`` and after as the steps of one episode."""
        with self._lock:
            for entry in self._entries:
                if entry.number >= first:
                    entry.group = first

    def mixed_episodes(self) -> list[str]:
        """Report lines for episode steps taken by a request of another kind than the rest.

        An episode scripts one agent's requests, all of a kind (phone_agent always
        streams); a step answered by a non-streamed request (main.py's pre-flight "Hi")
        means the agent never saw that step.
        """
        with self._lock:
            groups: dict[int, list[Entry]] = {}
            for entry in self._entries:
                if entry.group is not None and entry.taken_by:
                    groups.setdefault(entry.group, []).append(entry)
        lines = []
        for entries in groups.values():
            kinds = [stream for entry in entries for stream, _ in entry.taken_by]
            if len(set(kinds)) < 2:
                continue
            usual = max(set(kinds), key=kinds.count)
            for entry in entries:
                for stream, text in entry.taken_by:
                    if stream != usual:
                        shown = text if len(text) <= 40 else text[:37] + "..."
                        lines.append(
                            f"episode step {entry.label()} was taken by a "
                            f"{'streamed' if stream else 'non-streamed'} request ({shown!r}) "
                            f"while the other steps went to {'streamed' if usual else 'non-streamed'}"
                            " requests: the agent never saw this step. Script that request on "
                            "its own (autoglm_server.preflight() for main.py's check) or pass "
                            "episode(..., stream=...)"
                        )  # fmt: skip
        return lines

    def unused(self) -> list[Entry]:
        """Entries never used that are not optional (the strict check at teardown)."""
        with self._lock:
            return [e for e in self._entries if e.uses == 0 and not e.optional]

    def pending(self) -> list[Entry]:
        """Entries that can still answer (for the diff of an unmatched request)."""
        with self._lock:
            return [e for e in self._entries if e.times is None or e.times > 0]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._active.clear()
            self._shaping.clear()


def is_preflight(body: object) -> bool:
    """Open-AutoGLM main.py's pre-flight: one non-streamed user message ``"Hi"``."""
    if not isinstance(body, dict) or body.get("stream") is True:
        return False
    messages = body.get("messages")
    return (
        isinstance(messages, list) and len(messages) == 1 and isinstance(messages[0], dict)
        and messages[0].get("role") == "user" and messages[0].get("content") == "Hi"
    )  # fmt: skip


def encodable(where: str, text: str) -> str:
    """``text`` if it can go on the wire as UTF-8; a lone surrogate is a :class:`ScriptError`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ScriptError(
            f"{where}: {text[max(0, exc.start - 10) : exc.end + 10]!r} holds {exc.object[exc.start]!r}"
            f" at {exc.start}, which UTF-8 cannot encode (a lone surrogate); the server could "
            "not send it"
        ) from None
    return text


def _is_reply(entry: Entry) -> bool:
    return isinstance(entry.answer, Reply)


def _stream_only(entry: Entry) -> bool:
    return isinstance(entry.answer, (ErrorEvent, MalformedChunk))
