"""The live server behind the recording proxy, reached with the standard library's HTTP client.

Why ``http.client`` and not httpx: the fake server's respx transport patches the httpx and
httpx2 stacks of this process (and blocks hosts other than the fake's), so traffic the proxy
sends on must go through a client those patches do not touch. It is read event by event,
so each SSE event's arrival time is recorded; the proxy hands the whole answer on once it
is complete (the cassette keeps the real timing for replay).
"""

from __future__ import annotations

import http.client
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from pytest_autoglm.cassettes._errors import CassetteError
from pytest_autoglm.cassettes._format import Event

_NOT_FORWARDED = frozenset({"host", "authorization", "content-length", "connection",
                            "accept-encoding", "transfer-encoding", "keep-alive"})  # fmt: skip


_EVENT_END = re.compile(rb"\r?\n\r?\n")


class UpstreamError(CassetteError):
    """The live server could not be reached or hung up before answering."""


@dataclass
class Answer:
    """What the live server answered, with timing (seconds since the request went out)."""

    status: int
    headers: list[tuple[str, str]]
    t_head: float
    body: bytes
    events: list[Event] | None
    t_end: float
    cut: bool


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
        """Send the request on and read the whole answer; :class:`UpstreamError` if unreachable."""
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
            try:
                conn.request(method, self.target(path, fake_prefix), body=payload or None,
                             headers=sent)  # fmt: skip
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise UpstreamError(
                    f"the live server {self.base_url} did not answer {method} {path}: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            t_head = time.perf_counter() - start
            kind = response.getheader("content-type", "")
            if kind.startswith("text/event-stream"):
                events, cut = _read_events(response, start)
                body_read = b""
            else:
                events, cut = None, False
                try:
                    body_read = response.read()
                except (OSError, http.client.HTTPException):
                    body_read, cut = b"", True
            return Answer(response.status, response.getheaders(), t_head, body_read, events,
                          time.perf_counter() - start, cut)  # fmt: skip
        finally:
            conn.close()


def _read_events(response: http.client.HTTPResponse, start: float) -> tuple[list[Event], bool]:
    """SSE events as they arrive (an event ends at a blank line); ``cut`` if the body broke off.

    ``read1`` returns what the socket has, and raises ``IncompleteRead`` when a chunked body
    stops before its last chunk (``readline`` would hide that: it ends quietly).
    """
    events: list[Event] = []
    pending = b""
    cut = False
    while True:
        try:
            data = response.read1(65536)
        except (OSError, http.client.HTTPException):
            cut = True
            break
        if not data:
            break
        pending += data
        now = time.perf_counter() - start
        while (end := _EVENT_END.search(pending)) is not None:  # kept as sent, CRLF or LF
            event, pending = pending[: end.end()], pending[end.end() :]
            if event.strip():
                events.append(Event(now, event))
    if pending.strip():  # the stream ended in the middle of an event
        events.append(Event(time.perf_counter() - start, pending))
        cut = True
    return events, cut
