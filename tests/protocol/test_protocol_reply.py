"""Whole replies: rendering in every style real deployments emit, and phone_agent's split rules."""

from __future__ import annotations

from typing import get_args

import pytest

from pytest_autoglm.protocol import (
    REPLY_STYLES,
    Finish,
    Launch,
    ProtocolError,
    Reply,
    ReplyStyle,
    Tap,
    Type,
    agent_action_dict,
    parse_action,
    phone_agent_parse_action,
    render_reply,
    split_reply,
)

TAP = Tap(element=(500, 120))
TAP_TEXT = 'do(action="Tap", element=[500, 120])'


def test_every_style_is_documented_once() -> None:
    assert set(REPLY_STYLES) == set(get_args(ReplyStyle))


@pytest.mark.parametrize(
    ("style", "reply"),
    [
        ("open", f"<think>点击搜索框</think>\n<answer>{TAP_TEXT}"),
        ("closed", f"<think>点击搜索框</think>\n<answer>{TAP_TEXT}</answer>"),
        ("history", f"<think>点击搜索框</think><answer>{TAP_TEXT}</answer>"),
        ("bare", f"点击搜索框\n{TAP_TEXT}"),
    ],
)
def test_render_reply_styles(style: ReplyStyle, reply: str) -> None:
    assert render_reply(TAP, thinking="点击搜索框", style=style) == reply


def test_render_defaults_to_the_open_style_and_empty_thinking() -> None:
    assert render_reply(TAP) == f"<think></think>\n<answer>{TAP_TEXT}"
    assert render_reply(TAP, style="bare") == TAP_TEXT


def test_render_uses_a_string_action_verbatim() -> None:
    assert (
        render_reply("do(action=“Tap”)", thinking="t")
        == "<think>t</think>\n<answer>do(action=“Tap”)"
    )


def test_render_rejects_an_unknown_style() -> None:
    with pytest.raises(
        ProtocolError,
        match="unknown reply style 'xml'; expected one of open, closed, history, bare",
    ):
        render_reply(TAP, style="xml")  # type: ignore[arg-type]


def test_render_rejects_non_text_thinking() -> None:
    with pytest.raises(ProtocolError, match="thinking must be a str; got NoneType"):
        render_reply(TAP, thinking=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("style", ["open", "bare"])
def test_well_formed_styles_reach_the_agent_intact(style: ReplyStyle) -> None:
    for action in (TAP, Type(text='say "hi"\n'), Finish(message="完成")):
        reply = split_reply(render_reply(action, thinking="想一想", style=style))
        assert parse_action(reply.action_text) == action
        assert phone_agent_parse_action(reply.action_text) == agent_action_dict(action)


@pytest.mark.parametrize("style", ["closed", "history"])
def test_a_closing_tag_breaks_a_do_action_in_the_real_agent(style: ReplyStyle) -> None:
    reply = split_reply(render_reply(TAP, style=style))
    assert reply.action_text == TAP_TEXT + "</answer>"
    with pytest.raises(ValueError, match=r"Failed to parse do\(\) action: invalid syntax"):
        phone_agent_parse_action(reply.action_text)


def test_closed_style_silently_corrupts_type_and_finish() -> None:
    typed = split_reply(render_reply(Type(text="hi"), style="closed")).action_text
    assert phone_agent_parse_action(typed)["text"] == 'hi")</answe'
    finished = split_reply(render_reply(Finish(message="done"), style="closed")).action_text
    assert phone_agent_parse_action(finished)["message"] == 'done")</answe'


# -- split_reply: phone_agent's _parse_response rules, in order ---------------------------------


def test_rule_1_finish_marker() -> None:
    reply = split_reply('<think>任务完成</think>\n<answer>finish(message="已完成")')
    assert reply == Reply(
        thinking="<think>任务完成</think>\n<answer>", action_text='finish(message="已完成")'
    )
    assert reply.rule == 1


def test_rule_1_wins_even_inside_the_thinking() -> None:
    raw = '<think>then I will finish(message="x") later</think>\n<answer>do(action="Back")'
    reply = split_reply(raw)
    assert reply.rule == 1
    assert reply.thinking == "<think>then I will"
    assert reply.action_text == 'finish(message="x") later</think>\n<answer>do(action="Back")'


def test_rule_1_wins_over_an_earlier_do_marker() -> None:
    reply = split_reply('do(action="Type", text="finish(message=")')
    assert (reply.rule, reply.thinking, reply.action_text) == (
        1,
        'do(action="Type", text="',
        'finish(message=")',
    )


def test_rule_2_do_marker_keeps_tags_and_trailing_text() -> None:
    reply = split_reply(f"<think> 看到首页 </think>\n<answer>{TAP_TEXT}</answer>\n")
    assert reply.rule == 2
    assert reply.thinking == "<think> 看到首页 </think>\n<answer>"
    assert reply.action_text == TAP_TEXT + "</answer>\n"


def test_rule_2_a_marker_in_the_thinking_takes_the_action() -> None:
    reply = split_reply('<think>maybe do(action="Home")?</think>\n<answer>do(action="Back")')
    assert reply.thinking == "<think>maybe"
    with pytest.raises(ValueError, match="Failed to parse action"):
        phone_agent_parse_action(reply.action_text)


def test_rule_3_answer_tag_without_markers_strips_tags() -> None:
    reply = split_reply("<think> 无法操作 </think>\n<answer> 打开微信 </answer></answer> ")
    assert (reply.rule, reply.thinking, reply.action_text) == (3, "无法操作", "打开微信")


def test_rule_3_removes_every_think_tag_before_the_answer() -> None:
    reply = split_reply("a<think>b</think>c<think>d<answer>e")
    assert (reply.thinking, reply.action_text) == ("abcd", "e")


@pytest.mark.parametrize("raw", ["", "我不知道", "  spaced  \n", "<think>only thinking</think>"])
def test_rule_4_no_marker_gives_everything_as_the_action(raw: str) -> None:
    reply = split_reply(raw)
    assert (reply.rule, reply.thinking, reply.action_text) == (4, "", raw)


def test_rule_4_output_makes_the_agent_fail_to_parse() -> None:
    # phone_agent then substitutes finish(message=<raw>) and reports success (PROTOCOL.md 1).
    with pytest.raises(ValueError, match="Failed to parse action: 我不知道"):
        phone_agent_parse_action(split_reply("我不知道").action_text)


def test_the_rule_is_not_part_of_equality() -> None:
    assert Reply("t", "a", 1) == Reply("t", "a", 3) == Reply(thinking="t", action_text="a")


def test_a_split_launch_keeps_the_unicode() -> None:
    reply = split_reply(render_reply(Launch(app="京东"), thinking="打开京东", style="open"))
    assert parse_action(reply.action_text) == Launch(app="京东")
