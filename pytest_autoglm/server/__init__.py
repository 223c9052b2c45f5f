"""The fake AutoGLM model server: vLLM's OpenAI-compatible API, scripted replies, faults, records.

One pure core (``_core.py``) answers every request; two transports carry it: respx
in-process for httpx and httpx2 clients (``_respx.py``) and a real loopback HTTP server
(``_http.py``). Use it through the ``autoglm_server`` fixture, or directly::

    with FakeServer(transport="http") as server:
        server.reply('<think>open it</think>\n<answer>do(action="Launch", app="微信")')
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "ApiError": "_errors",
    "BlockedRequestError": "_hosts",
    "Call": "_calls",
    "Calls": "_calls",
    "FakeServer": "_server",
    "ScriptError": "_errors",
    "ServerConfig": "_config",
    "ServerConfigError": "_errors",
    "ServerError": "_errors",
    "TokenEstimate": "_tokens",
    "UnexpectedRequestsError": "_errors",
    "VirtualClock": "_clock",
    "validate_chat_request": "_validate",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.server._calls import Call as Call
    from pytest_autoglm.server._calls import Calls as Calls
    from pytest_autoglm.server._clock import VirtualClock as VirtualClock
    from pytest_autoglm.server._config import ServerConfig as ServerConfig
    from pytest_autoglm.server._errors import ApiError as ApiError
    from pytest_autoglm.server._errors import ScriptError as ScriptError
    from pytest_autoglm.server._errors import ServerConfigError as ServerConfigError
    from pytest_autoglm.server._errors import ServerError as ServerError
    from pytest_autoglm.server._errors import UnexpectedRequestsError as UnexpectedRequestsError
    from pytest_autoglm.server._hosts import BlockedRequestError as BlockedRequestError
    from pytest_autoglm.server._server import FakeServer as FakeServer
    from pytest_autoglm.server._tokens import TokenEstimate as TokenEstimate
    from pytest_autoglm.server._validate import validate_chat_request as validate_chat_request

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
