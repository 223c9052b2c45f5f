"""messages(), conversations() and chat_requests(): valid ones pass, misuses get the server's error.

The expected errors of ``chat_requests(valid=False)`` are written from PROTOCOL.md; these
properties keep them equal to what the fake server answers, through its pure validator
(every flavour) and over the wire (the ``autoglm_server`` fixture, respx transport).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_autoglm import strategies as gst
from pytest_autoglm.server import ApiError, FakeServer, ServerConfig, validate_chat_request
from pytest_autoglm.strategies._requests import MISUSES, PRESETS, count

FLAVOURS = ("vllm", "sglang", "bigmodel", "openai")
SMALL = {"max_model_len": 4096, "max_images": 2}  # small limits: cheaper over-long prompts


def images_of(messages: list[dict[str, Any]]) -> list[str]:
    return [
        part["image_url"]["url"]
        for m in messages
        if isinstance(m["content"], list)
        for part in m["content"]
        if part["type"] == "image_url"
    ]


@settings(max_examples=100)
@given(gst.conversations())
def test_conversations_are_shaped_like_phone_agents(messages: list[dict[str, Any]]) -> None:
    assert messages[0]["role"] == "system"
    assert isinstance(messages[0]["content"], str)
    roles = [m["role"] for m in messages[1:]]
    assert roles == ["user", "assistant"] * (len(roles) // 2) + ["user"]
    assert len(images_of(messages)) == 1  # only the current step keeps its screenshot
    assert messages[-1]["content"][0]["type"] == "image_url"
    first_text = messages[1]["content"][-1]["text"]
    assert json.loads(first_text.rsplit("\n\n", 1)[1])["current_app"]
    for later in messages[3::2]:
        assert later["content"][-1]["text"].startswith("** Screen Info **\n\n")
    for reply in messages[2::2]:
        assert reply["content"].startswith("<think>")
        assert reply["content"].endswith("</answer>")


@settings(max_examples=60)
@given(gst.messages())
def test_single_messages_have_a_known_role_and_shape(message: dict[str, Any]) -> None:
    assert message["role"] in ("system", "user", "assistant")
    if message["role"] == "user":
        assert [p["type"] for p in message["content"]][-1] == "text"
        assert len(images_of([message])) <= 1
    else:
        assert isinstance(message["content"], str)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_valid_requests_are_accepted(flavour: str) -> None:
    config = ServerConfig(flavour=flavour, **SMALL)

    @settings(max_examples=60)
    @given(gst.chat_requests(flavour=flavour, **SMALL))
    def accepted(body: dict[str, Any]) -> None:
        assert validate_chat_request(body, config=config) is None
        tokens = count(body["messages"], config)
        assert tokens.text + body.get("max_tokens", 0) <= config.max_model_len

    accepted()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_misuses_get_exactly_the_servers_error(flavour: str) -> None:
    config = ServerConfig(flavour=flavour, **SMALL)

    @settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
    @given(gst.chat_requests(valid=False, flavour=flavour, **SMALL))
    def rejected(case: tuple[dict[str, Any], ApiError]) -> None:
        body, expected = case
        assert validate_chat_request(body, config=config) == expected

    rejected()


@settings(max_examples=100)
@given(st.sampled_from(MISUSES), st.data())
def test_every_misuse_kind_is_an_error_alone(kind: str, data: st.DataObject) -> None:
    body, expected = data.draw(gst.chat_requests(valid=False, misuses=[kind], **SMALL))
    assert expected.status >= 400
    assert validate_chat_request(body, config=ServerConfig(**SMALL)) == expected


@settings(max_examples=10)
@given(gst.chat_requests(valid=False, misuses=["prompt_too_long", "max_tokens_too_large"]))
def test_the_full_default_limit_is_covered_too(case: tuple[dict[str, Any], ApiError]) -> None:
    body, expected = case
    assert "maximum context length is 25480 tokens" in expected.message
    assert validate_chat_request(body, config=ServerConfig()) == expected


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # One client for all examples: a new one per request costs an SSL context each.
    with httpx.Client() as shared:
        yield shared


@pytest.mark.autoglm_server(**SMALL)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=gst.chat_requests(valid=False, **SMALL))
def test_the_fake_server_answers_each_misuse_with_the_expected_error(
    autoglm_server: FakeServer, client: httpx.Client, case: tuple[dict[str, Any], ApiError]
) -> None:
    body, expected = case
    response = client.post(f"{autoglm_server.base_url}/chat/completions", json=body)
    assert (response.status_code, response.json()) == (expected.status, expected.payload())


@pytest.mark.autoglm_server(**SMALL)
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=gst.chat_requests(**SMALL))
def test_the_fake_server_answers_valid_requests(
    autoglm_server: FakeServer, client: httpx.Client, body: dict[str, Any]
) -> None:
    autoglm_server.reply('do(action="Back")')
    response = client.post(f"{autoglm_server.base_url}/chat/completions", json=body)
    assert response.status_code == 200, response.text


def test_valid_requests_shrink_to_phone_agents_request() -> None:
    body = find(gst.chat_requests(), lambda b: True)
    assert {k: v for k, v in body.items() if k not in ("messages", "model")} == PRESETS[0]
    assert body["model"] == "autoglm-phone-9b"
    assert len(body["messages"]) == 2


def test_misuses_shrink_to_a_missing_field() -> None:
    body, expected = find(gst.chat_requests(valid=False), lambda case: True)
    assert "messages" not in body
    assert expected.status == 400
    assert "Field required" in expected.message


def test_flavours_only_get_the_misuses_they_reject() -> None:
    with pytest.raises(InvalidArgument, match="unknown \\['unknown_model'\\]"):
        gst.chat_requests(valid=False, flavour="sglang", misuses=["unknown_model"])
    with pytest.raises(InvalidArgument, match="max_tokens_too_large"):
        gst.chat_requests(valid=False, flavour="bigmodel", misuses=["max_tokens_too_large"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gst.chat_requests(valid="yes"), "valid='yes'"),
        (lambda: gst.chat_requests(max_model_len=512), "max_model_len=512"),
        (lambda: gst.chat_requests(max_images=0), "max_images=0"),
        (lambda: gst.chat_requests(flavour="tgi"), "flavour='tgi'"),
        (lambda: gst.chat_requests(model=None), "model=None"),
        (lambda: gst.chat_requests(misuses=["sampling"]), "only applies to"),
        (lambda: gst.chat_requests(valid=False, misuses=["samplign"]), "samplign"),
        (lambda: gst.conversations(min_turns=0), "min_turns=0"),
        (lambda: gst.conversations(min_turns=3, max_turns=2), "min_turns <= max_turns"),
        (lambda: gst.conversations(lang="fr"), "lang='fr'"),
        (lambda: gst.conversations(prompts="open WeChat"), "prompts='open WeChat'"),
        (lambda: gst.messages(role="tool"), "role='tool'"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_fail_when_the_strategy_is_built(call: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call()  # type: ignore[operator]
