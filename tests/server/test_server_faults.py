"""Faults on both transports and both HTTP stacks (httpx and httpx2), sync and async."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx
import pytest

from pytest_autoglm.server import FakeServer

BODY = {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": "hi"}]}
STACKS: dict[str, Any] = {"httpx": httpx}
try:  # openai 3.x's stack; absent beside openai 1.x/2.x
    import httpx2

    STACKS["httpx2"] = httpx2
except ImportError:
    pass


@pytest.fixture(params=sorted(STACKS))
def stack(request: pytest.FixtureRequest) -> Any:
    return STACKS[request.param]


def post(stack: Any, server: FakeServer, *, stream: bool = False, read: float = 30.0) -> Any:
    """One request; only the read timeout is short when asked, so a loaded machine still connects."""
    with stack.Client(timeout=stack.Timeout(30.0, read=read)) as client:
        response = client.post(
            f"{server.base_url}/chat/completions", json={**BODY, "stream": stream}
        )
        response.read()
        return response


def events(response: Any) -> list[Any]:
    out = []
    for block in response.text.split("\n\n"):
        if block:
            assert block.startswith("data: ")
            data = block.removeprefix("data: ")
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def test_sse_stream_is_vllm_shaped(server: FakeServer, stack: Any) -> None:
    server.reply('<think>a</think>\n<answer>do(action="Back")')
    response = post(stack, server, stream=True)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    chunks = events(response)
    assert chunks[-1] == "[DONE]"
    assert chunks[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "content": "",
        "reasoning_content": None,
    }
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert all("usage" not in c for c in chunks[:-1])  # no stream_options.include_usage
    text = "".join(c["choices"][0]["delta"]["content"] for c in chunks[1:-1])
    assert text == '<think>a</think>\n<answer>do(action="Back")'
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert "do(action=" not in pieces
    assert not any("</think>" in p for p in pieces)


def test_usage_chunk_only_when_asked(server: FakeServer) -> None:
    server.reply("hello")
    with httpx.Client() as client:
        response = client.post(f"{server.base_url}/chat/completions",
                               json={**BODY, "stream": True, "stream_options": {"include_usage": True}})  # fmt: skip
    chunks = events(response)
    assert chunks[-2]["choices"] == []
    assert chunks[-2]["usage"]["completion_tokens"] == 2


def test_reset_is_a_connection_error(server: FakeServer, stack: Any) -> None:
    server.reset()
    with pytest.raises((stack.ReadError, stack.RemoteProtocolError)):
        post(stack, server)


def test_stall_times_out_the_client(server: FakeServer, stack: Any) -> None:
    server.stall(60)
    started = time.monotonic()
    with pytest.raises(stack.ReadTimeout):
        post(stack, server, read=0.2)
    assert time.monotonic() - started >= 0.15  # the client waited its read timeout, not 60 s
    assert server.calls[0].answered_by == "#1 stall(60 s)"


def test_short_stall_closes_without_response(server: FakeServer, stack: Any) -> None:
    server.stall(0.1)
    with pytest.raises(stack.RemoteProtocolError):
        post(stack, server)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_cut_stream_ends_without_done(server: FakeServer, stack: Any, stream: bool) -> None:
    server.reply("abcdefghijklmnopqrstuvwxyz")
    server.cut_stream(after=2)
    with (
        stack.Client() as client,
        client.stream(
            "POST", f"{server.base_url}/chat/completions", json={**BODY, "stream": stream}
        ) as response,
    ):
        received: list[bytes] = []
        with pytest.raises(stack.RemoteProtocolError):
            received.extend(response.iter_bytes())
    if stream:
        assert b"".join(received).count(b"data: ") == 3
        assert b"[DONE]" not in b"".join(received)


def test_clean_cut_ends_the_response_without_done(server: FakeServer, stack: Any) -> None:
    server.reply("abcdefghijklmnopqrstuvwxyz")
    server.cut_stream(after=2, clean=True)
    text = post(stack, server, stream=True).text
    assert text.count("data: ") == 3
    assert "[DONE]" not in text
    assert '"finish_reason":"stop"' not in text


def test_malformed_chunk(server: FakeServer, stack: Any) -> None:
    server.reply("abcdef")
    server.malformed_chunk(after=1)
    text = post(stack, server, stream=True).text
    blocks = [b for b in text.split("\n\n") if b]
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[2].removeprefix("data: "))
    assert blocks[-1] == "data: [DONE]"


def test_slow_tokens_are_delivered_with_delays(server: FakeServer, stack: Any) -> None:
    server.reply("abcdefghijkl", chunks=["abc", "def", "ghi", "jkl"])
    server.slow(ttft=0.2, inter_chunk=0.05)
    arrivals = []
    started = time.monotonic()
    with (
        stack.Client(timeout=30) as client,
        client.stream(
            "POST", f"{server.base_url}/chat/completions", json={**BODY, "stream": True}
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: {"):
                arrivals.append(time.monotonic() - started)
    # Lower bounds from before the request only: a loaded client may read chunks late and
    # together, but none can arrive before the server's waits for it have passed.
    assert len(arrivals) == 5  # four timed pieces after the first, each waited for
    assert arrivals[0] >= 0.19
    assert arrivals[-1] >= 0.2 + 4 * 0.05 - 0.01


def test_slow_reply_beyond_read_timeout(server: FakeServer, stack: Any) -> None:
    server.reply("late")
    server.slow(ttft=60)
    with pytest.raises(stack.ReadTimeout):
        post(stack, server, read=0.2)


@pytest.mark.parametrize(
    ("flavour", "status", "code", "expected"),
    [
        (
            "bigmodel",
            429,
            "1302",
            {
                "error": {
                    "code": "1302",
                    "message": "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。",
                }
            },
        ),
        (
            "bigmodel",
            429,
            "1305",
            {"error": {"code": "1305", "message": "该模型当前访问量过大，请您稍后再试"}},
        ),
        (
            "openai",
            429,
            None,
            {"error": {"type": "requests", "param": None, "code": "rate_limit_exceeded"}},
        ),
        ("openai", 503, None, {"error": {"code": "server_is_overloaded", "type": "server_error"}}),
        ("vllm", 500, None, {"error": {"type": "Internal Server Error", "code": 500}}),
        ("sglang", 500, None, {"object": "error", "type": "InternalServerError", "code": 500}),
    ],
    ids=["bigmodel-1302", "bigmodel-1305", "openai-429", "openai-503", "vllm-500", "sglang-500"],
)
def test_fail_bodies_per_flavour(transport: str, flavour: str, status: int, code: str | None,
                                 expected: dict[str, Any]) -> None:  # fmt: skip
    with FakeServer(transport=transport, flavour=flavour, export_env=False) as server:
        server.fail(status, code=code, retry_after=2)
        response = post(httpx, server)
    assert response.status_code == status
    assert response.headers["retry-after"] == "2"
    body = response.json()
    for key, value in expected.items():
        if isinstance(value, dict):
            assert {k: body[key][k] for k in value} == value
        else:
            assert body[key] == value


def test_async_clients_see_the_same_faults(server: FakeServer, stack: Any) -> None:
    server.fail(429, retry_after_ms=5)
    server.reply("done")
    server.reset()

    async def run() -> list[Any]:
        async with stack.AsyncClient(timeout=30) as client:
            url = f"{server.base_url}/chat/completions"
            first = await client.post(url, json=BODY)
            second = await client.post(url, json=BODY)
            try:
                await client.post(url, json=BODY)
            except (stack.ReadError, stack.RemoteProtocolError) as exc:
                return [
                    first.status_code,
                    second.json()["choices"][0]["message"]["content"],
                    type(exc),
                ]
            return [first.status_code, second.text, None]

    status, content, error = anyio.run(run)
    assert (status, content) == (429, "done")
    assert error is stack.ReadError  # a reset, not a clean close
    assert first_header(server) == 0.005


def first_header(server: FakeServer) -> float | None:
    return server.calls[0].retry_after


def test_endpoints(server: FakeServer, stack: Any) -> None:
    root = server.base_url.removesuffix("/v1")
    with stack.Client() as client:
        health = client.get(f"{root}/health")
        assert (health.status_code, health.content) == (200, b"")
        assert client.get(f"{root}/version").json() == {"version": "0.12.0"}
        models = client.get(f"{server.base_url}/models").json()
        assert models["data"][0]["id"] == "autoglm-phone-9b"
        assert models["data"][0]["max_model_len"] == 25480
        assert client.get(f"{root}/nowhere").status_code == 404


def test_health_has_one_length_and_can_report_a_dead_engine(server: FakeServer, stack: Any) -> None:
    root = server.base_url.removesuffix("/v1")
    with stack.Client() as client:
        alive = client.get(f"{root}/health")
        assert alive.headers.get_list("content-length") == ["0"]
        server.health(503)
        dead = client.get(f"{root}/health")
        assert (dead.status_code, dead.content) == (503, b"")
        assert dead.headers.get_list("content-length") == ["0"]
        server.health()
        assert client.get(f"{root}/health").status_code == 200
    assert [c.status for c in server.calls] == [200, 503, 200]


def test_a_scripted_content_type_replaces_the_json_one(server: FakeServer, stack: Any) -> None:
    """A gateway's HTML error page: one content-type, the scripted one."""
    server.fail(502, body="<html>Bad Gateway</html>", headers={"Content-Type": "text/html"})
    response = post(stack, server)
    assert response.status_code == 502
    assert response.headers.get_list("content-type") == ["text/html"]
    assert response.text == "<html>Bad Gateway</html>"


def test_health_status_is_checked() -> None:
    from pytest_autoglm.server import ScriptError

    with pytest.raises(ScriptError, match=r"health\(status='down'\): expected an HTTP status"):
        FakeServer().health("down")  # type: ignore[arg-type]


def test_key_is_checked_when_set(transport: str, stack: Any) -> None:
    with FakeServer(transport=transport, api_key="sk-secret-123", export_env=False) as server:
        server.reply("ok")
        with stack.Client() as client:
            url = f"{server.base_url}/chat/completions"
            denied = client.post(url, json=BODY, headers={"Authorization": "Bearer wrong"})
            root = server.base_url.removesuffix("/v1")
            assert client.get(f"{root}/health").status_code == 200  # /health is never checked
            allowed = client.post(url, json=BODY, headers={"Authorization": "Bearer sk-secret-123"})
    assert (denied.status_code, denied.json()) == (401, {"error": "Unauthorized"})
    assert allowed.status_code == 200
    assert all("sk-secret-123" not in repr(c.headers) for c in server.calls)
    assert server.calls[0].headers["authorization"] == "Bearer ***"


def test_coexists_with_a_users_respx_mock() -> None:
    import respx

    body = {**BODY, "messages": [{"role": "user", "content": "x"}]}
    with respx.mock(assert_all_called=False) as router:  # started first: no route needed
        router.get("https://example.org/x").respond(200, text="mocked")
        with FakeServer(export_env=False) as server:
            server.reply("hi")
            assert httpx.get("https://example.org/x").text == "mocked"
            answer = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert answer.json()["choices"][0]["message"]["content"] == "hi"
    with FakeServer(export_env=False) as server, respx.mock(assert_all_called=False) as router:
        router.route(host="localhost", port=8000).pass_through()  # started after: let it through
        server.reply("hi")
        answer = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert answer.json()["choices"][0]["message"]["content"] == "hi"


def test_sglang_sends_context_errors_inside_a_200_stream(transport: str) -> None:
    long = {"model": "m", "messages": [{"role": "user", "content": "abcd " * 26000}]}
    with FakeServer(transport=transport, flavour="sglang", export_env=False) as server:
        streamed = httpx.post(f"{server.base_url}/chat/completions", json={**long, "stream": True})
        whole = httpx.post(f"{server.base_url}/chat/completions", json=long)
    assert streamed.status_code == 200
    first, done = [b for b in streamed.text.split("\n\n") if b]
    error = json.loads(first.removeprefix("data: "))["error"]
    assert error["object"] == "error"
    assert error["message"].startswith("The input (")
    assert done == "data: [DONE]"
    assert whole.status_code == 400
