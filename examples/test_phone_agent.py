"""Example: Open-AutoGLM's own, unmodified ``PhoneAgent`` against the fake server and phone.

Needs the ``phone_agent`` package (``pip install phone-agent``; on Python 3.11 add
``--ignore-requires-python``, its code runs there). Nothing is patched: phone_agent runs
``adb`` through ``subprocess`` and finds the kit's fake ``adb`` first on ``PATH``
(``autoglm_phone``); it reaches the model through ``openai.OpenAI`` at the fake server,
streaming, with its own marker-buffering printer and reply parser.
"""

from __future__ import annotations

import pytest

from pytest_autoglm.phone import AgentRunner, FakePhone
from pytest_autoglm.protocol import Finish, Launch, Tap
from pytest_autoglm.server import FakeServer

phone_agent = pytest.importorskip("phone_agent")


def test_phone_agent_runs_an_episode(
    autoglm_server: FakeServer, wechat: FakePhone, autoglm_agent: AgentRunner
) -> None:
    autoglm_server.episode([
        ("打开微信", Launch("微信")),
        ("点击搜索", Tap((920, 60))),
        ("完成", Finish("已打开搜索")),
    ])  # fmt: skip

    transcript = autoglm_agent.run("打开微信搜索", max_steps=5)

    assert (transcript.result, transcript.stopped) == ("已打开搜索", "finished")
    assert [step.screen for step in transcript.steps] == ["home", "wechat", "search"]
    assert wechat.launched == ["com.tencent.mm"]
    wechat.assert_tapped((850, 30, 999, 90), screen="wechat")  # 920/1000*1080 = pixel 993
    first = transcript.steps[0].request
    assert (first["model"], first["max_tokens"], first["top_p"], first["stream"]) == (
        "autoglm-phone-9b", 3000, 0.85, True)  # fmt: skip
    assert first["messages"][1]["content"][1]["text"].endswith('{"current_app": "System Home"}')


def test_phone_agent_reports_a_model_error(
    autoglm_server: FakeServer, autoglm_phone: FakePhone, autoglm_agent: AgentRunner
) -> None:
    autoglm_server.fail(503, times=3, retry_after_ms=5)  # the SDK retries twice, then gives up
    transcript = autoglm_agent.run("task")
    assert transcript.stopped == "model_error"
    assert str(transcript.result).startswith("Model error: ")
    autoglm_server.calls.assert_called(times=3)
    assert autoglm_phone.taps == []  # nothing was done on the phone
