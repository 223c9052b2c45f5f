"""Properties of the protocol module, with small strategies of our own (not the public ones)."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

from pytest_autoglm.protocol import (
    ACTION_TYPES,
    Action,
    ActionParseError,
    Finish,
    Tap,
    agent_action_dict,
    format_action,
    parse_action,
    phone_agent_parse_action,
    render_reply,
    split_reply,
)
from pytest_autoglm.protocol._actions import ARG_SPECS

# Pieces that break naive formatting or parsing: quotes, backslashes, the closing '")',
# the markers, newlines, full-width punctuation, wide and astral characters.
PIECES = [
    '"', "\\", '")', "\\n", "\n", "\r", "\t", "text=", "do(action=", "<answer>", "</answer>",
    "“", "”", "（", "，", "中文", "😀", "\x00", "\x7f", "\u2028", " ", "'", "[1, 2]", ")",
]  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=6).map("".join)
points = st.tuples(st.integers(0, 999), st.integers(0, 999))


def _build(cls: type[Action]) -> st.SearchStrategy[Action]:
    kwargs: dict[str, Any] = {}
    for spec in ARG_SPECS[cls]:
        value = points if spec.kind == "point" else texts
        kwargs[spec.name] = value if spec.required else st.none() | value
    strategy = st.builds(cls, **kwargs)
    if cls is Finish:
        # A finish message cannot hold the marker phone_agent deletes (Finish rejects it).
        strategy = st.builds(cls, message=texts.filter(lambda t: "finish(message=" not in t))
    return strategy


actions = st.one_of([_build(cls) for cls in ACTION_TYPES])


def _texts_of(action: Action) -> list[str]:
    return [v for s in ARG_SPECS[type(action)] if isinstance(v := getattr(action, s.name), str)]


@given(actions)
def test_parse_inverts_format(action: Action) -> None:
    assert parse_action(format_action(action)) == action


@given(actions)
def test_the_real_agent_reads_what_format_writes(action: Action) -> None:
    assert phone_agent_parse_action(format_action(action)) == agent_action_dict(action)


@given(actions, texts, st.sampled_from(["open", "bare"]))
@example(Tap(element=(1, 2)), "", "open")
def test_a_rendered_reply_splits_back_into_the_action(
    action: Action, thinking: str, style: Any
) -> None:
    # phone_agent splits at the first marker anywhere: keep them out of the other texts.
    assume(not any(m in thinking for m in ("finish(message=", "do(action=")))
    assume(all("finish(message=" not in t for t in _texts_of(action)))
    reply = split_reply(render_reply(action, thinking=thinking, style=style))
    assert reply.action_text == format_action(action)
    assert parse_action(reply.action_text) == action
    if style == "bare":
        assert reply.thinking == thinking.strip()


def _parse_or_error(text: str) -> Action | ActionParseError:
    try:
        return parse_action(text)
    except ActionParseError as error:
        return error


@given(st.text())
def test_parse_either_returns_an_action_or_points_inside_the_text(text: str) -> None:
    outcome = _parse_or_error(text)
    if isinstance(outcome, ActionParseError):
        assert 0 <= outcome.column <= len(text)
        assert outcome.text == text
        assert str(outcome).splitlines()[-1].endswith("^")


EDITS = [" ", "  ", "\n", "\t", ")", '"', ",", "x", "</answer>", "“", "0", "-", "[", "]", "\\"]


@given(
    actions,
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(EDITS)), min_size=1, max_size=3),
)
def test_whatever_the_strict_parser_accepts_the_real_agent_reads_the_same(
    action: Action, edits: list[tuple[int, str]]
) -> None:
    text = format_action(action)
    for position, piece in edits:
        at = position % (len(text) + 1)
        text = text[:at] + piece + text[at:]
    outcome = _parse_or_error(text)
    if isinstance(outcome, ActionParseError):
        assert 0 <= outcome.column <= len(text)
    else:
        assert phone_agent_parse_action(text) == agent_action_dict(outcome)
