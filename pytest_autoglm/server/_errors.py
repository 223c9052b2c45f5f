"""The kit's own exception types for the fake server, and :class:`ApiError`, an HTTP error answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pytest_autoglm.server._shapes import SHAPES

FLAVOURS = tuple(SHAPES)


class ServerError(Exception):
    """Base class of the fake server's own errors (bad scripting, bad configuration)."""


class ServerConfigError(ServerError, ValueError):
    """A configuration value the fake server cannot use; the message names it and the fix."""


class ScriptError(ServerError, ValueError):
    """A scripted reply or fault that cannot be served (bad status, bad action, bad timing)."""


class UnexpectedRequestsError(ServerError, AssertionError):
    """Raised at teardown: requests matched nothing scripted, or scripted replies went unused."""


@dataclass(frozen=True)
class ApiError:
    """An error answer as one flavour of real server writes it.

    ``status`` is the HTTP status; ``type``, ``message``, ``param`` and ``code`` fill the
    flavour's error object. ``flavour`` picks the body shape: ``vllm`` nests
    ``{"error": {...}}`` with an integer ``code``; ``sglang`` is the flat legacy
    ``{"object": "error", ...}``; ``bigmodel`` is ``{"error": {"code": "1302", "message"}}``;
    ``openai`` nests with a string ``code``. ``raw`` replaces the body verbatim (vLLM's
    401 is the bare ``{"error":"Unauthorized"}``).
    """

    status: int
    message: str
    type: str = "BadRequestError"
    param: str | None = None
    code: int | str | None = None
    flavour: str = "vllm"
    raw: Any = None
    headers: tuple[tuple[str, str], ...] = field(default=())
    #: sent inside a 200 SSE stream when the request streams (SGLang's context-length errors)
    in_stream: bool = False

    def payload(self) -> Any:
        """The JSON value of the body."""
        if self.raw is not None:
            return self.raw
        shape = SHAPES.get(self.flavour)
        if shape is None:
            raise ServerConfigError(
                f"ApiError(flavour={self.flavour!r}): unknown server flavour; "
                f"accepted: {', '.join(FLAVOURS)}"
            )
        return shape(self)

    def body(self) -> bytes:
        """The body bytes, compact JSON with unicode kept (as FastAPI writes it)."""
        return json.dumps(self.payload(), ensure_ascii=False, separators=(",", ":")).encode()

    def stream_event(self) -> bytes:
        """The error as an SSE event inside a 200 stream (vLLM and SGLang after the stream began).

        The event always nests the error under ``"error"`` (SGLang nests its flat object).
        """
        payload = self.payload()
        if not (isinstance(payload, dict) and "error" in payload):
            payload = {"error": payload}
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return b"data: " + data + b"\n\n"
