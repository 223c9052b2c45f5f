"""The AutoGLM action protocol as values: format, parse and wrap what the model writes.

No I/O and no heavy imports. ``format_action`` writes an action exactly as
AutoGLM-Phone-9B does (``do(action="Tap", element=[500, 120])``); ``parse_action`` is the
strict inverse, with errors that point at a column; ``render_reply`` / ``split_reply``
handle whole replies (``<think>..</think>\n<answer>..``); ``phone_agent_parse_action``
reproduces the real agent's lenient parser, quirks included. The facts behind every rule
are in PROTOCOL.md section 1; the how-to is docs/how-to/protocol.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "ACTION_NAMES": "_actions",
    "ACTION_TYPES": "_actions",
    "REPLY_STYLES": "_reply",
    "Action": "_actions",
    "ActionParseError": "_errors",
    "Back": "_actions",
    "CallAPI": "_actions",
    "DoubleTap": "_actions",
    "Finish": "_actions",
    "Home": "_actions",
    "Interact": "_actions",
    "Launch": "_actions",
    "LongPress": "_actions",
    "Note": "_actions",
    "Point": "_actions",
    "ProtocolError": "_errors",
    "Reply": "_reply",
    "ReplyStyle": "_reply",
    "Swipe": "_actions",
    "TakeOver": "_actions",
    "Tap": "_actions",
    "Type": "_actions",
    "TypeName": "_actions",
    "Wait": "_actions",
    "agent_action_dict": "_agent",
    "format_action": "_format",
    "parse_action": "_parse",
    "phone_agent_parse_action": "_agent",
    "render_reply": "_reply",
    "split_reply": "_reply",
    "tap_pixels": "_agent",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.protocol._actions import ACTION_NAMES as ACTION_NAMES
    from pytest_autoglm.protocol._actions import ACTION_TYPES as ACTION_TYPES
    from pytest_autoglm.protocol._actions import Action as Action
    from pytest_autoglm.protocol._actions import Back as Back
    from pytest_autoglm.protocol._actions import CallAPI as CallAPI
    from pytest_autoglm.protocol._actions import DoubleTap as DoubleTap
    from pytest_autoglm.protocol._actions import Finish as Finish
    from pytest_autoglm.protocol._actions import Home as Home
    from pytest_autoglm.protocol._actions import Interact as Interact
    from pytest_autoglm.protocol._actions import Launch as Launch
    from pytest_autoglm.protocol._actions import LongPress as LongPress
    from pytest_autoglm.protocol._actions import Note as Note
    from pytest_autoglm.protocol._actions import Point as Point
    from pytest_autoglm.protocol._actions import Swipe as Swipe
    from pytest_autoglm.protocol._actions import TakeOver as TakeOver
    from pytest_autoglm.protocol._actions import Tap as Tap
    from pytest_autoglm.protocol._actions import Type as Type
    from pytest_autoglm.protocol._actions import TypeName as TypeName
    from pytest_autoglm.protocol._actions import Wait as Wait
    from pytest_autoglm.protocol._agent import agent_action_dict as agent_action_dict
    from pytest_autoglm.protocol._agent import phone_agent_parse_action as phone_agent_parse_action
    from pytest_autoglm.protocol._agent import tap_pixels as tap_pixels
    from pytest_autoglm.protocol._errors import ActionParseError as ActionParseError
    from pytest_autoglm.protocol._errors import ProtocolError as ProtocolError
    from pytest_autoglm.protocol._format import format_action as format_action
    from pytest_autoglm.protocol._parse import parse_action as parse_action
    from pytest_autoglm.protocol._reply import REPLY_STYLES as REPLY_STYLES
    from pytest_autoglm.protocol._reply import Reply as Reply
    from pytest_autoglm.protocol._reply import ReplyStyle as ReplyStyle
    from pytest_autoglm.protocol._reply import render_reply as render_reply
    from pytest_autoglm.protocol._reply import split_reply as split_reply

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
