"""What a scripted entry answers: a reply, an HTTP error, a dropped connection, or a stream fault.

Terminal answers end the request (:class:`Reply`, :class:`Fail`, :class:`Reset`,
:class:`Stall`); shaping faults (:class:`Slow`, :class:`CutStream`, :class:`ErrorEvent`,
:class:`MalformedChunk`) change how the next reply is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_autoglm.server._errors import ApiError


@dataclass(frozen=True)
class Reply:
    """A model reply: ``text`` is the whole assistant content (``<think>..</think>\\n<answer>..``)."""

    text: str
    finish_reason: str = "stop"
    #: explicit stream pieces (their concatenation must equal ``text``); default: seeded split
    chunks: Sequence[str] | None = None

    def describe(self) -> str:
        short = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"reply({short!r})"


@dataclass(frozen=True)
class Fail:
    """An HTTP error answer: status, flavour body, ``retry-after`` style headers."""

    error: ApiError | None
    status: int
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())

    def describe(self) -> str:
        retry = [f"{k}: {v}" for k, v in self.headers if k.startswith("retry-after")]
        return f"fail({self.status}{', ' + ', '.join(retry) if retry else ''})"


@dataclass(frozen=True)
class Reset:
    """The connection is reset before any response byte (ECONNRESET on the client)."""

    def describe(self) -> str:
        return "reset()"


@dataclass(frozen=True)
class Stall:
    """No response byte for ``seconds`` (or until the client gives up), then the connection closes."""

    seconds: float

    def describe(self) -> str:
        return f"stall({self.seconds:g} s)"


@dataclass(frozen=True)
class Slow:
    """Deliver the next reply slowly: ``ttft`` before the first token, ``inter_chunk`` between chunks."""

    ttft: float = 0.0
    inter_chunk: float = 0.0

    def describe(self) -> str:
        return f"slow(ttft={self.ttft:g} s, inter_chunk={self.inter_chunk:g} s)"


@dataclass(frozen=True)
class CutStream:
    """The next reply stops after ``after`` content chunks: no final chunk, no ``[DONE]``.

    ``clean=False``: the connection drops mid-body (a crashed server; clients raise).
    ``clean=True``: the HTTP response ends properly (a proxy ending it; clients see a short reply).
    """

    after: int
    clean: bool = False

    def describe(self) -> str:
        return f"cut_stream(after={self.after}{', clean=True' if self.clean else ''})"


@dataclass(frozen=True)
class ErrorEvent:
    """The next streamed reply carries ``error`` as an SSE event after ``after`` chunks (status 200)."""

    error: ApiError
    after: int

    def describe(self) -> str:
        return f"error_event({self.error.message!r}, after={self.after})"


@dataclass(frozen=True)
class MalformedChunk:
    """The next streamed reply has ``data`` (not valid JSON) as its chunk number ``after``."""

    data: bytes
    after: int

    def describe(self) -> str:
        return f"malformed_chunk(after={self.after})"


Terminal = Reply | Fail | Reset | Stall
Shaping = Slow | CutStream | ErrorEvent | MalformedChunk
Answer = Terminal | Shaping
