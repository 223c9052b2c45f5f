"""What the real agent does: phone_agent's lenient ``parse_action`` and its pixel conversion.

These reproduce ``phone_agent.actions.handler`` (zai-org/Open-AutoGLM) behaviour for
behaviour, so a test can ask "what would the real agent make of this text?" without
installing phone_agent. See PROTOCOL.md section 1.
"""

from __future__ import annotations

import ast
import warnings
from typing import Any

from pytest_autoglm.protocol._actions import (
    ACTION_NAMES,
    ARG_SPECS,
    Action,
    Finish,
    Point,
    Type,
    TypeName,
    check_point,
)
from pytest_autoglm.protocol._errors import ProtocolError


def phone_agent_parse_action(action_text: str) -> dict[str, Any]:
    """phone_agent's own ``parse_action``: the dict the real agent executes, or its ValueError.

    Quirks kept on purpose: Type/Type_Name text is everything after the first ``text=``
    minus its first character and last two (never unescaped; ``Type_Name`` becomes
    ``Type``); other ``do(...)`` go through ``ast`` after raw newlines, CRs and tabs are
    escaped (function name unchecked, positional arguments ignored); ``finish`` drops every
    ``finish(message=`` and then slices ``[1:-2]``; anything else, and any failure, is a
    ``ValueError("Failed to parse action: ...")``. A trailing ``</answer>`` therefore makes
    ``do(...)`` fail with ``invalid syntax`` and silently corrupts Type and finish texts.
    """
    try:
        response = action_text.strip()
        if response.startswith(('do(action="Type"', 'do(action="Type_Name"')):
            text = response.split("text=", 1)[1][1:-2]
            return {"_metadata": "do", "action": "Type", "text": text}
        if response.startswith("do"):
            try:
                response = response.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
                with warnings.catch_warnings():
                    # Python warns about escapes like "\d"; the agent never sees that (and
                    # our own suite turns warnings into errors).
                    warnings.simplefilter("ignore")
                    tree = ast.parse(response, mode="eval")
                    if not isinstance(tree.body, ast.Call):
                        raise ValueError("Expected a function call")
                    action: dict[str, Any] = {"_metadata": "do"}
                    for keyword in tree.body.keywords:
                        action[keyword.arg] = ast.literal_eval(keyword.value)  # type: ignore[index]
                return action
            except (SyntaxError, ValueError) as e:
                raise ValueError(f"Failed to parse do() action: {e}") from None
        if response.startswith("finish"):
            return {
                "_metadata": "finish",
                "message": response.replace("finish(message=", "")[1:-2],
            }
        raise ValueError(f"Failed to parse action: {response}")
    except Exception as e:  # the agent wraps every failure the same way
        raise ValueError(f"Failed to parse action: {e}") from None


def agent_action_dict(action: Action) -> dict[str, Any]:
    """The dict phone_agent's parser returns for ``format_action(action)``.

    Points become lists (``literal_eval`` of ``[x, y]``), ``Type_Name`` becomes ``Type``,
    an absent Tap ``message`` is absent. Handy to compare with what an agent executed.
    """
    cls = type(action)
    if cls is Finish:
        return {"_metadata": "finish", "message": action.message}  # type: ignore[union-attr]
    result: dict[str, Any] = {"_metadata": "do", "action": ACTION_NAMES[cls]}
    if cls in (Type, TypeName):
        result["action"] = "Type"
    for spec in ARG_SPECS[cls]:
        value = getattr(action, spec.name)
        if value is not None:
            result[spec.name] = list(value) if spec.kind == "point" else value
    return result


def tap_pixels(point: Point, width: int, height: int) -> tuple[int, int]:
    """Screen pixels for a 0..999 point, as phone_agent converts: ``int(v / 1000 * size)``."""
    x, y = check_point(point, "tap_pixels point")
    for name, size in (("width", width), ("height", height)):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ProtocolError(f"tap_pixels {name} must be a positive int of pixels; got {size!r}")
    return int(x / 1000 * width), int(y / 1000 * height)
