"""The live server behind the recording proxy, reached with the standard library's HTTP client.

Why ``http.client`` and not httpx: the fake server's respx transport patches the httpx and
httpx2 stacks of this process (and blocks hosts other than the fake's), so traffic the proxy
sends on must go through a client those patches do not touch. An SSE answer is handed on
event by event as the live server sends it (:attr:`Answer.pending`), so the client sees
its first token when the server sends it, and a stream that stalls reaches the client in
part; each event's arrival time and a mid-stream error or drop are kept for the cassette.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pytest_autoglm.cassettes._errors import CassetteError
from pytest_autoglm.cassettes._format import Event

_NOT_FORWARDED = frozenset({"host", "authorization", "content-length", "connection",
                            "accept-encoding", "transfer-encoding", "keep-alive"})  # fmt: skip


_EVENT_END = re.compile(rb"\r?\n\r?\n")
#: seconds a stream the client hung up on is still read, for what the server already sent
_DRAIN = 0.2


class UpstreamError(CassetteError):
    """The live server could not be reached or hung up before answering."""


@dataclass
class Answer:
    """What the live server answered, with timing (seconds since the request went out).

    For an SSE answer ``forward`` returns once the head is in: ``pending`` then yields each
    event as it arrives, adding it to ``events``; ``t_end`` and ``cut`` are set when the
    stream ends (or when ``pending`` is closed early: the client hung up, ``cut``).
    """

    status: int
    headers: list[tuple[str, str]]
    t_head: float
    body: bytes
    events: list[Event] | None
    t_end: float
    cut: bool
    pending: Iterator[Event] | None = field(default=None, repr=False)
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def hang_up(self) -> None:
        """Close the connection to the live server (from any thread): a reader blocked on a
        stalled stream wakes up and ends it, as cut."""
        sock = self._conn.sock if self._conn is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Upstream:
    """Forwards requests to ``base_url``: the fake's API prefix is mapped onto the live one,
    ``api_key`` (if any) replaces the client's key, ``model`` (if any) the request's model."""

    def __init__(self, base_url: str, *, api_key: str | None = None, model: str | None = None,
                 timeout: float = 600.0) -> None:  # fmt: skip
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CassetteError(
                f"--autoglm-base-url {base_url!r} is not an http(s) URL with a host; "
                "write it like http://gpu-box:8000/v1"
            )
        self.base_url = base_url.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path
        self.api_key = api_key
        self.model = model
        self.timeout = timeout

    def target(self, path: str, fake_prefix: str) -> str:
        """The live path of a request the fake received at ``path``."""
        if fake_prefix and (path == fake_prefix or path.startswith(fake_prefix + "/")):
            return self.prefix + path[len(fake_prefix) :]
        return path  # /health, /version: at the server's root

    def _body(self, body: bytes) -> bytes:
        if not self.model or not body:
            return body
        try:
            value = json.loads(body)
        except ValueError:
            return body
        if isinstance(value, dict) and "model" in value:
            value["model"] = self.model
            return json.dumps(value, ensure_ascii=False).encode()
        return body

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes,
                fake_prefix: str) -> Answer:  # fmt: skip
        """Send the request on; :class:`UpstreamError` if unreachable. A JSON answer is read whole,
        an SSE answer comes back with its head and the events still ``pending``."""
        sent = {k: v for k, v in headers.items() if k.lower() not in _NOT_FORWARDED}
        sent["accept-encoding"] = "identity"
        if self.api_key:
            sent["authorization"] = f"Bearer {self.api_key}"
        elif "authorization" in headers:
            sent["authorization"] = headers["authorization"]
        payload = self._body(body)
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=self.timeout)
        start = time.perf_counter()
        try:
            conn.request(method, self.target(path, fake_prefix), body=payload or None,
                         headers=sent)  # fmt: skip
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise UpstreamError(
                f"the live server {self.base_url} did not answer {method} {path}: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        t_head = time.perf_counter() - start
        if response.getheader("content-type", "").startswith("text/event-stream"):
            answer = Answer(response.status, response.getheaders(), t_head, b"", [], t_head, False)
            answer.pending = _read_events(response, conn, start, answer)
            answer._conn = conn
            return answer
        cut = False
        try:
            body = response.read()
        except (OSError, http.client.HTTPException):
            body, cut = b"", True
        finally:
            conn.close()
        return Answer(response.status, response.getheaders(), t_head, body, None,
                      time.perf_counter() - start, cut)  # fmt: skip


def _read_events(response: http.client.HTTPResponse, conn: http.client.HTTPConnection,
                 start: float, answer: Answer) -> Iterator[Event]:  # fmt: skip
    """:func:`_events` handed on one by one; closed early (the client hung up), it keeps
    what the live server has already sent (the ``[DONE]`` after an error event, say) without
    waiting for more: a stream still stalled is kept as far as it came, as cut."""
    reader = _events(response, start, answer)
    try:
        for event in reader:  # noqa: UP028 (``yield from`` would close the reader with this)
            yield event
    except GeneratorExit:
        if conn.sock is not None:
            conn.sock.settimeout(_DRAIN)
        for _ in reader:
            pass
        raise
    finally:
        answer.t_end = time.perf_counter() - start
        conn.close()


def _events(response: http.client.HTTPResponse, start: float, answer: Answer) -> Iterator[Event]:
    """SSE events as they arrive (an event ends at a blank line), each added to
    ``answer.events``; ``answer.cut`` if the body broke off (or timed out).

    ``read1`` returns what the socket has, and raises ``IncompleteRead`` when a chunked body
    stops before its last chunk (``readline`` would hide that: it ends quietly).
    """
    events = answer.events if answer.events is not None else []
    pending = b""
    while True:
        try:
            data = response.read1(65536)
        except (OSError, http.client.HTTPException):
            answer.cut = True
            break
        if not data:
            break
        pending += data
        now = time.perf_counter() - start
        while (end := _EVENT_END.search(pending)) is not None:  # kept as sent, CRLF or LF
            wire, pending = pending[: end.end()], pending[end.end() :]
            if wire.strip():
                event = Event(now, wire)
                events.append(event)
                yield event
    if pending.strip():  # the stream ended in the middle of an event
        event = Event(time.perf_counter() - start, pending)
        events.append(event)
        answer.cut = True
        yield event
