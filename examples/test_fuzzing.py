"""Example: fuzz the sample integration's reply parser and request builder with generated data.

``pytest_autoglm.strategies`` generates what the integration handles: model replies
written the way real deployments write them (and broken the ways they break), task
prompts in every script, screenshots, whole conversations. Each property below found,
or guards against, a real class of bug.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import example, given, settings
from sample_integration import request_builder
from sample_integration.parsing import ParsedReply, ReplyParseError, parse_reply

from pytest_autoglm import strategies as gst
from pytest_autoglm.protocol import agent_action_dict, parse_action, split_reply
from pytest_autoglm.server import ServerConfig, validate_chat_request

SERVER = ServerConfig()  # vLLM with Open-AutoGLM's flags: 25480 tokens, 10 images


def as_agent_dict(reply: ParsedReply) -> dict[str, Any]:
    """The sample's parse in phone_agent's own shape, which the reference check understands."""
    if reply.name == "finish":
        return {"_metadata": "finish", **reply.args}
    return {"_metadata": "do", "action": reply.name, **reply.args}


def test_the_parser_reads_every_well_formed_reply_as_the_reference_does() -> None:
    gst.assert_parser_agrees(lambda text: as_agent_dict(parse_reply(text)), well_formed=True)


# What fuzzing found in the sample parser, kept as explicit examples (fixed in parsing.py):
@example('当前在系统桌面，需要先打开微信。\ndo(action="Launch", app="微信")')  # no tags at all
@example('<think></think>\n<answer>do(action="Type", text="say "hi"")')  # a quote in the text
@example('<think></think>\n<answer>finish(message="C:\\new")')  # a backslash, not an escape
@given(gst.model_outputs())
def test_the_parser_matches_the_reference_parser(text: str) -> None:
    expected = agent_action_dict(parse_action(split_reply(text).action_text))
    assert as_agent_dict(parse_reply(text)) == expected


@given(gst.model_outputs(well_formed=False))
def test_broken_replies_are_refused_cleanly_or_read(text: str) -> None:
    # The sample is lenient on purpose (it strips a trailing </answer>); what it must never
    # do is crash with anything but its own ReplyParseError.
    with contextlib.suppress(ReplyParseError):
        parse_reply(text)


@settings(max_examples=50)
@given(
    task=gst.prompts(),
    screenshot=gst.screenshots(),
    app=gst.prompts(max_size=20),
)
def test_the_first_request_is_one_the_server_accepts(
    task: str, screenshot: bytes, app: str
) -> None:
    messages = request_builder.first_step(task, screenshot, app)
    body = request_builder.request_kwargs(SERVER.model, messages)
    assert validate_chat_request(body, config=SERVER) is None


@settings(max_examples=50)
@given(history=gst.conversations(), reply=gst.model_outputs(), screenshot=gst.screenshots())
def test_each_next_step_keeps_exactly_one_screenshot(
    history: list[dict[str, Any]], reply: str, screenshot: bytes
) -> None:
    messages = request_builder.next_step(history, reply, screenshot, "微信")
    images = [
        part
        for message in messages
        if isinstance(message["content"], list)
        for part in message["content"]
        if part["type"] == "image_url"
    ]
    assert len(images) == 1  # vLLM allows 10, but phone_agent sends exactly one
    assert messages[0] == history[0]  # the system prompt is untouched
    body = request_builder.request_kwargs(SERVER.model, messages)
    assert validate_chat_request(body, config=SERVER) is None
