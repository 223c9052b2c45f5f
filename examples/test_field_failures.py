"""Example: three failures Open-AutoGLM users meet on real phones, caught offline.

Each passes on phone_agent as it is: phone_agent never checks the exit code of a tap or
of ``ime set``, so on a real phone these runs "succeed" while nothing happens. The fake
phone refuses the way the real one does, and the records and transcript show it.
"""

from __future__ import annotations

import pytest

from pytest_autoglm.phone import AgentRunner, FakePhone
from pytest_autoglm.protocol import Finish, Launch, Tap, Type
from pytest_autoglm.server import FakeServer

pytest.importorskip("phone_agent")


@pytest.fixture
def settings(autoglm_phone: FakePhone) -> FakePhone:
    autoglm_phone.screen("settings", package="com.android.settings", activity=".Settings")
    autoglm_phone.on_tap((0, 100, 999, 200), goto="search")
    autoglm_phone.screen("search", package="com.android.settings", activity=".SearchActivity")
    return autoglm_phone


def test_taps_refused_by_miui(
    autoglm_server: FakeServer, settings: FakePhone, autoglm_agent: AgentRunner
) -> None:
    """Xiaomi without "USB debugging (Security settings)": every tap is a SecurityException."""
    settings.fault.inject_events()
    autoglm_server.episode([Launch("Settings"), Tap((500, 150)), Finish("搜索已打开")])

    transcript = autoglm_agent.run("打开设置搜索")

    assert transcript.stopped == "finished"  # phone_agent believes it worked
    assert [tap.delivered for tap in settings.taps] == [False]  # the phone refused
    assert settings.current.name == "settings"  # and the screen never moved
    assert "INJECT_EVENTS" in transcript.steps[1].commands[-1].stderr


def test_adb_keyboard_missing(
    autoglm_server: FakeServer, settings: FakePhone, autoglm_agent: AgentRunner
) -> None:
    """ADB Keyboard not installed: ``ime set`` fails, the broadcasts type nothing."""
    settings.fault.no_adb_keyboard()
    autoglm_server.episode([Launch("Settings"), Type("蓝牙"), Finish("已输入")])

    transcript = autoglm_agent.run("搜索蓝牙")

    assert transcript.stopped == "finished"
    assert settings.typed == []  # nothing reached the text field
    settings.assert_ime_restored()  # the keyboard was never switched, so nothing to restore


def test_a_loop_until_max_steps(
    autoglm_server: FakeServer, settings: FakePhone, autoglm_agent: AgentRunner
) -> None:
    """The model taps where nothing is (inaccurate coordinates) and never notices."""
    settings.goto("settings")
    autoglm_server.reply(Tap((500, 900)), thinking="点击搜索框", reusable=True)

    transcript = autoglm_agent.run("打开搜索", max_steps=6)

    assert transcript.stopped == "max_steps"
    with pytest.raises(AssertionError, match="the agent looped"):
        transcript.assert_no_loop(k=3)
