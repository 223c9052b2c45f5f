"""Parse a model reply into thinking text and an action dict.

Accepts what deployments really send: ``<think>..</think>\\n<answer>do(...)`` with or
without a closing ``</answer>``, ``finish(message="...")``, newlines inside texts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any


class ReplyParseError(ValueError):
    """The model's reply holds no action this integration understands."""


@dataclass(frozen=True)
class ParsedReply:
    thinking: str
    name: str  # "Tap", "Type", ..., or "finish"
    args: dict[str, Any] = field(default_factory=dict)


def split_reply(raw: str) -> tuple[str, str]:
    """``(thinking, action text)`` of a raw reply."""
    text = raw.strip()
    thinking = ""
    if "</think>" in text:
        head, _, text = text.partition("</think>")
        thinking = head.replace("<think>", "").strip()
    text = text.strip()
    if text.startswith("<answer>"):
        text = text[len("<answer>") :]
    if text.endswith("</answer>"):
        text = text[: -len("</answer>")]
    # Fuzzing found (examples/test_fuzzing.py): a reply without tags, "thinking\ndo(...)",
    # kept its thinking in the action. Split at the first action marker, as phone_agent does.
    for marker in ("finish(message=", "do(action="):
        at = text.find(marker)
        if at > 0:
            thinking, text = f"{thinking} {text[:at]}".strip(), text[at:]
            break
    return thinking, text.strip()


def parse_reply(raw: str) -> ParsedReply:
    """Parse a whole reply; :class:`ReplyParseError` says what was wrong."""
    thinking, action = split_reply(raw)
    if not action:
        raise ReplyParseError(f"the reply has no action: {raw!r}")
    # Fuzzing found: the model writes Type texts and finish messages verbatim, so a quote
    # in them broke ast.parse and a backslash became an escape. Slice them, as phone_agent does.
    typed = action.startswith(('do(action="Type", text="', 'do(action="Type_Name", text="'))
    if typed and action.endswith('")'):
        return ParsedReply(thinking, "Type", {"text": action.split("text=", 1)[1][1:-2]})
    if action.startswith('finish(message="') and action.endswith('")'):
        return ParsedReply(thinking, "finish", {"message": action[len('finish(message="') : -2]})
    try:
        tree = ast.parse(action, mode="eval")
    except SyntaxError as exc:
        raise ReplyParseError(f"cannot parse action {action!r}: {exc.msg}") from None
    call = tree.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise ReplyParseError(f"the action is not a call: {action!r}")
    try:
        args = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    except ValueError:
        raise ReplyParseError(f"the action's arguments are not literals: {action!r}") from None
    if call.func.id == "finish":
        return ParsedReply(thinking, "finish", args)
    if call.func.id != "do" or "action" not in args:
        raise ReplyParseError(f"expected do(action=...) or finish(...), got {action!r}")
    name = str(args.pop("action"))
    return ParsedReply(thinking, "Type" if name == "Type_Name" else name, args)
