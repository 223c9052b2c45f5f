"""Example: a recorded session replayed offline, and the same test run live.

``cassettes/agent_opens_wechat.jsonl`` was recorded from a live server with
``pytest examples/test_cassette.py --autoglm-base-url URL --autoglm-record-mode once``.
Offline (the default) the fake server answers from it, byte for byte and event for event;
with ``--autoglm-base-url URL`` the same test talks to the live server instead.
"""

from __future__ import annotations

import pytest
from sample_integration.agent import Agent
from sample_integration.phone import InMemoryPhone

from pytest_autoglm.server import FakeServer


@pytest.mark.autoglm_cassette("agent_opens_wechat", timing=0)
def test_agent_opens_wechat(autoglm_server: FakeServer, agent: Agent) -> None:
    agent.phone = phone = InMemoryPhone()  # on the home screen, as when it was recorded
    assert agent.run("打开微信") == "已打开"
    assert phone.actions == [("Launch", {"app": "微信"})]
    assert all(call.stream for call in autoglm_server.calls)


@pytest.mark.autoglm_cassette("agent_opens_wechat", timing=0)
def test_a_fault_on_top_of_a_recording(autoglm_server: FakeServer, agent: Agent) -> None:
    agent.phone = InMemoryPhone()
    autoglm_server.fail(503, retry_after=0)  # scripted faults come before the cassette
    assert agent.run("打开微信") == "已打开"
    assert [call.status for call in autoglm_server.calls] == [503, 200, 200]
