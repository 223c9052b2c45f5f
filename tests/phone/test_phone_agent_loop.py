"""The whole loop: phone_agent's unmodified PhoneAgent against the fake server and phone."""

from __future__ import annotations

import pytest

from pytest_autoglm.phone import AgentRunner, FakePhone
from pytest_autoglm.protocol import Back, Finish, Launch, TakeOver, Tap, Type
from pytest_autoglm.server import FakeServer

pytest.importorskip("phone_agent")


def test_an_episode_is_transcribed_step_by_step(
    autoglm_server: FakeServer, wechat: FakePhone, autoglm_agent: AgentRunner
) -> None:
    autoglm_server.episode([
        ("打开微信", Launch("微信")),
        ("点搜索", Tap((900, 60))),
        ("输入", Type("咖啡")),
        ("完成", Finish("搜索了咖啡")),
    ])  # fmt: skip
    transcript = autoglm_agent.run("在微信搜索咖啡")
    assert (transcript.result, transcript.stopped) == ("搜索了咖啡", "finished")
    assert [s.screen for s in transcript.steps] == ["home", "wechat", "search", "search"]
    assert [s.action_summary() for s in transcript.steps] == [
        'Launch(app="微信")', "Tap(element=[900, 60])", 'Type(text="咖啡")', 'finish(message="搜索了咖啡")']  # fmt: skip
    assert [t.text for t in wechat.typed] == ["咖啡"]
    wechat.assert_ime_restored()
    wechat.assert_tapped((850, 30, 999, 90), screen="wechat")
    first = transcript.steps[0]
    assert first.request["messages"][1]["content"][1]["text"].startswith("在微信搜索咖啡")
    assert [c.argv[:2] for c in first.commands] == [
        ("shell", "screencap"), ("pull", "/sdcard/tmp.png"), ("shell", "dumpsys"), ("shell", "monkey")]  # fmt: skip
    transcript.assert_no_loop()
    transcript.assert_not_parse_fallback()


def test_a_loop_on_an_unchanged_screen_is_caught(
    autoglm_server: FakeServer, wechat: FakePhone, autoglm_agent: AgentRunner
) -> None:
    wechat.fault.inject_events()  # MIUI: taps refused, the screen never changes
    wechat.goto("wechat")
    autoglm_server.reply(Tap((900, 60)), thinking="点搜索", reusable=True)
    transcript = autoglm_agent.run("搜索", max_steps=4)
    assert transcript.stopped == "max_steps"
    assert all(not t.delivered for t in wechat.taps)
    with pytest.raises(
        AssertionError,
        match=r"the agent looped: Tap\(element=\[900, 60\]\) on screen 'wechat' 3 times",
    ):
        transcript.assert_no_loop(k=3)


def test_parse_fallback_is_reported(
    autoglm_server: FakeServer, wechat: FakePhone, autoglm_agent: AgentRunner
) -> None:
    autoglm_server.reply('<think>x</think><answer>do(action="Tap", element=[1, 2])</answer>')
    transcript = autoglm_agent.run("task")
    assert transcript.stopped == "parse_fallback"
    with pytest.raises(AssertionError, match="could not be parsed"):
        transcript.assert_not_parse_fallback()


def test_unplugged_phone_stops_the_run_with_a_device_error(
    autoglm_server: FakeServer, wechat: FakePhone, autoglm_agent: AgentRunner
) -> None:
    autoglm_server.reply(Back(), thinking="返回")
    wechat.fault.unplug(after=3)  # screenshot (2 commands) and dumpsys, then gone
    transcript = autoglm_agent.run("task")
    assert transcript.stopped == "device_error"
    assert str(transcript.error) == "No output from dumpsys window"
    assert wechat.commands[-1].stderr == "adb: no devices/emulators found\n"


def test_take_over_without_an_answer_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        from pytest_autoglm.protocol import TakeOver
        def test_it(autoglm_server, autoglm_agent):
            autoglm_server.reply(TakeOver("请登录"))
            autoglm_agent.run("task")
    """)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*the agent asked for input at step 1: '请登录*", "*takeover=callable*"]
    )


def test_take_over_with_an_answer_goes_on(
    autoglm_server: FakeServer, autoglm_agent: AgentRunner
) -> None:
    seen: list[str] = []
    autoglm_server.episode([TakeOver("请登录"), Finish("done")])
    transcript = autoglm_agent.run("task", takeover=seen.append)
    assert (seen, transcript.stopped) == (["请登录"], "finished")


@pytest.mark.parametrize("transport", [
    pytest.param("respx", marks=pytest.mark.autoglm_server(transport="respx")),
    pytest.param("http", marks=pytest.mark.autoglm_server(transport="http")),
])  # fmt: skip
def test_both_server_transports(
    transport: str, autoglm_server: FakeServer, wechat: FakePhone, autoglm_agent: AgentRunner
) -> None:
    autoglm_server.episode([Launch("微信"), Finish("ok")])
    transcript = autoglm_agent.run("task")
    assert (transcript.stopped, wechat.launched) == ("finished", ["com.tencent.mm"])
    assert autoglm_server.config.transport == transport
    assert transcript.steps[0].calls[0].transport == transport


def test_parallel_workers_each_get_their_own_phone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import subprocess, pytest
        from pytest_autoglm.protocol import Tap, Finish

        @pytest.mark.parametrize("n", range(4))
        def test_it(n, autoglm_phone, autoglm_server, autoglm_agent):
            autoglm_server.episode([Tap((n * 100, 500))] * 2 + [Finish("ok")])
            transcript = autoglm_agent.run("task")
            assert transcript.stopped == "finished"
            assert [t.point[0] for t in autoglm_phone.taps] == [n * 100] * 2
    """)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=4)


def test_a_failed_test_shows_the_transcript(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        from pytest_autoglm.protocol import Back, Finish
        def test_it(autoglm_server, autoglm_agent):
            autoglm_server.episode([Back(), Finish("done")])
            autoglm_agent.run("go back")
            assert False, "the check of the test itself"
    """)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*- autoglm agent transcript -*",
        "task 'go back': 2 step(s), stopped: finished, result 'done'",
        "   1. [home] Back()",
        '   2. [home] finish(message="done")',
    ])  # fmt: skip
