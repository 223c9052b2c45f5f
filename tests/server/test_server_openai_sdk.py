"""Acceptance with the real openai SDK (3.x, on httpx2): sync and async, stream and not, both transports.

Retry waits are kept short with ``retry-after``/``retry-after-ms`` headers the SDK honours,
except the one case the issue pins at ``retry-after: 1``.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import openai
import pytest
from server_helpers import step_messages

from pytest_autoglm.server import FakeServer

MODEL = "autoglm-phone-9b"
REPLY = '<think>打开微信</think>\n<answer>do(action="Launch", app="微信")'


def call(
    server: FakeServer, mode: str, *, stream: bool, messages: Any = None, **client: Any
) -> str:
    """One chat completion through the SDK; returns the content (joined for streams)."""
    kwargs: dict[str, Any] = {"model": MODEL, "messages": messages or step_messages(),
                              "max_tokens": 3000, "temperature": 0.0, "top_p": 0.85,
                              "frequency_penalty": 0.2, "stream": stream}  # fmt: skip
    if mode == "sync":
        with openai.OpenAI(base_url=server.base_url, api_key="EMPTY", **client) as c:
            result = c.chat.completions.create(**kwargs)
            if not stream:
                assert isinstance(result, openai.types.chat.ChatCompletion)
                return result.choices[0].message.content or ""
            return "".join(ch.choices[0].delta.content or "" for ch in result if ch.choices)

    async def run() -> str:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="EMPTY", **client) as c:
            result = await c.chat.completions.create(**kwargs)
            if not stream:
                return result.choices[0].message.content or ""
            return "".join([ch.choices[0].delta.content or "" async for ch in result if ch.choices])

    return anyio.run(run)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_reply_parses_into_typed_objects(server: FakeServer, mode: str, stream: bool) -> None:
    server.reply(REPLY)
    assert call(server, mode, stream=stream) == REPLY
    assert server.calls.last.stream is stream
    assert server.calls.last.headers["authorization"] == "Bearer ***"


def test_non_stream_usage_and_fields(server: FakeServer) -> None:
    server.reply(REPLY)
    with openai.OpenAI(base_url=server.base_url, api_key="EMPTY") as c:
        result = c.chat.completions.create(model=MODEL, messages=step_messages())
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.prompt_tokens > 3354  # one 1080x2400 screenshot alone is 3354 tokens
    assert result.id.startswith("chatcmpl-")


def test_429_with_retry_after_succeeds_after_one_retry(server: FakeServer, mode: str) -> None:
    server.fail(429, retry_after=1)
    server.reply(REPLY)
    started = time.monotonic()
    assert call(server, mode, stream=False) == REPLY
    assert time.monotonic() - started >= 0.95
    assert [c.status for c in server.calls] == [429, 200]
    assert [c.retry_count for c in server.calls] == [0, 1]
    server.calls.assert_backoff(policy="openai", max_retries=2)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_three_503s_raise_internal_server_error(
    server: FakeServer, mode: str, stream: bool
) -> None:
    server.fail(503, times=3, retry_after_ms=10)
    with pytest.raises(openai.InternalServerError) as info:
        call(server, mode, stream=stream)
    assert info.value.status_code == 503
    server.calls.assert_called(times=3)


def test_overlong_context_raises_bad_request_with_vllm_text(server: FakeServer, mode: str) -> None:
    messages = [{"role": "user", "content": "word " * 30000}]
    with pytest.raises(openai.BadRequestError) as info:
        call(server, mode, stream=False, messages=messages)
    assert "This model's maximum context length is 25480 tokens. However, your request has" in str(
        info.value
    )
    assert str(info.value).endswith("Please reduce the length of the input messages. None'}}") or (
        "Please reduce the length of the input messages. None" in str(info.value)
    )


def test_error_event_mid_stream_raises_api_error(server: FakeServer, mode: str) -> None:
    server.reply(REPLY)
    server.error_event("engine died", after=3)
    with pytest.raises(openai.APIError, match="engine died"):
        call(server, mode, stream=True)


def _recorded(server: FakeServer, count: int, deadline: float = 30.0) -> list[Any]:
    """The first ``count`` call records, once there: on ``http`` the server's thread may
    take the request after a loaded machine's client has already timed out."""
    end = time.monotonic() + deadline
    while len(server.calls) < count or not all(c.answered_by for c in server.calls):
        assert time.monotonic() < end, f"{len(server.calls)} of {count} calls answered"
        time.sleep(0.01)  # polling the records, with the deadline above
    return list(server.calls)[:count]


def test_stall_beyond_client_timeout_raises_timeout(server: FakeServer, mode: str) -> None:
    server.stall(600)  # the test would hang 10 minutes if the client did not time out
    with pytest.raises(openai.APITimeoutError):
        call(server, mode, stream=False, timeout=openai.Timeout(60, read=0.3), max_retries=0)
    assert _recorded(server, 1)[0].answered_by == "#1 stall(600 s)"


def test_stall_then_retry_gets_the_reply(server: FakeServer, autoglm_clock: Any) -> None:
    server.stall(600)
    server.reply(REPLY)
    # The read timeout also bounds the retry's answer: generous, so a loaded machine makes it.
    # The SDK's backoff (and the in-process stall) pass on the virtual clock.
    timeout = openai.Timeout(60, read=4.0)
    assert call(server, "sync", stream=False, timeout=timeout, max_retries=1) == REPLY
    assert _recorded(server, 2)[0].answered_by == "#1 stall(600 s)"
    assert server.calls[1].answered_by.startswith("#2 reply(")
    assert [c.status for c in server.calls] == [None, 200]


def test_unexpected_request_is_not_retried(server: FakeServer, mode: str) -> None:
    with pytest.raises(openai.UnprocessableEntityError, match="unexpected request"):
        call(server, mode, stream=False)
    server.calls.assert_called(times=1)  # x-should-retry: false stopped the SDK
    assert server.problems()[0] == "1 unexpected request(s):"
    server._core.unexpected.clear()  # checked; keep the fixture's teardown quiet
