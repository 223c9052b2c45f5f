"""``FakeServer``: the object the ``autoglm_server`` fixture gives a test.

Script answers (``reply``, ``episode``, ``fail``, ``reset``, ``stall``, ``slow``,
``cut_stream``, ``error_event``, ``malformed_chunk``), set ``health``, read ``calls``, and let the
fixture check strictness at teardown (:meth:`verify`). Start it on a transport with
:meth:`start` or ``with FakeServer(...) as server:``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from pytest_autoglm._reasons import cut_list, did_you_mean
from pytest_autoglm.server._answers import (
    Answer,
    CutStream,
    ErrorEvent,
    Fail,
    MalformedChunk,
    Reply,
    Reset,
    Slow,
    Stall,
)  # fmt: skip
from pytest_autoglm.server._calls import Calls
from pytest_autoglm.server._config import ServerConfig
from pytest_autoglm.server._core import CassetteSource, Core, request_summary
from pytest_autoglm.server._errors import (
    ApiError,
    ScriptError,
    ServerError,
    UnexpectedRequestsError,
)
from pytest_autoglm.server._faults import retry_headers
from pytest_autoglm.server._hosts import HostGuard
from pytest_autoglm.server._script import Entry, Match, Script, encodable

if TYPE_CHECKING:
    from types import TracebackType

    from pytest_autoglm.protocol import Action

ENV_VARS = ("PHONE_AGENT_BASE_URL", "PHONE_AGENT_MODEL", "PHONE_AGENT_API_KEY")


_MATCH_KEYWORDS = ("model", "stream", "contains", "when")


def _seconds(where: str, value: Any, *, zero: bool = True) -> float:
    """A duration in seconds (``>= 0``, or ``> 0`` when not ``zero``) or a :class:`ScriptError`."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not (value >= 0 if zero else value > 0):
        bound = ">= 0" if zero else "> 0"
        raise ScriptError(f"{where}={value!r} must be a number of seconds {bound}")
    return float(value)


def _match(method: str, keywords: dict[str, Any]) -> Match:
    """The :class:`Match` of ``keywords``; an unknown keyword is a :class:`ScriptError` naming it."""
    for name in keywords:
        if name not in _MATCH_KEYWORDS:
            import inspect

            known = [p for p in inspect.signature(getattr(FakeServer, method)).parameters
                     if p not in ("self", "match")] + list(_MATCH_KEYWORDS)  # fmt: skip
            hint = did_you_mean(name, known)
            raise ScriptError(f"{method}() got an unknown keyword {name!r}{hint}; "
                              f"accepted: {', '.join(known)}")  # fmt: skip
    return Match(**keywords)


class Transport(Protocol):
    base_url: str

    def start(self) -> None: ...
    def stop(self) -> None: ...


class FakeServer:
    """A fake AutoGLM model server: vLLM's OpenAI-compatible API, scripted replies and faults.

    Exported for type hints (``def test_x(autoglm_server: FakeServer)``) and for use
    outside pytest (``with FakeServer(transport="http") as server: ...``).
    """

    def __init__(self, config: ServerConfig | None = None, *,
                 clock: Callable[[], float] | None = None,
                 redact: Callable[[str], str] | None = None, **changes: Any) -> None:  # fmt: skip
        """``changes`` override fields of ``config``; ``clock`` times the call records
        (default ``time.monotonic``; the ``autoglm_clock`` fixture passes its virtual one);
        ``redact`` takes secrets out of the records (the fixture passes the session's)."""
        base = config or ServerConfig()
        self.config = base.with_(**changes) if changes else base
        self.calls = Calls(max_calls=self.config.max_calls)
        self._script = Script()
        self._core = Core(self.config, self._script, self.calls, clock or time.monotonic, redact)
        self._transport: Transport | None = None
        self._guard: HostGuard | None = None
        self._saved_env: dict[str, str | None] = {}

    # -- addresses --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Where clients send requests: ``config.base_url`` (respx) or the loopback URL (http)."""
        return self._transport.base_url if self._transport else self.config.base_url

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def api_key(self) -> str:
        return self.config.api_key or "EMPTY"

    def __repr__(self) -> str:
        return f"<FakeServer {self.base_url} {self.config.transport} model={self.model!r}>"

    # -- scripting --------------------------------------------------------------------
    def _add(self, answer: Answer, *, times: int | None, within: float | None, reusable: bool,
             optional: bool, match: Match) -> Entry:  # fmt: skip
        bad_times = not isinstance(times, int) or isinstance(times, bool) or times < 1
        if times is not None and bad_times:
            raise ScriptError(f"times={times!r} must be a positive integer (or use reusable=True)")
        if within is not None:
            within = _seconds("within", within, zero=False)
        if reusable or within is not None:
            times = None if reusable or times == 1 else times
        return self._script.add(answer, match=match, times=times, within=within, optional=optional)

    def reply(
        self,
        reply: Action | str,
        *,
        thinking: str | None = None,
        style: str = "open",
        finish_reason: str = "stop",
        chunks: Iterable[str] | None = None,
        model: str | None = None,
        stream: bool | None = None,
        contains: str | None = None,
        when: Callable[[Any], bool] | None = None,
        times: int | None = 1,
        reusable: bool = False,
        optional: bool = False,
    ) -> FakeServer:
        """Queue a model reply: raw text, or an action (``Tap((500, 120))``) rendered with ``thinking``.

        A string with ``thinking=None`` is sent verbatim; an action, or a string with
        ``thinking``, is wrapped as ``<think>{thinking}</think>\\n<answer>{action}``
        (``style`` picks the protocol's variant, e.g. ``"closed"`` adds ``</answer>``).
        ``model``/``stream``/``contains`` (text in the last user message) and ``when`` (a
        predicate on the parsed request body) restrict which requests it answers.
        """
        text = encodable("reply", self._render(reply, thinking, style))
        pieces = None if chunks is None else tuple(chunks)
        if pieces is not None and "".join(pieces) != text:
            raise ScriptError("chunks=... must join to exactly the reply text")
        match = Match(model=model, stream=stream, contains=contains, when=when)
        self._add(Reply(text, finish_reason, pieces), times=times, within=None, reusable=reusable,
                  optional=optional, match=match)  # fmt: skip
        return self

    def episode(
        self, steps: Iterable[Action | str | tuple[str, Action | str]], **match: Any
    ) -> FakeServer:
        """Queue one reply per step, in order: an action, raw text, or ``(thinking, action)``.

        The steps answer streamed requests only, as phone_agent always streams: a
        non-streamed request (Open-AutoGLM main.py's pre-flight ``"Hi"``) does not eat step 1
        but is reported as unexpected; answer it with :meth:`preflight`. ``match`` takes the
        keywords of :meth:`reply` that restrict and repeat each step: ``model=``,
        ``stream=`` (``None``: any request), ``contains=``, ``when=``, ``times=``,
        ``reusable=``, ``optional=``; also ``style=``, ``finish_reason=``. A step taken by a
        request of another kind than the rest fails the test at teardown.
        """
        match.setdefault("stream", True)
        first = self._script.next_number
        for step in steps:
            if isinstance(step, tuple):
                thinking, action = step
                self.reply(action, thinking=thinking, **match)
            else:
                self.reply(step, **match)
        self._script.group(first)
        return self

    def preflight(self, text: str = "Hello", *, optional: bool = False) -> FakeServer:
        """Answer Open-AutoGLM main.py's pre-flight check (a non-streamed ``"Hi"``) with ``text``.

        One line before ``episode([...])`` when the test runs ``main.py``:
        ``autoglm_server.preflight().episode([...])``.
        """
        from pytest_autoglm.server._script import is_preflight

        return self.reply(text, stream=False, when=is_preflight, optional=optional)

    @staticmethod
    def _render(reply: Any, thinking: str | None, style: str) -> str:
        if isinstance(reply, str) and thinking is None:
            return reply
        from pytest_autoglm.protocol import ACTION_TYPES, render_reply

        if not isinstance(reply, (str, *ACTION_TYPES)):
            raise ScriptError(f"reply({reply!r}): expected the reply text (a str) or an action "
                              "of pytest_autoglm.protocol, e.g. Tap((500, 120))")  # fmt: skip
        try:
            return render_reply(reply, thinking=thinking or "", style=style)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ScriptError(f"cannot render reply {reply!r}: {exc}") from None

    def fail(
        self,
        status: int,
        *,
        times: int | None = 1,
        within: float | None = None,
        retry_after: float | str | None = None,
        retry_after_ms: float | None = None,
        body: dict[str, Any] | str | bytes | ApiError | None = None,
        message: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        optional: bool = False,
        **match: Any,
    ) -> FakeServer:
        """Answer the next ``times`` requests (or all within ``within`` seconds) with an HTTP error.

        The body is the flavour's realistic one (BigModel: ``code="1302"``/``"1305"``;
        OpenAI: ``rate_limit_exceeded``); ``body=`` replaces it (dict, str, bytes or ApiError).
        ``retry_after``/``retry_after_ms`` add the headers clients read.
        """
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ScriptError(f"fail(status={status!r}): expected an HTTP error status, 400 to 599")
        if body is not None and not isinstance(body, (ApiError, dict, str, bytes)):
            raise ScriptError(f"fail(body={body!r}): expected a dict, str, bytes or ApiError")
        if not (headers is None or (isinstance(headers, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()))):  # fmt: skip
            raise ScriptError(f"fail(headers={headers!r}): expected a dict of str to str")
        if retry_after is not None and not isinstance(retry_after, str):
            retry_after = _seconds("retry_after", retry_after)
        if retry_after_ms is not None:
            retry_after_ms = _seconds("retry_after_ms", retry_after_ms)
        matching = _match("fail", match)
        error: ApiError | None = None
        raw: bytes | None = None
        if isinstance(body, ApiError):
            error = body
        elif isinstance(body, dict):
            from pytest_autoglm.server._wire import dumps

            raw = dumps(body)
        elif isinstance(body, str):
            raw = encodable("fail(body)", body).encode()
        elif isinstance(body, bytes):
            raw = body
        else:
            for name, text in (("message", message), ("code", code)):
                if text is not None and not isinstance(text, str):
                    raise ScriptError(f"fail({name}={text!r}): expected a str")
                if text is not None:
                    encodable(f"fail({name})", text)
            error = self.config.profile.fault(status, self.model, code, message)
        extra = retry_headers(retry_after, retry_after_ms) + self.config.profile.fault_headers(
            status
        )
        extra += tuple((k.lower(), v) for k, v in (headers or {}).items())
        answer = Fail(error=error, status=status, body=raw, headers=extra)
        self._add(answer, times=times, within=within, reusable=False, optional=optional,
                  match=matching)  # fmt: skip
        return self

    def reset(self, *, times: int | None = 1, within: float | None = None, optional: bool = False,
              **match: Any) -> FakeServer:  # fmt: skip
        """Reset the connection of the next request(s) before any byte (the client sees ECONNRESET)."""
        self._add(
            Reset(),
            times=times,
            within=within,
            reusable=False,
            optional=optional,
            match=_match("reset", match),
        )
        return self

    def stall(self, seconds: float = 3600.0, *, times: int | None = 1, within: float | None = None,
              optional: bool = False, **match: Any) -> FakeServer:  # fmt: skip
        """Send nothing for ``seconds`` (or until the client gives up), then close: a read timeout."""
        seconds = _seconds("stall(seconds)", seconds)
        self._add(Stall(seconds), times=times, within=within, reusable=False, optional=optional,
                  match=_match("stall", match))  # fmt: skip
        return self

    def slow(self, ttft: float = 0.0, inter_chunk: float = 0.0, *, times: int | None = 1,
             within: float | None = None, reusable: bool = False, optional: bool = False,
             **match: Any) -> FakeServer:  # fmt: skip
        """Deliver the next reply(s) slowly: ``ttft`` seconds to the first token, ``inter_chunk`` between."""
        slow = Slow(_seconds("slow(ttft)", ttft), _seconds("slow(inter_chunk)", inter_chunk))
        self._add(slow, times=times, within=within, reusable=reusable, optional=optional,
                  match=_match("slow", match))  # fmt: skip
        return self

    def cut_stream(self, after: int = 3, *, clean: bool = False, times: int | None = 1, optional: bool = False,
                   **match: Any) -> FakeServer:  # fmt: skip
        """Cut the next reply after ``after`` content chunks: no final chunk, no ``[DONE]``.

        By default the connection drops mid-body (clients raise a protocol error);
        ``clean=True`` ends the HTTP response properly, so clients just see a short reply.
        """
        self._check_after(after)
        self._add(CutStream(after, clean), times=times, within=None, reusable=False, optional=optional,
                  match=_match("cut_stream", match))  # fmt: skip
        return self

    def error_event(self, message: str = "The engine failed while generating.", *, after: int = 2,
                    status: int = 500, type: str = "InternalServerError", times: int | None = 1,
                    optional: bool = False, **match: Any) -> FakeServer:  # fmt: skip
        """Put an error event in the next streamed reply after ``after`` chunks (status stays 200)."""
        self._check_after(after)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ScriptError(f"error_event(status={status!r}): expected an HTTP error status, "
                              "400 to 599 (the code in the event; the HTTP status stays 200)")  # fmt: skip
        if not isinstance(message, str):
            raise ScriptError(f"error_event(message={message!r}): expected a str")
        encodable("error_event(message)", message)
        error = ApiError(status=status, message=message, type=type, flavour=self.config.flavour)
        self._add(ErrorEvent(error, after), times=times, within=None, reusable=False, optional=optional,
                  match=_match("error_event", match))  # fmt: skip
        return self

    def malformed_chunk(self, after: int = 1, *, data: bytes | str = b'{"id":"chatcmpl-broken","choices":[{"delta":',
                        times: int | None = 1, optional: bool = False, **match: Any) -> FakeServer:  # fmt: skip
        """Insert a chunk that is not valid JSON into the next streamed reply, after ``after`` chunks."""
        self._check_after(after)
        if isinstance(data, str):
            data = encodable("malformed_chunk(data)", data).encode()
        if not isinstance(data, bytes):
            raise ScriptError(f"malformed_chunk(data={data!r}): expected bytes or str")
        self._add(MalformedChunk(data, after), times=times, within=None, reusable=False,
                  optional=optional, match=_match("malformed_chunk", match))  # fmt: skip
        return self

    def health(self, status: int = 200) -> FakeServer:
        """Answer ``GET /health`` with ``status`` from now on: ``503`` is a dead engine, ``200`` alive.

        As vLLM and SGLang, the body is empty either way. This is the server's state, not a
        scripted answer: it lasts until changed, and strictness does not count it.
        """
        if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
            raise ScriptError(f"health(status={status!r}): expected an HTTP status, 200 to 599 "
                              "(503 for a dead engine)")  # fmt: skip
        self._core.health_status = status
        return self

    def use_cassette(self, cassette: CassetteSource | None) -> FakeServer:
        """Answer from ``cassette`` every request no scripted fault takes (``None``: stop).

        The ``@pytest.mark.autoglm_cassette`` marker does this with a
        :class:`~pytest_autoglm.cassettes.CassetteSession`: replay, or the live server
        behind the fake acting as a recording proxy.
        """
        self._core.cassette = cassette
        return self

    @staticmethod
    def _check_after(after: int) -> None:
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ScriptError(f"after={after!r} must be a chunk count >= 0")

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> FakeServer:
        """Serve on ``config.transport`` and export ``PHONE_AGENT_*`` if ``config.export_env``."""
        if self._transport is not None:
            return self
        if self.config.transport == "http":
            from pytest_autoglm.server._http import HttpTransport

            self._transport = HttpTransport(self._core)
        else:
            from pytest_autoglm.server._respx import RespxTransport

            self._transport = RespxTransport(self._core)
        self._transport.start()
        from pytest_autoglm import _rounds

        _rounds.track(self)
        self._start_guard()
        if self.config.export_env:
            values = (self.base_url, self.model, self.api_key)
            for name, value in zip(ENV_VARS, values, strict=True):
                self._saved_env[name] = os.environ.get(name)
                os.environ[name] = value
        return self

    def save_round(self) -> object:
        """What a leak check restores before each round after the first (``_rounds``)."""
        core = self._core
        return self._script.snapshot(), self.calls._store.mark(), core._count, core.health_status

    def restore_round(self, state: Any) -> None:
        script, mark, count, health = state
        self._script.restore(script)
        self.calls._store.truncate(mark)
        self._core._count = count
        self._core.health_status = health

    def stop(self) -> None:
        """Stop serving and restore the environment."""
        from pytest_autoglm import _rounds

        _rounds.untrack(self)
        for name, old in self._saved_env.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        self._saved_env.clear()
        if self._guard is not None:
            from pytest_autoglm.server._respx import stop_guard

            stop_guard(self._guard)  # kept: verify() reports what it blocked
        if self._transport is not None:
            self._transport.stop()
            self._transport = None

    def _start_guard(self) -> None:
        """Refuse in-process requests to other hosts while serving (``allow_hosts`` passes)."""
        from urllib.parse import urlsplit

        from pytest_autoglm.server._respx import start_guard

        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._guard = HostGuard(self.base_url, [((parts.hostname or "").encode(), port)],
                                self.config.allow_hosts, self.config.transport,
                                self._core.redact)  # fmt: skip
        start_guard(self._guard)

    @property
    def blocked(self) -> list[str]:
        """URLs of in-process requests to other hosts that were refused (nothing was sent)."""
        return list(self._guard.blocked) if self._guard is not None else []

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()

    # -- strictness -------------------------------------------------------------------
    def problems(self, *, unused: bool = True) -> list[str]:
        """Unexpected requests and unused scripted entries, as report lines (empty when clean).

        ``unused=False`` leaves unused entries out (the fixture does so when the test has
        already failed: its later steps' replies are unused because of that failure).
        """
        lines: list[str] = []
        for trace in self._core.internal_errors:
            lines.append("the fake server failed while answering (a bug in pytest-autoglm):")
            lines += ["  " + line for line in trace.splitlines()]
        unexpected = list(self._core.unexpected)
        if unexpected:
            lines.append(f"{len(unexpected)} unexpected request(s):")
            for item in unexpected[:5]:
                lines.append(f"  request {item.call.index}: {item.explanation}")
                lines += ["    | " + line for line in request_summary(item.call).splitlines()[:40]]
            if len(unexpected) > 5:
                lines.append(f"  ...and {len(unexpected) - 5} more")
        blocked = self.blocked
        if blocked:
            from pytest_autoglm.server._hosts import blocked_message

            lines.append(f"{len(blocked)} request(s) to other hosts were refused, nothing was "
                         "sent (the client may have caught the error):")  # fmt: skip
            lines += ["  " + url for url in cut_list(blocked)]
            lines.append("  " + blocked_message(blocked[0], self.base_url, self.config.transport))
        lines += self._script.mixed_episodes()
        unused_entries = self._script.unused() if unused else []
        if unused_entries:
            n = len(unused_entries)
            lines.append(f"{n} scripted entr{'y was' if n == 1 else 'ies were'} "
                         "never used (pass optional=True to allow that):")  # fmt: skip
            lines += ["  " + label for label in cut_list([e.label() for e in unused_entries])]
        return lines

    def verify(self, *, unused: bool = True) -> None:
        """Raise :class:`UnexpectedRequestsError` when :meth:`problems` finds any."""
        lines = self.problems(unused=unused)
        if lines:
            raise UnexpectedRequestsError(
                "fake AutoGLM server: " + lines[0] + "\n" + "\n".join(lines[1:])
                + "\ncalls received:\n" + self.calls.describe()
            )  # fmt: skip


__all__ = ["FakeServer", "ServerError"]
