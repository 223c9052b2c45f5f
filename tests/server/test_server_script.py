"""Scripting: order, matching, reuse, windows, strictness, and thread safety on both transports."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from pytest_autoglm.server import FakeServer, ScriptError, UnexpectedRequestsError

BODY = {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": "hi"}]}


def ask(server: FakeServer, text: str = "hi", **extra: Any) -> httpx.Response:
    body = {**BODY, "messages": [{"role": "user", "content": text}], **extra}
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=5)


def content(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["message"]["content"])


def test_replies_are_consumed_once_in_order(server: FakeServer) -> None:
    server.reply("one").reply("two")
    assert [content(ask(server)), content(ask(server))] == ["one", "two"]


def test_matching_on_text_model_and_stream(server: FakeServer) -> None:
    server.reply("screen", contains="Screen Info")
    server.reply("first", stream=False)
    assert content(ask(server, "task")) == "first"
    assert content(ask(server, "** Screen Info **")) == "screen"


def test_reusable_reply_answers_every_time(server: FakeServer) -> None:
    server.reply("again", reusable=True)
    assert {content(ask(server)) for _ in range(3)} == {"again"}


def test_fault_window_covers_requests_within_it(transport: str) -> None:
    """The window is measured on the server's clock, moved by hand: no real time involved."""
    now = [1000.0]
    with FakeServer(transport=transport, export_env=False, clock=lambda: now[0]) as server:
        server.fail(503, within=0.3)
        server.reply("after")
        assert ask(server).status_code == 503  # opens the window
        now[0] += 0.3
        assert ask(server).status_code == 503  # at its edge: still inside
        now[0] += 0.01
        assert content(ask(server)) == "after"
    server.verify()


def test_episode_renders_actions(server: FakeServer) -> None:
    from pytest_autoglm.protocol import Back, Tap

    server.episode([("看一看", Tap((500, 120))), Back(), 'finish(message="done")'], stream=None)
    texts = [content(ask(server)) for _ in range(3)]
    assert texts[0] == '<think>看一看</think>\n<answer>do(action="Tap", element=[500, 120])'
    assert texts[1].endswith('do(action="Back")')
    assert texts[2] == 'finish(message="done")'


def test_unmatched_request_explains_the_nearest_entry(server: FakeServer) -> None:
    server.reply("for screens", contains="Screen Info")
    response = ask(server, "打开微信")
    assert response.status_code == 422
    assert response.headers["x-should-retry"] == "false"
    assert "unexpected request" in response.json()["error"]["message"]
    with pytest.raises(UnexpectedRequestsError) as info:
        server.verify()
    text = str(info.value)
    assert "nearest is #1 reply('for screens') when contains='Screen Info'" in text
    assert "contains: scripted 'Screen Info', last user text is '打开微信'" in text
    assert "never used" in text
    server._core.unexpected.clear()
    server.reply("x", optional=True)
    ask(server, "Screen Info")


def test_unused_reply_fails_unless_optional(server: FakeServer) -> None:
    server.reply("never")
    server.reply("maybe", optional=True)
    with pytest.raises(UnexpectedRequestsError, match=r"1 scripted entry was never used") as info:
        server.verify()
    assert "#1 reply('never')" in str(info.value)
    assert "maybe" not in str(info.value)
    ask(server)


def test_images_are_summarised_in_the_diff(server: FakeServer) -> None:
    from server_helpers import step_messages

    httpx.post(f"{server.base_url}/chat/completions", json={**BODY, "messages": step_messages()})
    text = "\n".join(server.problems())
    assert "<png 1080x2400," in text
    assert "base64," not in text
    server._core.unexpected.clear()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.fail(200), "expected an HTTP error status"),
        (lambda s: s.reply("a", times=0), "times=0 must be a positive integer"),
        (lambda s: s.reply("abc", chunks=["a", "b"]), "must join to exactly the reply text"),
        (lambda s: s.cut_stream(after=-1), "after=-1 must be a chunk count"),
        (lambda s: s.slow(ttft=-1), r"slow\(ttft\)=-1 must be a number of seconds >= 0"),
        (lambda s: s.slow(ttft="1"), r"slow\(ttft\)='1' must be a number of seconds >= 0"),
        (lambda s: s.stall("5"), r"stall\(seconds\)='5' must be a number of seconds >= 0"),
        (lambda s: s.fail(429, within="2"), "within='2' must be a number of seconds > 0"),
        (
            lambda s: s.fail(429, retry=2),
            r"fail\(\) got an unknown keyword 'retry' \(did you "
            r"mean 'retry_after'\?\); accepted: status, times",
        ),
        (
            lambda s: s.reset(tims=2),
            r"reset\(\) got an unknown keyword 'tims' \(did you mean 'times'",
        ),
        (lambda s: s.fail(429, retry_after_ms="x"), "retry_after_ms='x' must be a number"),
        (lambda s: s.fail(429, body=42), r"fail\(body=42\): expected a dict, str, bytes"),
        (lambda s: s.fail(429, headers={"x": 1}), "expected a dict of str to str"),
        (lambda s: s.error_event(status="x"), r"error_event\(status='x'\): expected an HTTP"),
        (lambda s: s.malformed_chunk(data=1), r"malformed_chunk\(data=1\): expected bytes"),
        (lambda s: s.reply(None), r"reply\(None\): expected the reply text \(a str\) or an action"),
    ],
    ids=[
        "fail-200",
        "times-0",
        "chunks",
        "after",
        "slow",
        "slow-str",
        "stall-str",
        "within-str",
        "unknown-keyword",
        "typo",
        "retry-after-ms",
        "body",
        "headers",
        "event-status",
        "data",
        "reply-none",
    ],
)
def test_bad_scripting_is_a_script_error(call: Any, message: str) -> None:
    """The kit's own error naming the argument; never a TypeError from deep inside."""
    with pytest.raises(ScriptError, match=message):
        call(FakeServer())


def test_a_str_malformed_chunk_is_sent_as_bytes(server: FakeServer) -> None:
    server.reply("hello there, world").malformed_chunk(after=1, data="{not json")
    response = ask(server, stream=True)
    assert b"data: {not json\n\n" in response.content


def test_32_threads_lose_and_duplicate_nothing(server: FakeServer) -> None:
    threads, per_thread = 32, 50
    total = threads * per_thread
    for i in range(total):
        server.reply(f"r{i}")
    seen: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with httpx.Client(timeout=30) as client:
                for _ in range(per_thread):
                    r = client.post(f"{server.base_url}/chat/completions", json=BODY)
                    with lock:
                        seen.append(content(r))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert sorted(seen) == sorted(f"r{i}" for i in range(total))
    assert len(server.calls) == total
    # recorded in the order the replies were taken: call #n was answered by reply #n
    used = [int(c.answered_by.split()[0][1:]) for c in server.calls]
    assert used == list(range(1, total + 1))
    assert [c.index for c in server.calls] == used


def test_when_predicate_sees_the_request_body(server: FakeServer) -> None:
    def wants_three_tokens(body: Any) -> bool:
        return bool(body.get("max_tokens") == 3)

    server.reply("short", when=wants_three_tokens)
    server.reply("long")
    assert content(ask(server)) == "long"
    assert content(ask(server, max_tokens=3)) == "short"


def test_a_raising_when_predicate_is_the_tests_bug_not_a_transport_fault(
    server: FakeServer,
) -> None:
    """Answered as unexpected (422, never retried) and reported naming the entry, on both
    transports; not an exception inside the client, not a dropped connection."""

    def sixth_message_says_x(body: dict[str, Any]) -> bool:
        return bool(body["messages"][5]["content"] == "x")

    server.reply("ok", when=sixth_message_says_x).reply("fallback")
    response = ask(server)
    assert (response.status_code, response.headers["x-should-retry"]) == (422, "false")
    problems = "\n".join(server.problems())
    assert (
        "request 1: #1 reply('ok') when sixth_message_says_x(): the when= predicate raised "
        "IndexError: list index out of range (it gets the request body, a dict; fix the "
        "predicate)"
    ) in problems
    assert "a bug in pytest-autoglm" not in problems
    server._core.unexpected.clear()
    server._script.clear()


def test_a_fault_that_shapes_replies_is_not_a_reply(server: FakeServer) -> None:
    server.cut_stream(after=2)
    assert ask(server, stream=True).status_code == 422
    assert (
        "request 1: no reply is scripted (#1 cut_stream(after=2) only changes how a reply is "
        "delivered); script one with server.reply(...) before the request"
    ) in "\n".join(server.problems())
    server._core.unexpected.clear()
    server._script.clear()


MAIN_PY_PREFLIGHT = """
import openai, os, pytest
from phone_agent.model.client import ModelClient, ModelConfig
from pytest_autoglm.protocol import Finish, Launch

def preflight():  # Open-AutoGLM main.py's check_model_api, as it calls the SDK
    client = openai.OpenAI(base_url=os.environ["PHONE_AGENT_BASE_URL"], api_key="EMPTY",
                           timeout=30.0, max_retries=0)
    return client.chat.completions.create(model="autoglm-phone-9b", max_tokens=5,
        messages=[{"role": "user", "content": "Hi"}], temperature=0.0, stream=False)

def agent_step(text):  # phone_agent always streams
    client = ModelClient(ModelConfig(base_url=os.environ["PHONE_AGENT_BASE_URL"]))
    return client.request([{"role": "user", "content": text}]).action
"""


def test_episode_answers_streamed_requests_and_the_preflight_is_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        MAIN_PY_PREFLIGHT
        + """
def test_unscripted_preflight_does_not_eat_step_1(autoglm_server):
    autoglm_server.episode([Launch("微信"), Finish("ok")])
    with pytest.raises(openai.APIStatusError):
        preflight()
    assert 'app="微信"' in agent_step("打开微信")
    assert 'finish' in agent_step("next")

def test_preflight_one_line(autoglm_server):
    autoglm_server.preflight().episode([Launch("微信"), Finish("ok")])
    assert preflight().choices[0].message.content == "Hello"
    assert 'app="微信"' in agent_step("打开微信")
    assert 'finish' in agent_step("next")
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_unscripted_preflight_does_not_eat_step_1*",
        "*1 unexpected request(s):*",
        "*stream: scripted True, request has False (this is Open-AutoGLM main.py's pre-flight "
        "check; answer it with autoglm_server.preflight())*",
    ])  # fmt: skip


def test_an_episode_step_taken_by_another_kind_of_request_is_reported() -> None:
    from pytest_autoglm.protocol import Finish, Launch

    with FakeServer(export_env=False) as server:
        server.episode([Launch("微信"), Launch("设置"), Finish("ok")], stream=None)
        ask(server, "Hi")  # non-streamed: takes step 1
        for text in ("a", "b"):
            ask(server, text, stream=True)
    problems = "\n".join(server.problems())
    assert "episode step #1 reply(" in problems
    assert (
        "taken by a non-streamed request ('Hi') while the other steps went to streamed" in problems
    )
    assert "#2" not in problems
    with pytest.raises(UnexpectedRequestsError):
        server.verify()
