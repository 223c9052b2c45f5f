"""The pure core: one request in, one answer plan out. Both transports only carry its plans.

:meth:`Core.handle` records the call, routes it (``/health``, ``/version``,
``<prefix>/models``, ``<prefix>/chat/completions``), checks the key and validates like
the real server, takes the scripted answer, and returns a :class:`Plan`: status,
headers, body or timed stream parts, and whether the connection is cut, reset or stalls.
The transports (``_respx.py``, ``_http.py``) execute plans; they decide nothing.
"""

from __future__ import annotations

import _random
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

from pytest_autoglm.server._answers import (
    CutStream,
    ErrorEvent,
    Fail,
    MalformedChunk,
    Reply,
    Reset,
    Slow,
    Stall,
)  # fmt: skip
from pytest_autoglm.server._calls import (
    UNPARSED,
    Call,
    Calls,
    kept_body,
    mask_headers,
    parse_retry_after,
    summarise_json,
)
from pytest_autoglm.server._config import ServerConfig
from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._script import Entry, PredicateError, Script
from pytest_autoglm.server._validate import ChatFacts
from pytest_autoglm.server._wire import (
    DONE,
    completion_id,
    dumps,
    event,
    models_body,
    split_tokens,
)  # fmt: skip

JSON = "application/json"
#: the C scanner under ``json.loads``, and the blanks it allows after the value
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_BLANKS = " \t\n\r"
#: ``Random.seed`` for an int without the Python wrapper's type checks (same state)
_reseed = _random.Random.seed
SSE = "text/event-stream; charset=utf-8"
UNEXPECTED_STATUS = 422


class Request:
    """A request as both transports hand it to the core (header names lower-case).

    A plain slotted class, not a frozen dataclass: one is built per request, and a frozen
    dataclass's ``object.__setattr__`` per field cost ~8 k instructions a call (callgrind).
    Treat it as read-only.
    """

    __slots__ = ("body", "headers", "method", "path", "transport")

    def __init__(self, method: str, path: str, headers: Mapping[str, str], body: bytes,
                 transport: str) -> None:  # fmt: skip
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.transport = transport

    def __repr__(self) -> str:
        return (f"Request(method={self.method!r}, path={self.path!r}, headers={self.headers!r}, "
                f"body={self.body!r}, transport={self.transport!r})")  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Request):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # headers is a dict: never hashable


@dataclass
class Plan:
    """How to answer: ``drop`` (``"reset"``/``"stall"``) sends nothing; else status, headers, then
    ``body`` or the timed ``stream`` parts ``(delay_before, bytes)``; ``cut`` closes early.

    ``stream`` is a list, or an iterator whose parts are still arriving (a live server behind
    the recording proxy): transports send each part as it comes and read ``cut`` after the last.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: list[tuple[float, bytes]] | Iterator[tuple[float, bytes]] | None = None
    head_delay: float = 0.0
    cut: bool = False
    drop: str | None = None
    stall: float = 0.0
    call: Call | None = None


class CassetteSource(Protocol):
    """What the core asks when a cassette is attached (:class:`~pytest_autoglm.cassettes.CassetteSession`)."""

    def answer(self, request: Request, call: Call) -> Plan | str: ...


@dataclass(frozen=True)
class Unexpected:
    """A request nothing scripted could answer, and the explanation shown at teardown."""

    call: Call
    explanation: str


def _parse(body: bytes) -> Any:
    """``json.loads(body)``, its errors included; an object's text goes to the scanner directly."""
    if body[:1] != b"{":
        return json.loads(body)
    text = body.decode()  # opens with "{": UTF-8 without a BOM, json.loads's sniffing is moot
    try:
        value, end = _scan(text, 0)
    except StopIteration as stop:  # a value missing inside the object: as json.loads says it
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    if end != len(text) and (rest := text[end:].lstrip(_BLANKS)):  # json allows these after
        raise json.JSONDecodeError("Extra data", text, len(text) - len(rest))
    return value


def _json_plan(status: int, payload: bytes, headers: tuple[tuple[str, str], ...] = ()) -> Plan:
    """A JSON answer; a ``content-type`` among ``headers`` (``fail(headers=...)``) replaces it."""
    if not headers:
        return Plan(status=status, headers=[("content-type", JSON)], body=payload)
    own = [] if any(name == "content-type" for name, _ in headers) else [("content-type", JSON)]
    return Plan(status=status, headers=[*own, *headers], body=payload)


class Core:
    """Request -> :class:`Plan` for one fake server; thread-safe."""

    def __init__(self, config: ServerConfig, script: Script, calls: Calls,
                 clock: Callable[[], float] = time.monotonic,
                 redact: Callable[[str], str] | None = None) -> None:  # fmt: skip
        self.config = config
        #: takes the session's registered secrets out of what the call records keep
        self.redact = redact
        self.script = script
        self.calls = calls
        self.clock = clock
        self.unexpected: list[Unexpected] = []
        #: tracebacks of failures inside the fake itself (reported by ``verify``)
        self.internal_errors: list[str] = []
        #: the status of ``GET /health`` (``FakeServer.health``; 503: the engine is dead)
        self.health_status = 200
        self._lock = threading.Lock()
        self._order = threading.Lock()
        self._count = 0
        self._created = int(time.time())
        self._profile = config.profile
        self._prefix = config.api_prefix
        self._models_path = f"{self._prefix}/models"
        self._chat_path = f"{self._prefix}/chat/completions"
        #: reseeded for each reply (cheaper than a new Random); used only under ``_order``
        self._rng = random.Random()
        #: a cassette (replay, or the live server behind a recording proxy) answering what
        #: no scripted fault takes; see :mod:`pytest_autoglm.cassettes`
        self.cassette: CassetteSource | None = None

    # -- entry point ------------------------------------------------------------------
    def handle(self, request: Request) -> Plan:
        call = self._record(request)
        with self._order:  # calls are numbered and kept in the order their answers were taken
            call.time = self.clock()
            plan = self._route(request, call)
            call.full = UNPARSED  # the record keeps only its (summarised) body
            call.status = None if plan.drop else plan.status
            call.retry_after = parse_retry_after(plan.headers) if plan.headers else None
            self._count += 1
            call.index = self._count
            self.calls._append(call)
        plan.call = call
        return plan

    def finished(self, plan: Plan, elapsed: float | None = None) -> None:
        """Transports call this when the answer is complete (or the connection dropped).

        ``elapsed``: the real seconds the answer took, for a transport whose thread is not
        the client's (``http``). The client may have moved a virtual clock on (a retry's
        backoff under ``autoglm_clock``) before that thread notes the end; the record
        must not take that jump in.
        """
        if plan.call is not None:
            done = self.clock() if elapsed is None else plan.call.time + elapsed
            plan.call.done = done

    # -- recording --------------------------------------------------------------------
    def _record(self, request: Request) -> Call:
        body = request.body
        parsed = None
        if body:
            try:
                parsed = _parse(body)
            except (ValueError, RecursionError):  # not JSON, or nested too deep to read
                parsed = None
        retry = request.headers.get("x-stainless-retry-count")
        headers = mask_headers(request.headers)
        if self.redact is not None:
            headers = {name: self.redact(value) for name, value in headers.items()}
            text = body.decode("utf-8", "replace")
            clean = self.redact(text)
            if clean != text:  # a secret in the body: keep only the redacted form
                body = clean.encode()
                parsed = _redact_json(parsed, self.redact)
        if parsed is None and not self.config.keep_bodies:
            body = body[:8000]  # not JSON: kept for the failure text, which shows 2000 chars
        return Call(
            index=0, method=request.method, path=request.path, headers=headers,
            body=kept_body(body, self.config.keep_bodies), full=parsed,
            stream=isinstance(parsed, dict) and parsed.get("stream") is True,
            retry_count=int(retry) if retry and retry.isdigit() else None,
            time=0.0, transport=request.transport,
        )  # fmt: skip

    # -- routing ----------------------------------------------------------------------
    def _route(self, request: Request, call: Call) -> Plan:
        if self.cassette is not None:
            return self._from_cassette(request, call)
        path, method = request.path, request.method
        if path in ("/health", "/version") and method != "GET":  # FastAPI's answer
            return _json_plan(405, dumps({"detail": "Method Not Allowed"}))
        if path == "/health":
            call.answered_by = "endpoint /health"
            return Plan(status=self.health_status)  # empty body; the transport sets its length
        if path == "/version":
            call.answered_by = "endpoint /version"
            return _json_plan(200, dumps({"version": self.config.version}))
        api = path.startswith(self._prefix + "/") or path == self._prefix
        if api and self.config.key_required and not self._authorized(request.headers):
            call.answered_by = "unauthorized"
            return self._error_plan(self._profile.unauthorized())
        if path == self._models_path:
            if method not in ("GET", "HEAD"):  # Starlette answers HEAD on every GET route
                return _json_plan(405, dumps({"detail": "Method Not Allowed"}))
            call.answered_by = "endpoint /models"
            owned = self._profile.owned_by
            return _json_plan(
                200, models_body(self.config.model, self.config.max_model_len, owned, self._created)
            )
        if path == self._chat_path:
            if method != "POST":
                return _json_plan(405, dumps({"detail": "Method Not Allowed"}))
            return self._chat(request, call)
        call.answered_by = "not found"
        routes = ("/health", "/version", self._models_path, self._chat_path)
        status, headers, body = self._profile.unknown_path(method, path, routes)
        return Plan(status=status, headers=list(headers.items()), body=body)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token == self.config.api_key

    def _error_plan(self, error: ApiError, extra: tuple[tuple[str, str], ...] = ()) -> Plan:
        return _json_plan(error.status, error.body(), error.headers + extra)

    # -- chat completions -------------------------------------------------------------
    def _chat(self, request: Request, call: Call) -> Plan:
        content_type = request.headers.get("content-type", "")
        refused = self._profile.refuse_body(request.body, content_type, call.json)
        if refused is not None:
            call.answered_by = "validation"
            return self._error_plan(refused)
        if self.config.validate:
            checked = self._profile.check_chat(call.json, self.config)
            if isinstance(checked, ApiError):
                call.answered_by = f"validation: {checked.message.splitlines()[0][:80]}"
                if checked.in_stream and call.stream:  # SGLang: a 200 stream with the error
                    return Plan(status=200, headers=[("content-type", SSE)],
                                stream=[(0.0, checked.stream_event()), (0.0, DONE)])  # fmt: skip
                return self._error_plan(checked)
            facts = checked
        else:
            facts = _loose_facts(call.json, self.config)
        try:
            taken = self.script.take(facts, self.clock())
        except PredicateError as exc:  # the test's own bug: answer it as unexpected, report it
            return self._unexpected(call, facts, str(exc))
        if taken.entry is None:
            return self._unexpected(call, facts)
        return self._answer(taken.entry, facts, call, taken.shaping)

    def _from_cassette(self, request: Request, call: Call) -> Plan:
        """A scripted answer first (a test's fault), else the cassette's; a miss is unexpected."""
        assert self.cassette is not None
        if call.is_chat and call.json is not None:
            facts = _loose_facts(call.json, self.config)
            taken = self.script.take(facts, self.clock())
            if taken.entry is not None:
                return self._answer(taken.entry, facts, call, taken.shaping)
        answer = self.cassette.answer(request, call)
        if isinstance(answer, str):
            return self._unexpected(call, _loose_facts(call.json, self.config), answer)
        return answer

    def _answer(self, entry: Entry, facts: ChatFacts, call: Call,
                shaping: tuple[Entry, ...]) -> Plan:  # fmt: skip
        call.answered_by = entry.label()
        answer = entry.answer
        if isinstance(answer, Fail):
            body = (
                answer.body
                if answer.body is not None
                else (answer.error.body() if answer.error else b"")
            )
            return _json_plan(answer.status, body, answer.headers)
        if isinstance(answer, Reset):
            return Plan(drop="reset")
        if isinstance(answer, Stall):
            return Plan(drop="stall", stall=answer.seconds)
        assert isinstance(answer, Reply)
        return self._reply(answer, entry, facts, shaping)

    def _seeded(self, seed: int) -> random.Random:
        """The core's one generator in the state of ``random.Random(seed)`` (one C call)."""
        rng = self._rng
        _reseed(rng, seed)
        rng.gauss_next = None  # type: ignore[attr-defined]  # what Random.seed also resets
        return rng

    def _reply(self, reply: Reply, entry: Entry, facts: ChatFacts,
               shaping: tuple[Entry, ...]) -> Plan:  # fmt: skip
        seed = self.config.seed * 1_000_003 + entry.number * 1009 + entry.uses
        est = self.config.tokens
        text, finish = reply.text, reply.finish_reason
        completion = est.text_tokens(text)
        budget = self.config.max_model_len - facts.prompt.full
        if facts.max_tokens is not None:
            budget = min(budget, facts.max_tokens)
        if completion > budget:  # generation stops at the limit, as vLLM's does
            text = text[: max(0, len(text) * budget // max(completion, 1))]
            completion, finish = est.text_tokens(text), "length"
        thinking, text = _reasoning_split(text, self.config.reasoning_parser)
        cid = completion_id(seed)
        model = facts.model
        slow, shape = _shaped(shaping)
        if not facts.stream:
            body = self._profile.completion_body(cid=cid, created=self._created, model=model, text=text,
                                   finish_reason=finish, prompt=facts.prompt.full,
                                   completion=completion, reasoning=thinking)  # fmt: skip
            plan = _json_plan(200, body)
            if slow is not None:
                count = len(split_tokens(text, self._seeded(seed), self.config.chunk_chars))
                plan.head_delay = slow.ttft + slow.inter_chunk * max(0, count - 1)
            if isinstance(shape, CutStream):
                plan.headers.append(("content-length", str(len(body))))
                plan.body, plan.cut = body[: len(body) // 2], True  # never "clean": length is set
            return plan
        rng = self._seeded(seed)  # token-sized pieces vary per seed, as a sampler's do
        if reply.chunks is not None and text == reply.text:
            pieces = list(reply.chunks)
        else:
            pieces = split_tokens(text, rng, self.config.chunk_chars)
        writer = self._profile.chunk_writer(cid, self._created, model, facts)
        ttft = slow.ttft if slow else 0.0
        gap = slow.inter_chunk if slow else 0.0
        parts = [(ttft, writer.role()), *((gap, writer.reasoning(p)) for p in (
            split_tokens(thinking, rng) if thinking is not None else ()))]  # fmt: skip
        last = len(pieces) - 1
        plan = Plan(status=200, headers=[("content-type", SSE)], stream=parts)
        for i, piece in enumerate(pieces):
            if isinstance(shape, CutStream) and i >= shape.after:
                plan.cut = not shape.clean
                return plan
            if isinstance(shape, ErrorEvent) and i == shape.after:
                parts.append((gap, shape.error.stream_event()))
                parts.append((0.0, DONE))
                return plan
            if isinstance(shape, MalformedChunk) and i == shape.after:
                parts.append((gap, event(shape.data)))
            parts.append((gap, writer.content(piece, finish if i == last else None)))
        if isinstance(shape, ErrorEvent):  # after the last chunk
            parts.append((gap, shape.error.stream_event()))
        elif facts.include_usage:
            parts.append((0.0, writer.usage(facts.prompt.full, completion)))
        if isinstance(shape, CutStream):
            plan.cut = not shape.clean
            return plan
        parts.append((0.0, DONE))
        return plan

    # -- strictness -------------------------------------------------------------------
    def _unexpected(self, call: Call, facts: ChatFacts, explanation: str | None = None) -> Plan:
        call.answered_by = "unexpected"
        explanation = explanation or self.explain(call, facts)
        with self._lock:
            self.unexpected.append(Unexpected(call, explanation))
        first = explanation.splitlines()[0]
        error = ApiError(
            status=UNEXPECTED_STATUS, flavour=self.config.flavour, type="autoglm_unexpected_request",
            message=f"unexpected request (pytest-autoglm fake server): {first}",
        )  # fmt: skip
        return self._error_plan(error, (("x-should-retry", "false"),))

    def explain(self, call: Call, facts: ChatFacts) -> str:
        """Why nothing answered ``call``: the nearest pending entry and what differs."""
        pending = [e for e in self.script.pending() if not e.shaping]
        if not pending:
            used = sum(1 for e in self.script if not e.shaping)
            why = ("nothing is scripted" if not used else "the 1 scripted reply was used up"
                   if used == 1 else f"all {used} scripted replies were used up")  # fmt: skip
            shaping = [e.label() for e in self.script.pending() if e.shaping]
            if shaping and not used:
                why = (f"no reply is scripted ({', '.join(shaping)} only changes how a reply "
                       "is delivered)")  # fmt: skip
            return f"{why}; script one with server.reply(...) before the request"
        differences = {e.number: _mismatches(e, facts) for e in pending}
        nearest = min(pending, key=lambda e: len(differences[e.number]))
        lines = [f"no scripted entry matches; nearest is {nearest.label()}:"]
        lines += [f"    {m}" for m in differences[nearest.number]]
        return "\n".join(lines)


def _shaped(entries: tuple[Entry, ...]) -> tuple[Slow | None, object | None]:
    """The ``slow`` fault and the other shaping fault (cut, error event...) of a reply."""
    if not entries:
        return None, None
    shaping = [e.answer for e in entries]
    slow = next((s for s in shaping if isinstance(s, Slow)), None)
    return slow, next((s for s in shaping if not isinstance(s, Slow)), None)


def _reasoning_split(text: str, parser: str | None) -> tuple[str | None, str]:
    """``(thinking, content)`` as vLLM's ``--reasoning-parser`` splits a reply (no parser: as is)."""
    if not parser or "</think>" not in text:
        return None, text
    head, _, rest = text.partition("</think>")
    return head.replace("<think>", "", 1), rest.lstrip("\n")


def _mismatches(entry: Entry, facts: ChatFacts) -> list[str]:
    try:
        return entry.match.mismatches(facts)
    except PredicateError as exc:
        return [str(exc)]


def _loose_facts(body: object, config: ServerConfig) -> ChatFacts:
    """Facts of a request when validation is off: best effort, never an error."""
    from pytest_autoglm.server._tokens import PromptCount

    d = body if isinstance(body, dict) else {}
    options = d.get("stream_options")
    messages = d.get("messages") if isinstance(d.get("messages"), list) else []
    last = ""
    for message in messages or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                last = content
            elif isinstance(content, list):
                last = "\n".join(
                    p.get("text", "")
                    for p in content
                    if isinstance(p, dict) and p.get("type") == "text"
                )
    max_tokens = d.get("max_tokens")
    return ChatFacts(
        model=d.get("model", config.model) if isinstance(d.get("model"), str) else config.model,
        stream=d.get("stream") is True,
        include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
        max_tokens=max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None,
        prompt=PromptCount(0, 0, 0),
        last_user_text=last,
        body=body,
    )


_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def reason_phrase(status: int) -> str:
    return _PHRASES.get(status, "")


def request_summary(call: Call) -> str:
    """The request of a call for failure text (images summarised, not dumped)."""
    body = summarise_json(call.json) if call.json is not None else call.text
    return f"{call.method} {call.path}\n{body}"


def _redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    """``value`` with ``redact`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_json(item, redact) for item in value]
    if isinstance(value, dict):
        return {redact(k): _redact_json(v, redact) for k, v in value.items()}
    return value
