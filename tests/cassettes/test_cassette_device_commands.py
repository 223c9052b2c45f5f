"""Device commands in cassettes: a whole phone_agent episode recorded and replayed, in order."""

from __future__ import annotations

import json

import pytest

from pytest_autoglm.cassettes._commands import CommandCheck, DeviceCommand, normalise_argv
from pytest_autoglm.protocol import Finish, Launch, Tap
from pytest_autoglm.server import FakeServer

pytest.importorskip("phone_agent")

EPISODE = """
import os
import pytest


@pytest.fixture
def wechat(autoglm_phone):
    autoglm_phone.screen("wechat", package="com.tencent.mm", activity=".ui.LauncherUI")
    autoglm_phone.on_tap((850, 30, 999, 90), goto="search")
    autoglm_phone.screen("search", package="com.tencent.mm", activity=".plugin.fts.ui.FTSMainUI")
    autoglm_phone.add_device("emulator-5556")
    return autoglm_phone


@pytest.mark.autoglm_server(transport=os.environ.get("TRANSPORT", "respx"))
@pytest.mark.autoglm_cassette("agent", timing=0)
def test_agent(wechat, autoglm_agent):  # an unmodified PhoneAgent, on the fake phone
    transcript = autoglm_agent.run("打开微信搜索", max_steps=5,
                                   device_id=os.environ.get("DEVICE", "emulator-5554"))
    assert (transcript.result, transcript.stopped) == ("已打开搜索", "finished")
    assert wechat.launched == ["com.tencent.mm"]
    print("COMMANDS", len(wechat.commands))
"""


def _script(live: FakeServer) -> None:
    live.reply(Launch("微信"), thinking="WeChat first.", stream=True)
    live.reply(Tap((920, 60)), thinking="The search button.", stream=True)
    live.reply(Finish("已打开搜索"), thinking="Done.", stream=True)


def test_an_agent_episode_is_recorded_with_its_device_commands_and_replayed_in_order(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, live: FakeServer
) -> None:
    pytester.makepyfile(test_episode=EPISODE)
    _script(live)
    recorded = pytester.runpytest("--autoglm-base-url", live.base_url,
                                  "--autoglm-record-mode", "once", "-s")  # fmt: skip
    recorded.assert_outcomes(passed=1)
    assert len(live.calls) == 3
    lines = [
        json.loads(line)
        for line in (pytester.path / "cassettes" / "agent.jsonl").read_text().splitlines()
    ]
    assert lines[0]["device_commands"] is True
    order = [
        ("request", line["json"]["messages"][-1]["content"][-1]["text"][:6])
        if "request" in line
        else ("command", " ".join(line["argv"]))
        for line in lines
        if "request" in line or "command" in line
    ]
    shown = "\n".join(f"{kind} {what}" for kind, what in order)
    # each step: screenshot, pull, current app, then the model, then the action
    assert [kind for kind, _ in order[:4]] == ["command"] * 3 + ["request"], shown
    on = "-s emulator-5554 shell"
    launch = order.index(
        ("command", f"{on} monkey -p com.tencent.mm -c android.intent.category.LAUNCHER 1")
    )
    tap = order.index(("command", f"{on} input tap 993 144"))  # 920/1000*1080, 60/1000*2400
    requests = [i for i, (kind, _) in enumerate(order) if kind == "request"]
    assert requests[0] < launch < requests[1] < tap < requests[2], shown
    pulls = [what for kind, what in order if " pull " in what]
    assert pulls[0] == "-s emulator-5554 pull /sdcard/tmp.png <tmp>/screenshot_<uuid>.png"
    dumpsys = next(
        line for line in lines if line.get("argv", [])[2:] == ["shell", "dumpsys", "window"]
    )
    assert "mCurrentFocus" in dumpsys["stdout"]
    assert dumpsys["exit"] == 0

    replayed = pytester.runpytest("-s")  # offline: the model from the cassette, commands checked
    replayed.assert_outcomes(passed=1)
    count = sum(1 for kind, _ in order if kind == "command")
    replayed.stdout.fnmatch_lines([
        f"*COMMANDS {count}",
        f"cassettes: 3 request(s) replayed, {count} device command(s) checked or recorded",
    ])  # fmt: skip
    monkeypatch.setenv("TRANSPORT", "http")  # the same cassette on the loopback transport
    pytester.runpytest().assert_outcomes(passed=1)
    monkeypatch.delenv("TRANSPORT")
    assert len(live.calls) == 3  # the live server was not asked again

    monkeypatch.setenv("DEVICE", "emulator-5556")  # the agent now talks to another phone
    differs = pytester.runpytest()
    assert differs.ret == pytest.ExitCode.TESTS_FAILED
    differs.stdout.fnmatch_lines([
        "*CassetteError: * device command(s) differ from cassette *agent.jsonl:",
        "*device command adb -s emulator-5556 shell screencap -p /sdcard/tmp.png is not the next "
        "one in cassette agent.jsonl; the nearest recorded is #1 adb -s emulator-5554 shell "
        "screencap -p /sdcard/tmp.png, which differs in:",
        "*argv?1?: recorded 'emulator-5554', command has 'emulator-5556'",
    ])  # fmt: skip


def _cmd(*argv: str) -> DeviceCommand:
    return DeviceCommand("adb", argv)


def test_commands_are_checked_in_order_an_extra_one_misses_once_a_skipped_one_is_unused() -> None:
    check = CommandCheck([_cmd("shell", "input", "tap", "1", "2"), _cmd("shell", "input",
                          "keyevent", "4"), _cmd("shell", "input", "tap", "5", "6")], "cassette c")  # fmt: skip
    assert check.check("adb", ("shell", "input", "tap", "1", "2")) is None
    miss = check.check("adb", ("shell", "input", "tap", "9", "2"))  # an extra, changed tap
    assert miss is not None
    assert miss.splitlines()[1:] == ["    argv[3:5]: recorded '5 6', command has '9 2'"]
    assert "the nearest recorded is #3 adb shell input tap 5 6" in miss  # the next tap, not #1
    assert check.check("adb", ("shell", "input", "tap", "5", "6")) is None  # the Back was skipped
    assert check.unused() == ["#2 adb shell input keyevent 4"]
    assert check.check("adb", ("shell", "input", "tap", "5", "6")) is not None  # all were run
    assert check.checked == 2


def test_run_specific_names_are_normalised() -> None:
    import tempfile

    tmp = tempfile.gettempdir()
    assert normalise_argv([
        "pull", "/sdcard/tmp.png", f"{tmp}/screenshot_0f8c2a4e-8e1b-4c41-9d7f-5d2f6b0c1a2b.png",
    ]) == ("pull", "/sdcard/tmp.png", "<tmp>/screenshot_<uuid>.png")  # fmt: skip
    assert normalise_argv([f"{tmp}/pytest-of-root/pytest-12/test_x0/a.png"]) == (
        "<tmp>/<pytest-tmp>/test_x0/a.png",
    )
