"""One test's cassette: what the record mode asks for, replay, recording through the proxy.

The fake server's core asks :meth:`CassetteSession.answer` for every request once a
cassette is attached (after scripted faults). The answer is a :class:`Plan` the core's
transports execute (respx or loopback HTTP), or the text of a miss, which the core turns
into an unexpected request that fails the test at teardown.

Record modes (as in VCR): ``none`` replays only (a miss fails); ``once`` records when the
cassette does not exist yet, else replays; ``new`` replays what it has and records what it
lacks; ``all`` records everything again. With ``--autoglm-base-url`` and mode ``none``
every request passes through to the live server and nothing is written: a live run.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_autoglm.cassettes._commands import CommandCheck, DeviceCommand
from pytest_autoglm.cassettes._diff import differences, distance
from pytest_autoglm.cassettes._errors import CassetteError
from pytest_autoglm.cassettes._format import (
    Cassette,
    Exchange,
    kept_headers,
    read_cassette,
    write_cassette,
)  # fmt: skip
from pytest_autoglm.cassettes._normalise import ImageSink, normalise_request
from pytest_autoglm.cassettes._upstream import Answer, Upstream, UpstreamError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytest_autoglm.phone import FakePhone
    from pytest_autoglm.phone._control import Answer as PhoneAnswer
    from pytest_autoglm.server._calls import Call
    from pytest_autoglm.server._core import Plan, Request

from pytest_autoglm.cassettes._options import RECORD_MODES


def _fix(path: Path) -> str:
    return (f"record it from a live server: pytest --autoglm-record-mode once "
            f"--autoglm-base-url URL (writes {path.name})")  # fmt: skip


class CassetteSession:
    """The cassette ``path`` in record ``mode`` for one test; thread-safe.

    Exported for type hints: the value of the ``autoglm_cassette`` fixture (``new`` lists
    what this test recorded, ``path`` where it is written).
    """

    def __init__(self, path: Path, mode: str, *, upstream: Upstream | None,
                 redact: Callable[[str], str], timing: float = 1.0,
                 fake_prefix: str = "/v1") -> None:  # fmt: skip
        if mode not in RECORD_MODES:
            raise CassetteError(f"record mode {mode!r} is not known; accepted: "
                                f"{', '.join(RECORD_MODES)}")  # fmt: skip
        self.path = path
        self.mode = mode
        self.upstream = upstream
        self.redact = redact
        self.timing = timing
        self.fake_prefix = fake_prefix
        self._lock = threading.Lock()
        self._images: ImageSink = {}
        exists = path.exists()
        self.old = read_cassette(path) if exists and mode != "all" else Cassette(path.stem)
        #: pass everything through, write nothing (a live run: base URL, mode none)
        self.live = upstream is not None and mode == "none"
        self.replaying = not self.live and mode != "all" and (exists or mode == "new")
        self.recording = mode in ("all", "new") or (mode == "once" and not exists)
        if mode == "none" and upstream is None and not exists:
            raise CassetteError(f"cassette {path} does not exist; {_fix(path)}")
        self._used = [False] * len(self.old.exchanges)
        self.new: list[Exchange] = []
        #: requests passed through to the live server and not recorded (a live run)
        self.passed_live = 0
        #: live streams still being handed on (closed at :meth:`finish`)
        self._streaming: list[tuple[Exchange, Answer]] = []
        #: the fake phone's commands: recorded (``commands``) or checked (``command_check``)
        self.phone: FakePhone | None = None
        self.commands: list[DeviceCommand] = []
        self.command_check: CommandCheck | None = None
        self._position = 0  # exchanges before the next command, in the cassette written
        from pytest_autoglm import _rounds

        _rounds.track(self)  # a leak check's later rounds replay the cassette from the start

    @property
    def description(self) -> str:
        if self.live:
            return f"live {self.upstream.base_url if self.upstream else ''}"
        return f"cassette {self.path.name} ({self.mode})"

    # -- a leak check's rounds ---------------------------------------------------------
    def save_round(self) -> object:
        """Where replay and recording stand: a leak check restores it before each round
        after the first (``_rounds``), so every round replays the cassette as round 1 did."""
        with self._lock:
            checked = None if self.command_check is None else self.command_check.mark()
            return (list(self._used), self._position, len(self.new), len(self.commands),
                    self.passed_live, checked)  # fmt: skip

    def restore_round(self, state: Any) -> None:
        used, position, new, commands, passed_live, checked = state
        with self._lock:
            self._used = list(used)
            self._position = position
            del self.new[new:]  # what a later round records replaces what the last one did
            del self.commands[commands:]
            self.passed_live = passed_live
            if self.command_check is not None and checked is not None:
                self.command_check.rewind(checked)

    # -- answering --------------------------------------------------------------------
    def answer(self, request: Request, call: Call) -> Plan | str:
        """The plan for ``request``, or why nothing answers it (a miss)."""
        normal = normalise_request(request.method, request.path, request.body, self.redact,
                                   self._images if self.recording else None)  # fmt: skip
        if self.replaying:
            with self._lock:
                index = self._find(normal)
                if index is not None:
                    self._used[index] = True
            if index is not None:
                call.answered_by = f"cassette {self.path.name} #{index + 1}"
                self._position = index + 1
                return self._replay(self.old.exchanges[index])
        if self.upstream is None or not (self.live or self.recording):
            return self._miss(normal)
        try:
            answer = self.upstream.forward(request.method, request.path, dict(request.headers),
                                           request.body, self.fake_prefix)  # fmt: skip
        except UpstreamError as exc:
            return str(exc)
        exchange = Exchange(normal, answer.status, kept_headers(answer.headers), answer.t_head,
                            answer.body, answer.events, answer.t_end, answer.cut)  # fmt: skip
        if self.recording:  # in the order the requests went out; a stream fills in as it comes
            with self._lock:
                self.new.append(exchange)
                before = len(self.old.exchanges) if self.mode == "new" else 0
                self._position = before + len(self.new)
            call.answered_by = f"recorded from {self.upstream.base_url}"
        else:
            call.answered_by = f"live {self.upstream.base_url}"
            with self._lock:
                self.passed_live += 1
        if answer.pending is None:
            return self._replay(exchange, timing=0.0)  # already waited for, once
        return self._pass_on(exchange, answer)

    def _pass_on(self, exchange: Exchange, answer: Answer) -> Plan:
        """A plan whose stream hands each event on as the live server sends it."""
        from pytest_autoglm.server._core import Plan

        plan = Plan(status=exchange.status, headers=list(exchange.headers.items()))
        pending = answer.pending
        assert pending is not None
        # weak: the plan holds the stream, so a strong reference would make a cycle, and a
        # client that hangs up would keep the live connection open until the next gc
        owner = weakref.ref(plan)

        with self._lock:
            self._streaming.append((exchange, answer))

        def parts() -> Iterator[tuple[float, bytes]]:
            try:
                for event in pending:
                    yield 0.0, event.wire  # the live server's own pace: no added delay
            finally:
                close = getattr(pending, "close", None)
                if close is not None:
                    close()  # the client stopped reading: hang up on the live server too
                exchange.t_end, exchange.cut = answer.t_end, answer.cut
                with self._lock:  # by identity: two streams may carry equal events
                    self._streaming = [s for s in self._streaming if s[1] is not answer]
                if (alive := owner()) is not None:
                    alive.cut = answer.cut  # the transport reads it after the last part

        plan.stream = parts()
        return plan

    def _find(self, normal: dict[str, Any]) -> int | None:
        for i, exchange in enumerate(self.old.exchanges):
            if not self._used[i] and exchange.request == normal:
                return i
        return None

    def _replay(self, exchange: Exchange, timing: float | None = None) -> Plan:
        from pytest_autoglm.server._core import Plan

        scale = self.timing if timing is None else timing
        headers = list(exchange.headers.items())
        plan = Plan(status=exchange.status, headers=headers, head_delay=exchange.t_head * scale,
                    cut=exchange.cut)  # fmt: skip
        if exchange.events is None:
            plan.body = exchange.body
            return plan
        parts: list[tuple[float, bytes]] = []
        last = exchange.t_head
        for event in exchange.events:
            parts.append((max(0.0, event.t - last) * scale, event.wire))
            last = event.t
        plan.stream = parts
        return plan

    def _miss(self, normal: dict[str, Any]) -> str:
        where = f"cassette {self.path}"
        if not self.old.exchanges:
            return f"{where} has no recorded requests; {_fix(self.path)}"
        ranked = sorted(range(len(self.old.exchanges)),
                        key=lambda i: (self._used[i], distance(self.old.exchanges[i].request, normal)))  # fmt: skip
        nearest = ranked[0]
        recorded = self.old.exchanges[nearest].request
        used = " (already replayed)" if self._used[nearest] else ""
        lines = [f"no recorded request in {where} matches; the nearest is #{nearest + 1}{used}, "
                 "which differs in:"]  # fmt: skip
        lines += [f"    {line}" for line in differences(recorded, normal) or ["(identical)"]]
        lines.append(
            "  if the request changed on purpose, re-record: --autoglm-record-mode new "
            "(adds it) or all (records again), with --autoglm-base-url URL"
        )
        return "\n".join(lines)

    # -- the fake phone's commands ----------------------------------------------------
    def attach_phone(self, phone: FakePhone) -> None:
        """Record ``phone``'s commands into the cassette, or check them against it."""
        self.phone = phone
        if self.replaying and not self.recording and self.old.meta.get("device_commands"):
            self.command_check = CommandCheck(self.old.commands, f"cassette {self.path.name}")
        phone.use_cassette(self)

    def check_command(self, tool: str, argv: tuple[str, ...]) -> str | None:
        """None to let the phone answer; else why the command is not the recorded one."""
        if self.command_check is None:
            return None
        with self._lock:
            return self.command_check.check(tool, argv)

    def ran_command(self, tool: str, argv: tuple[str, ...], answer: PhoneAnswer) -> None:
        if self.recording:
            with self._lock:
                self.commands.append(DeviceCommand.of(tool, argv, answer, after=self._position))

    # -- at teardown ------------------------------------------------------------------
    @property
    def commands_seen(self) -> int:
        """Device commands this test checked against the cassette or recorded into it."""
        check = self.command_check
        return len(self.commands) + (check.checked if check is not None else 0)

    def command_report(self, *, allow_unused: bool = False) -> str | None:
        """Why the device commands did not follow the cassette (misses, and recorded
        commands never run unless ``allow_unused``), or None."""
        check = self.command_check
        if check is None:
            return None
        from pytest_autoglm._reasons import cut_list

        parts = []
        if check.misses:
            parts.append(f"{len(check.misses)} device command(s) differ from cassette {self.path}:")
            parts += ["  " + line for miss in check.misses[:3] for line in miss.splitlines()]
            if len(check.misses) > 3:
                parts.append(f"  ...and {len(check.misses) - 3} more")
        unused = [] if allow_unused else check.unused()
        if unused:
            parts.append(f"{len(unused)} recorded device command(s) in {self.path} were never run:")
            parts += ["  " + line for line in cut_list(unused)]
        if not parts:
            return None
        parts.append("  if the agent changed on purpose, re-record: --autoglm-record-mode all "
                     "--autoglm-base-url URL")  # fmt: skip
        return "CassetteError: " + "\n".join(parts)

    def unused(self) -> list[str]:
        """Recorded interactions a replay never asked for (``#n METHOD path``)."""
        if not self.replaying or self.mode == "new":
            return []
        return [f"#{i + 1} {e.request.get('method')} {e.request.get('path')}"
                for i, e in enumerate(self.old.exchanges) if not self._used[i]]  # fmt: skip

    def finish(self) -> Path | None:
        """Write the cassette if this test recorded into it; the path written, or None.

        A live stream still open (a client that hung up while the server stalled, on the
        loopback transport) is hung up on, and kept as far as it came, as cut."""
        from pytest_autoglm import _rounds

        _rounds.untrack(self)
        with self._lock:
            streaming = list(self._streaming)
        for exchange, answer in streaming:
            answer.hang_up()
            exchange.cut = True
            exchange.t_end = max(exchange.t_end, *(e.t for e in exchange.events or ()))
        if not self.recording or (self.mode != "all" and not self.new):
            return None
        exchanges = (list(self.old.exchanges) if self.mode == "new" else []) + [
            dataclasses.replace(e, events=list(e.events) if e.events is not None else None)
            for e in self.new
        ]  # a snapshot: a stream hung up on may still be ending in its own thread
        meta = {key: value for key, value in self.old.meta.items()
                if key not in ("autoglm_cassette", "name")}  # fmt: skip
        if self.upstream is not None:
            meta["recorded_from"] = self.upstream.base_url
        meta["recorded_at"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        if self.phone is not None:
            meta["device_commands"] = True
        else:
            meta.pop("device_commands", None)
        cassette = Cassette(self.path.stem, exchanges, meta, list(self.commands))
        write_cassette(self.path, cassette, self.redact, self._images)
        return self.path
