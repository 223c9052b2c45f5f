"""The fake AutoGLM model server: vLLM's OpenAI-compatible API, scripted replies, faults, records.

One pure core (``_core.py``) answers every request; two transports carry it: respx
in-process for httpx and httpx2 clients (``_respx.py``) and a real loopback HTTP server
(``_http.py``). Use it through the ``autoglm_server`` fixture, or directly::

    with FakeServer(transport="http") as server:
        server.reply('<think>open it</think>\\n<answer>do(action="Launch", app="微信")')
        ...
"""

from __future__ import annotations

from pytest_autoglm.server._calls import Call, Calls
from pytest_autoglm.server._clock import VirtualClock
from pytest_autoglm.server._config import ServerConfig
from pytest_autoglm.server._errors import (
    ApiError,
    ScriptError,
    ServerConfigError,
    ServerError,
    UnexpectedRequestsError,
)
from pytest_autoglm.server._hosts import BlockedRequestError
from pytest_autoglm.server._server import FakeServer
from pytest_autoglm.server._tokens import TokenEstimate
from pytest_autoglm.server._validate import validate_chat_request

__all__ = [
    "ApiError",
    "BlockedRequestError",
    "Call",
    "Calls",
    "FakeServer",
    "ScriptError",
    "ServerConfig",
    "ServerConfigError",
    "ServerError",
    "TokenEstimate",
    "UnexpectedRequestsError",
    "VirtualClock",
    "validate_chat_request",
]
