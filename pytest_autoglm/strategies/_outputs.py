"""Model replies as real deployments write them, and the breakages seen in the field."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_autoglm.protocol import (
    Action,
    ActionParseError,
    Finish,
    format_action,
    parse_action,
    render_reply,
    split_reply,
)
from pytest_autoglm.strategies._actions import actions as _actions
from pytest_autoglm.strategies._validation import check_bool, check_subset

#: Reply shapes the reference parser reads back exactly (see ``protocol.REPLY_STYLES``).
WELL_FORMED_STYLES = ("open", "bare")
#: Breakages seen in the field, in the order examples shrink to them.
BREAKAGES = (
    "closing_tag",  # ...)</answer>  (PR #347, issue #376)
    "text_after",  # words after the call
    "missing_paren",  # the final ')' never came
    "newline_in_call",  # a raw newline between the tokens of the call (issue #154)
    "full_width",  # “ ” or （ ） where ASCII belongs
    "truncated",  # the stream or max_tokens cut the reply short
    "marker_in_thinking",  # do(action= / finish(message= inside the thinking
    "box_tags",  # GLM-4.6V's <|begin_of_box|> tags (issues #65, #77)
)
_MARKERS = ("finish(message=", "do(action=")
_THOUGHTS = (
    "",
    "当前在系统桌面，需要先打开微信。",
    "I can see the search box at the top; tap it first.",
    "页面还在加载，等待一下。",
    "任务已完成。",
    'The user wants "cheap" flights — compare prices.',
    "<answer> looks odd here </think>",
    "检查\\n转义与\n换行",
)
_JUNK_AFTER = (
    " 完成",
    "\n我已经点击了按钮。",
    " # tap it",
    ";",
    " )",
    "\n\nDone.",
    "<|endoftext|>",
)


def _clean_thinking(text: str) -> bool:
    # A marker in the thinking makes phone_agent split there: that is a breakage, not a reply.
    return not any(marker in text for marker in _MARKERS)


_FREE_THOUGHT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
# Built from cheap primitives (no ``st.composite``): a realistic thought, or a random text
# without an action marker (the filter passes all but a handful of draws). Shrinks to "".
_THINKING = st.one_of(st.sampled_from(_THOUGHTS), _FREE_THOUGHT.filter(_clean_thinking))


def thinkings() -> SearchStrategy[str]:
    """The ``<think>`` part: realistic reasoning plus hard characters, never an action marker."""
    return _THINKING


def reference_parse(text: str) -> Action:
    """What the reference pipeline reads from a whole reply: ``split_reply`` then ``parse_action``."""
    return parse_action(split_reply(text).action_text)


def _rejected(text: str) -> bool:
    try:
        reference_parse(text)
    except ActionParseError:
        return True
    return False


#: ``(style, ending)`` in one draw: real outputs sometimes end with a newline (a stop
#: token stripped by the server); shrinks to the first style with no newline
def _shapes(styles: Sequence[str]) -> SearchStrategy[tuple[str, str]]:
    return st.sampled_from([(style, ending) for style in styles for ending in ("", "\n")])


def _render(parts: tuple[Action, tuple[str, str], str]) -> str:
    action, (style, ending), thinking = parts
    return render_reply(action, thinking=thinking, style=style) + ending  # type: ignore[arg-type,unused-ignore]


def _render_pair(parts: tuple[Action, tuple[str, str], str]) -> tuple[str, Action]:
    return _render(parts), parts[0]


def _well_formed_parts(
    actions: SearchStrategy[Action], styles: Sequence[str]
) -> SearchStrategy[tuple[Action, tuple[str, str], str]]:
    """One ``st.tuples`` of cheap primitives, mapped once: no ``st.composite`` per example."""
    return st.tuples(actions, _shapes(styles), _THINKING)


_KINDS_OF_WIDE = st.sampled_from((('"', "“"), ("(", "（"), ('"', "＂")))
_NEWLINES = st.sampled_from(("(\n", "(\r\n", "(\n  "))
_JUNK = st.sampled_from(_JUNK_AFTER)


@st.composite
def _broken(
    draw: st.DrawFn, actions: SearchStrategy[Action], kinds: SearchStrategy[str]
) -> tuple[str, Action]:
    action = draw(actions)
    kind = draw(kinds)
    thinking = draw(_THINKING)
    call = format_action(action)
    if kind == "closing_tag":
        return render_reply(call, thinking=thinking, style="closed"), action
    if kind == "text_after":
        call += draw(_JUNK)
    elif kind == "missing_paren":
        call = call[:-1]
    elif kind == "newline_in_call":
        call = call.replace("(", draw(_NEWLINES), 1)
    elif kind == "full_width":
        ascii_char, wide = draw(_KINDS_OF_WIDE)
        call = call.replace(ascii_char, wide, 1)
    elif kind == "marker_in_thinking":
        marker = "finish(message=" if isinstance(action, Finish) else "do(action="
        thinking = (
            draw(st.sampled_from((f"I will use {marker}", f'先{marker}"Tap")再说'))) + thinking
        )
    elif kind == "box_tags":
        call = f"<|begin_of_box|>{call}<|end_of_box|>"
    text = render_reply(call, thinking=thinking)
    if kind == "truncated":
        text = text[: draw(st.integers(0, len(text) - 1))]
        # A cut can leave a shorter call that still parses (a Type text holding '")'):
        # cut further until the reference parser rejects it; the empty reply always is.
        while not _rejected(text):
            text = text[:-1]
    return text, action


def _check_actions(actions: object) -> SearchStrategy[Action]:
    if actions is None:
        return _actions()
    if not isinstance(actions, SearchStrategy):
        from hypothesis.errors import InvalidArgument

        raise InvalidArgument(
            f"Expected a SearchStrategy of actions but got actions={actions!r} "
            f"(type={type(actions).__name__}); pass e.g. strategies.actions(types=[Tap])"
        )
    return actions


def replies(
    *,
    well_formed: bool | None = True,
    actions: SearchStrategy[Action] | None = None,
    styles: Sequence[str] = WELL_FORMED_STYLES,
    breakages: Sequence[str] = BREAKAGES,
) -> SearchStrategy[tuple[str, Action]]:
    """``(model output, the action it was written for)`` pairs; see :func:`model_outputs`."""
    if well_formed is None:  # both, as assert_parser_agrees(well_formed=None) means
        return st.one_of(
            replies(well_formed=True, actions=actions, styles=styles, breakages=breakages),
            replies(well_formed=False, actions=actions, styles=styles, breakages=breakages),
        )
    check_bool("well_formed", well_formed)
    chosen = _check_actions(actions)
    if well_formed:
        chosen_styles = check_subset("styles", styles, WELL_FORMED_STYLES)
        return _well_formed_parts(chosen, chosen_styles).map(_render_pair)
    kinds = check_subset("breakages", breakages, BREAKAGES)
    return _broken(chosen, st.sampled_from(kinds)).filter(lambda pair: _rejected(pair[0]))


def model_outputs(
    *,
    well_formed: bool | None = True,
    actions: SearchStrategy[Action] | None = None,
    styles: Sequence[str] = WELL_FORMED_STYLES,
    breakages: Sequence[str] = BREAKAGES,
) -> SearchStrategy[str]:
    """Raw model outputs as the chat API returns them, well formed or broken.

    ``well_formed=True``: an action (from ``actions``, default :func:`actions`) written
    the way real deployments write it, in one of ``styles``: ``"open"``
    (``<think>T</think>\\n<answer>A`` with no closing tag, the observed default) or
    ``"bare"`` (``T\\nA`` or ``A`` alone); thinking may be empty and never holds an action
    marker; an optional trailing newline. The reference pipeline (``split_reply`` then
    ``parse_action``) reads each one back as the action it was written for.

    ``well_formed=False``: one of ``breakages`` applied: ``closing_tag`` (a trailing
    ``</answer>``), ``text_after`` (words after the call), ``missing_paren``,
    ``newline_in_call`` (a raw newline between tokens), ``full_width`` (“ or （ for ASCII),
    ``truncated`` (cut anywhere, down to the empty string), ``marker_in_thinking``
    (``do(action=`` inside the thinking) and ``box_tags`` (``<|begin_of_box|>``). The
    reference pipeline rejects every one with an ``ActionParseError``.

    ``well_formed=None``: either kind (as ``assert_parser_agrees(well_formed=None)``).

    Shrinks towards the simplest action in the first style (or breakage) with empty thinking.
    """
    if well_formed is True:  # the common case, one map from the parts (no pair to drop)
        chosen = _check_actions(actions)
        parts = _well_formed_parts(chosen, check_subset("styles", styles, WELL_FORMED_STYLES))
        return parts.map(_render)
    return replies(
        well_formed=well_formed, actions=actions, styles=styles, breakages=breakages
    ).map(lambda pair: pair[0])
