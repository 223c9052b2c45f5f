"""Example: a whole phone_agent episode replayed from a cassette, model and phone together.

``cassettes/phone_agent_wechat_search.jsonl`` holds the model's streamed replies and, in
between, every ``adb`` command Open-AutoGLM's unmodified ``PhoneAgent`` ran on the fake
phone (arguments, exit code, output), in the order they came. Replay answers the model
from the cassette and checks the commands in order: if the agent starts sending other
commands (another device id, other tap coordinates), the test fails naming the nearest
recorded command and what differs. It was recorded with
``pytest examples/test_cassette_phone_agent.py --autoglm-base-url URL --autoglm-record-mode once``.
"""

from __future__ import annotations

import pytest

from pytest_autoglm.phone import AgentRunner, FakePhone

pytest.importorskip("phone_agent")


@pytest.mark.autoglm_cassette("phone_agent_wechat_search", timing=0)
def test_phone_agent_episode_from_a_cassette(wechat: FakePhone, autoglm_agent: AgentRunner) -> None:
    transcript = autoglm_agent.run("打开微信搜索", max_steps=5, lang="en")

    assert (transcript.result, transcript.stopped) == ("Search is open", "finished")
    assert [step.screen for step in transcript.steps] == ["home", "wechat", "search"]
    assert wechat.launched == ["com.tencent.mm"]
    wechat.assert_tapped((850, 30, 999, 90), screen="wechat")
