"""Example: test an agent step loop against the fake AutoGLM server, as a user would."""

from __future__ import annotations

import pytest
from sample_integration.agent import Agent
from sample_integration.phone import InMemoryPhone

from pytest_autoglm.protocol import Finish, Launch, Tap, Type
from pytest_autoglm.server import FakeServer


def test_runs_a_task_to_the_end(autoglm_server: FakeServer, agent: Agent) -> None:
    agent.phone = phone = InMemoryPhone()  # the body's own: see conftest.py
    autoglm_server.episode([
        ("打开微信", Launch("微信")),
        ("点搜索框", Tap((500, 120))),
        ("输入名字", Type("张三")),
        ("完成了", Finish("已发送")),
    ])  # fmt: skip

    assert agent.run("给张三发消息") == "已发送"

    assert phone.actions == [
        ("Launch", {"app": "微信"}),
        ("Tap", {"element": [500, 120]}),
        ("Type", {"text": "张三"}),
    ]
    autoglm_server.calls.assert_called(times=4)
    assert all(call.stream for call in autoglm_server.calls)


def test_each_request_carries_exactly_one_screenshot(
    autoglm_server: FakeServer, agent: Agent
) -> None:
    agent.phone = InMemoryPhone()
    autoglm_server.episode([Launch("微信"), Tap((10, 10)), Finish("ok")])
    agent.run("task")
    for call in autoglm_server.calls:
        parts = [
            p for m in call.json["messages"] if isinstance(m["content"], list) for p in m["content"]
        ]
        assert [p["type"] for p in parts].count("image_url") == 1
    second = autoglm_server.calls[1].json["messages"]
    assert second[-1]["content"][1]["text"].startswith("** Screen Info **")
    assert '"current_app": "微信"' in second[-1]["content"][1]["text"]


def test_reply_with_closing_answer_tag(autoglm_server: FakeServer, agent: Agent) -> None:
    agent.phone = phone = InMemoryPhone()
    autoglm_server.reply(Tap((500, 500)), thinking="tap", style="closed")
    autoglm_server.reply(Finish("done"))
    assert agent.run("task") == "done"
    assert phone.actions == [("Tap", {"element": [500, 500]})]


def test_unparseable_reply_stops_the_agent(autoglm_server: FakeServer, agent: Agent) -> None:
    autoglm_server.reply("<think>hmm</think>\n<answer>I am not sure what to do")
    assert agent.run("task").startswith("stopped: cannot parse action")


@pytest.mark.autoglm_server(transport="http")
def test_the_same_over_a_real_socket(autoglm_server: FakeServer, agent: Agent) -> None:
    agent.phone = phone = InMemoryPhone()
    assert autoglm_server.base_url.startswith("http://127.0.0.1:")
    autoglm_server.episode([Launch("微信"), Finish("ok")])
    assert agent.run("task") == "ok"
    assert phone.app == "微信"


def test_streams_are_split_like_a_real_model(autoglm_server: FakeServer, agent: Agent) -> None:
    autoglm_server.reply(Launch("微信"), thinking="先打开微信")
    agent.ask([{"role": "user", "content": "hi"}])
    # nothing to assert about chunks in the agent: it joined them; the fake split the
    # markers across chunks, so a buffering bug would have shown up as a wrong reply
    assert autoglm_server.calls.last.status == 200
