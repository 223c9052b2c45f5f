"""Fixtures for the example suite: a fake phone and the sample agent pointed at the fake server.

The ``autoglm_server`` fixture comes from pytest-autoglm (loaded by its entry point); it
exports ``PHONE_AGENT_BASE_URL``/``_MODEL``/``_API_KEY``, which the sample agent reads.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sample_integration.agent import Agent, RetryPolicy
from sample_integration.phone import InMemoryPhone

from pytest_autoglm.phone import FakePhone
from pytest_autoglm.server import FakeServer

#: the agent's real policy is 1 s, doubling, 3 retries; the examples run it 20x faster
#: (tests read it back as ``agent.retry``: importing from ``conftest`` breaks as soon as
#: another directory's conftest is collected first, e.g. ``pytest examples tests``)
FAST_RETRY = RetryPolicy(initial=0.05, factor=2.0, max_retries=3)


@pytest.fixture
def phone() -> InMemoryPhone:
    """The agent's phone. It keeps every action and the foreground app, so a test that
    asserts on them makes its own in the body (``agent.phone = phone = InMemoryPhone()``):
    under ``--autoglm-leak-check`` the body runs many times with the same fixture values,
    and each run must start from a phone on the home screen with no actions."""
    return InMemoryPhone()


@pytest.fixture
def agent(autoglm_server: FakeServer, phone: InMemoryPhone) -> Iterator[Agent]:
    """The sample agent, configured only through the PHONE_AGENT_* variables the server set."""
    made = Agent(phone=phone, retry=FAST_RETRY, timeout=2.0)
    yield made
    made.close()


@pytest.fixture
def wechat(autoglm_phone: FakePhone) -> FakePhone:
    """WeChat installed; its search button (top right) opens the search page."""
    autoglm_phone.screen("wechat", package="com.tencent.mm", activity=".ui.LauncherUI")
    autoglm_phone.on_tap((850, 30, 999, 90), goto="search")
    autoglm_phone.screen("search", package="com.tencent.mm", activity=".plugin.fts.ui.FTSMainUI")
    return autoglm_phone
