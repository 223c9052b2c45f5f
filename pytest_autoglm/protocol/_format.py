"""``format_action``: the exact text the model writes for an action.

Escaping rule (documented in docs/how-to/protocol.md):

* ``text`` arguments (Launch app, Tap message, Note, Call_API, Take_over, Wait) are
  written as double-quoted Python-like literals: ``\\`` -> ``\\\\``, ``"`` -> ``\\"``,
  newline/CR/tab -> ``\\n``/``\\r``/``\\t``, other non-printable characters -> ``\\xHH``,
  ``\\uHHHH`` or ``\\UHHHHHHHH``; everything else, Chinese included, as is. phone_agent
  reads these with ``ast.literal_eval`` and gets the text back exactly.
* ``raw`` arguments (Type/Type_Name ``text``, finish ``message``) are written verbatim
  between ``"`` and the final ``")``. phone_agent reads them by slicing, never unescaping,
  so an escape written there would be typed (or reported) literally.
"""

from __future__ import annotations

from pytest_autoglm.protocol._actions import ACTION_NAMES, ARG_SPECS, Action, Finish, Point
from pytest_autoglm.protocol._errors import ProtocolError

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def format_action(action: Action) -> str:
    """The action exactly as the model writes it, e.g. ``do(action="Tap", element=[500, 120])``."""
    cls = type(action)
    name = ACTION_NAMES.get(cls)
    if name is None:
        raise ProtocolError(
            f"format_action needs an action value (Tap, Type, Finish, ...); got {action!r}"
        )
    parts: list[str] = [] if cls is Finish else [f'action="{name}"']
    for spec in ARG_SPECS[cls]:
        value = getattr(action, spec.name)
        if value is None:
            continue
        if spec.kind == "point":
            parts.append(f"{spec.name}={format_point(value)}")
        elif spec.kind == "raw":
            parts.append(f'{spec.name}="{value}"')
        else:
            parts.append(f"{spec.name}={quote(value)}")
    head = "finish" if cls is Finish else "do"
    return f"{head}({', '.join(parts)})"


def format_point(point: Point) -> str:
    """``[500, 120]``: the model's list form."""
    return f"[{point[0]}, {point[1]}]"


def quote(text: str) -> str:
    """``text`` as a double-quoted literal that ``ast.literal_eval`` reads back exactly."""
    out = ['"']
    for ch in text:
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)
