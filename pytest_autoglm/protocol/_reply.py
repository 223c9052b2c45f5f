"""Whole model replies: ``render_reply`` writes one, ``split_reply`` reads one as phone_agent does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pytest_autoglm.protocol._actions import Action
from pytest_autoglm.protocol._errors import ProtocolError
from pytest_autoglm.protocol._format import format_action

ReplyStyle = Literal["open", "closed", "history", "bare"]
"""How a reply wraps thinking and action (see ``REPLY_STYLES``)."""

#: style -> what it looks like and where it is seen
REPLY_STYLES: dict[str, str] = {
    "open": "<think>T</think>\\n<answer>A -- no closing tag: the observed default of "
    "AutoGLM-Phone-9B on vLLM/SGLang (README sample, issue #180)",
    "closed": "<think>T</think>\\n<answer>A</answer> -- what some deployments emit "
    "(PR #347, issue #376); phone_agent then fails on the trailing tag",
    "history": "<think>T</think><answer>A</answer> -- what phone_agent writes back into "
    "the conversation as the assistant message (as a model reply it fails like closed)",
    "bare": "T\\nA, or just A without thinking -- no tags (models that ignore the format)",
}


def render_reply(action: Action | str, *, thinking: str = "", style: ReplyStyle = "open") -> str:
    """A whole model reply: ``thinking`` and the action (a value, or text used verbatim) in ``style``."""
    text = action if isinstance(action, str) else format_action(action)
    if not isinstance(thinking, str):
        raise ProtocolError(f"thinking must be a str; got {type(thinking).__name__}")
    if style == "open":
        return f"<think>{thinking}</think>\n<answer>{text}"
    if style == "closed":
        return f"<think>{thinking}</think>\n<answer>{text}</answer>"
    if style == "history":
        return f"<think>{thinking}</think><answer>{text}</answer>"
    if style == "bare":
        return f"{thinking}\n{text}" if thinking else text
    raise ProtocolError(f"unknown reply style {style!r}; expected one of {', '.join(REPLY_STYLES)}")


@dataclass(frozen=True)
class Reply:
    """A reply split as phone_agent splits it: ``thinking`` and the ``action_text`` it parses.

    ``rule`` says which of phone_agent's four rules applied (1: ``finish(message=``,
    2: ``do(action=``, 3: ``<answer>``, 4: none); it is not part of equality.
    """

    thinking: str
    action_text: str
    rule: int = field(default=0, compare=False)


def split_reply(raw: str) -> Reply:
    """phone_agent's ``_parse_response``: rules 1-4 in order, quirks included.

    1. ``finish(message=`` anywhere (even inside the thinking) wins: thinking is the text
       before it, stripped; the action is the marker and everything after, unstripped.
    2. Else ``do(action=``: the same split.
    3. Else ``<answer>``: thinking is the text before it without ``<think>``/``</think>``,
       stripped; the action is the text after it with every ``</answer>`` removed, stripped.
    4. Else: no thinking; the whole raw text is the action.

    Under rules 1 and 2 nothing is removed, so an ``</answer>`` after the action stays in
    it and the thinking keeps its ``<think>...</think><answer>`` tags.
    """
    for rule, marker in ((1, "finish(message="), (2, "do(action=")):
        before, found, after = raw.partition(marker)
        if found:
            return Reply(before.strip(), marker + after, rule)
    before, found, after = raw.partition("<answer>")
    if found:
        thinking = before.replace("<think>", "").replace("</think>", "").strip()
        return Reply(thinking, after.replace("</answer>", "").strip(), 3)
    return Reply("", raw, 4)
