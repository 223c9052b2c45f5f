"""What a probe's answer is, with the parts that change from run to run taken out.

Dummy weights answer random text, ids and timestamps differ per request: :func:`observe`
keeps status, content type, every error field verbatim, and the *shape* of success
bodies and SSE chunks (field names, fixed values, ``None``\\ s, roles, prompt tokens),
with runs of same-shaped stream chunks folded into one (the number of content chunks
depends on the text).
"""

from __future__ import annotations

import json
from typing import Any

#: fields whose values differ per request; kept as a type marker only
_VOLATILE = {"id", "created", "system_fingerprint", "content", "text", "completion_tokens",
             "total_tokens", "finish_reason", "stop_reason", "root"}  # fmt: skip


def observe(
    status: int, content_type: str, body: bytes, loose: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The comparable form of one answer; ``loose`` fields are kept by type only."""
    volatile = _VOLATILE | set(loose)
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    seen: dict[str, Any] = {"status": status, "content_type": kind}
    if kind == "text/event-stream":
        seen["events"] = _events(body, volatile)
    elif kind == "application/json":
        try:
            value = json.loads(body)
        except ValueError:
            seen["text"] = body.decode("utf-8", "replace")
        else:
            seen["json"] = value if _is_error(value) else _shape(value, volatile)
    else:
        seen["text"] = body.decode("utf-8", "replace")
    return seen


def _is_error(value: Any) -> bool:
    return isinstance(value, dict) and ("error" in value or "detail" in value or
                                        value.get("object") == "error")  # fmt: skip


def _shape(value: Any, volatile: set[str], key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v, volatile, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v, volatile) for v in value]
    if key in volatile and value is not None:
        return f"<{type(value).__name__}>"
    if key == "id" or (isinstance(value, str) and value.startswith("modelperm-")):
        return "<str>"
    return value


def _events(body: bytes, volatile: set[str]) -> list[Any]:
    """The SSE events' data, shaped, runs of equal shapes folded; framing errors kept as text."""
    out: list[Any] = []
    text = body.decode("utf-8", "replace")
    if text and not text.endswith("\n\n"):
        out.append({"framing": "stream does not end with a blank line"})
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        lines = block.split("\n")
        if not all(line.startswith("data: ") for line in lines):
            out.append({"framing": block[:200]})
            continue
        data = "\n".join(line[len("data: ") :] for line in lines)
        if data == "[DONE]":
            item: Any = "[DONE]"
        else:
            try:
                value = json.loads(data)
            except ValueError:
                item = {"framing": data[:200]}
            else:
                item = value if _is_error(value) else _shape(value, volatile)
        if not out or out[-1] != item:
            out.append(item)
    return out
