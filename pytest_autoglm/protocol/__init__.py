"""The AutoGLM action protocol as values: format, parse and wrap what the model writes.

No I/O and no heavy imports. ``format_action`` writes an action exactly as
AutoGLM-Phone-9B does (``do(action="Tap", element=[500, 120])``); ``parse_action`` is the
strict inverse, with errors that point at a column; ``render_reply`` / ``split_reply``
handle whole replies (``<think>..</think>\\n<answer>..``); ``phone_agent_parse_action``
reproduces the real agent's lenient parser, quirks included. The facts behind every rule
are in PROTOCOL.md section 1; the how-to is docs/how-to/protocol.md.
"""

from __future__ import annotations

from pytest_autoglm.protocol._actions import (
    ACTION_NAMES,
    ACTION_TYPES,
    Action,
    Back,
    CallAPI,
    DoubleTap,
    Finish,
    Home,
    Interact,
    Launch,
    LongPress,
    Note,
    Point,
    Swipe,
    TakeOver,
    Tap,
    Type,
    TypeName,
    Wait,
)
from pytest_autoglm.protocol._agent import agent_action_dict, phone_agent_parse_action, tap_pixels
from pytest_autoglm.protocol._errors import ActionParseError, ProtocolError
from pytest_autoglm.protocol._format import format_action
from pytest_autoglm.protocol._parse import parse_action
from pytest_autoglm.protocol._reply import (
    REPLY_STYLES,
    Reply,
    ReplyStyle,
    render_reply,
    split_reply,
)

__all__ = [
    "ACTION_NAMES",
    "ACTION_TYPES",
    "REPLY_STYLES",
    "Action",
    "ActionParseError",
    "Back",
    "CallAPI",
    "DoubleTap",
    "Finish",
    "Home",
    "Interact",
    "Launch",
    "LongPress",
    "Note",
    "Point",
    "ProtocolError",
    "Reply",
    "ReplyStyle",
    "Swipe",
    "TakeOver",
    "Tap",
    "Type",
    "TypeName",
    "Wait",
    "agent_action_dict",
    "format_action",
    "parse_action",
    "phone_agent_parse_action",
    "render_reply",
    "split_reply",
    "tap_pixels",
]
