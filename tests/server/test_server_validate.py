"""Validation like vLLM (and the other flavours), as a pure function; the token estimate."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from server_helpers import png_data_url, step_messages

from pytest_autoglm.server import (
    ApiError,
    ServerConfig,
    ServerConfigError,
    TokenEstimate,
    validate_chat_request,
)

VLLM = ServerConfig()


def body(**changes: Any) -> dict[str, Any]:
    return {"model": "autoglm-phone-9b", "messages": step_messages(), "max_tokens": 3000,
            "temperature": 0.0, "top_p": 0.85, "frequency_penalty": 0.2, "stream": True, **changes}  # fmt: skip


def test_phone_agent_request_is_valid() -> None:
    assert validate_chat_request(body(), config=VLLM) is None


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"model": "gpt-4"}, 404, "The model `gpt-4` does not exist."),
        ({"top_p": 1.5}, 400, "top_p must be in (0, 1], got 1.5."),
        ({"top_p": 0}, 400, "top_p must be in (0, 1], got 0.0."),
        ({"temperature": -0.5}, 400, "temperature must be non-negative, got -0.5."),
        ({"frequency_penalty": 3}, 400, "frequency_penalty must be in [-2, 2], got 3.0."),
        ({"max_tokens": 0}, 400, "max_tokens must be at least 1, got 0."),
        ({"messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": png_data_url(28, 28)}}] * 11}]},
         400, "At most 10 image(s) may be provided in one prompt."),
        ({"max_tokens": 25470}, 400, "'max_tokens' or 'max_completion_tokens' is too large: 25470."),
    ],
    ids=["model", "top_p-high", "top_p-zero", "temperature", "frequency_penalty", "max_tokens",
         "images", "max_tokens-large"],
)  # fmt: skip
def test_vllm_errors(changes: dict[str, Any], status: int, message: str) -> None:
    error = validate_chat_request(body(**changes), config=VLLM)
    assert error is not None
    assert error.status == status
    assert error.message.startswith(message)
    assert error.payload()["error"]["code"] == status


def test_context_length_messages() -> None:
    long_text = {"messages": [{"role": "user", "content": "abcd " * 26000}], "max_tokens": None}
    error = validate_chat_request(body(**long_text), config=VLLM)
    assert error is not None
    assert error.message.startswith(
        "This model's maximum context length is 25480 tokens. However, your request has"
    )
    assert error.message.endswith("Please reduce the length of the input messages. None")
    images = {"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": png_data_url(2000, 2500)}}] * 6}], "max_tokens": None}  # fmt: skip
    error = validate_chat_request(body(**images), config=VLLM)
    assert error is not None
    assert error.message.startswith("The decoder prompt (length ")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("data:image/png;base64,!!!", "invalid base64"),
        ("data:image/png;base64,aGVsbG8=", "cannot identify image file"),
        ("data:image/jpeg;base64,/9j/4AAQ", "accepts png images"),
    ],
    ids=["base64", "not-an-image", "jpeg"],
)
def test_bad_images(url: str, fragment: str) -> None:
    messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]
    error = validate_chat_request(body(messages=messages), config=VLLM)
    assert error is not None
    assert error.status == 400
    assert fragment in error.message


@pytest.mark.parametrize(
    "bad",
    [
        {"messages": "hi"},
        {"stream": "maybe"},
        {"top_p": "high"},
        {"max_tokens": 1.5},
        {"max_tokens": "25a"},
        {"max_tokens": "25.0"},
    ],
)
def test_schema_errors_are_400_bad_request(bad: dict[str, Any]) -> None:
    error = validate_chat_request(body(**bad), config=VLLM)
    assert error is not None
    assert (error.status, error.type) == (400, "Bad Request")
    assert error.message.startswith("1 validation error for ChatCompletionRequest")


@pytest.mark.parametrize(
    "lax",
    [
        {"max_tokens": "25"},
        {"max_tokens": 25.0},
        {"top_p": "0.5"},
        {"temperature": 0},
        {"stream": "true"},
        {"stream": 1},
        {"stream": "no"},
    ],
)
def test_values_pydantic_coerces_in_lax_mode_are_accepted(lax: dict[str, Any]) -> None:
    # vLLM's request model is pydantic in lax mode, which coerces these.
    assert validate_chat_request(body(**lax), config=VLLM) is None


@pytest.mark.parametrize(
    ("flavour", "payload"),
    [
        ("sglang", {"object": "error", "type": "BadRequest", "code": 400}),
        ("bigmodel", {"error": {"code": "1261", "message": "Prompt exceeds max length"}}),
        (
            "openai",
            {
                "error": {
                    "code": "context_length_exceeded",
                    "param": "messages",
                    "type": "invalid_request_error",
                }
            },
        ),
    ],
)
def test_flavour_bodies_for_context_length(flavour: str, payload: dict[str, Any]) -> None:
    long_text = {"messages": [{"role": "user", "content": "abcd " * 26000}], "max_tokens": None}
    error = validate_chat_request(body(**long_text), config=ServerConfig(flavour=flavour))
    assert error is not None
    got = error.payload()
    for key, value in payload.items():
        assert ({k: got[key][k] for k in value} if isinstance(value, dict) else got[key]) == value


def test_sglang_does_not_check_the_model_name() -> None:
    assert (
        validate_chat_request(body(model="anything"), config=ServerConfig(flavour="sglang")) is None
    )


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 < v <= 1))
def test_any_top_p_outside_the_range_gets_vllms_text(top_p: float) -> None:
    error = validate_chat_request(body(top_p=top_p), config=VLLM)
    assert error is not None
    assert error.message == f"top_p must be in (0, 1], got {top_p}."


@given(st.floats(0.01, 1.0), st.floats(0.0, 5.0), st.floats(-2.0, 2.0), st.integers(1, 20000))
def test_values_in_range_are_accepted(
    top_p: float, temperature: float, penalty: float, max_tokens: int
) -> None:
    request = body(
        top_p=top_p, temperature=temperature, frequency_penalty=penalty, max_tokens=max_tokens
    )
    assert validate_chat_request(request, config=VLLM) is None


def test_screenshot_tokens_follow_the_28px_grid() -> None:
    assert TokenEstimate().image_tokens(1080, 2400) == 39 * 86 == 3354


@given(st.integers(1, 8000), st.integers(1, 8000))
def test_image_tokens_stay_within_max_pixels(width: int, height: int) -> None:
    est = TokenEstimate()
    w, h = est.resized(width, height)
    assert w % 28 == 0
    assert h % 28 == 0
    assert w * h <= max(est.max_pixels, 28 * 28 * 4) or min(w, h) == 28
    assert est.image_tokens(width, height) == (w // 28) * (h // 28)


def test_text_tokens_count_cjk_per_character() -> None:
    est = TokenEstimate()
    assert est.text_tokens("abcdefgh") == 2
    assert est.text_tokens("打开微信") == 4
    assert TokenEstimate(chars_per_token=2).text_tokens("abcdefgh") == 4


def test_an_error_of_an_unknown_flavour_names_it() -> None:
    error = ApiError(status=400, message="no", flavour="tgi")
    with pytest.raises(ServerConfigError, match=r"flavour='tgi'.*accepted: vllm, sglang"):
        error.body()
