"""Leak checks over tests that use the fake server: each round finds the server as round 1 did."""

from __future__ import annotations

import pytest

SUITE = """
import httpx
import openai
import pytest
from server_helpers import step_messages

PROMPT = "你是一个智能体分析专家，可以根据操作历史和当前状态图执行一系列操作来完成任务。" * 40


@pytest.fixture
def client(autoglm_server):
    autoglm_server.reply('do(action="Back")', reusable=True)
    with openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY") as c:
        yield c


def test_sdk_client_with_screenshots(autoglm_server, client):
    messages = [{"role": "system", "content": PROMPT}, *step_messages()[1:]]
    reply = client.chat.completions.create(model="autoglm-phone-9b", messages=messages)
    assert reply.choices[0].message.content == 'do(action="Back")'
    autoglm_server.calls.assert_called(times=1)  # this round's call only


def test_scripted_in_the_body(autoglm_server):
    autoglm_server.reply("one")
    autoglm_server.fail(503)
    url = autoglm_server.base_url + "/chat/completions"
    body = {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(url, json=body).json()["choices"][0]["message"]["content"] == "one"
    assert httpx.post(url, json=body).status_code == 503
    assert [c.index for c in autoglm_server.calls] == [1, 2]
"""


@pytest.mark.parametrize("transport", ["respx", "http"])
def test_leak_check_over_the_fake_server_gives_no_false_alarm(
    pytester: pytest.Pytester, transport: str
) -> None:
    """Before: the records of every round stayed, ~5 KiB/round, and the check blamed httpx."""
    from pathlib import Path

    helpers = Path(__file__).with_name("server_helpers.py")
    pytester.makepyfile(server_helpers=helpers.read_text(encoding="utf-8"))
    pytester.makeini(f"[pytest]\nautoglm_server_transport = {transport}\n")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--autoglm-leak-check", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["leak check: 2 checked, 0 leaked"])
