"""Scenarios in Python, YAML and JSON; records and their assertions; hdc; the virtual clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_autoglm.phone import FakePhone, ScenarioError

SCENARIO = """
start: home
screens:
  home:
    taps:
      - {region: [0, 0, 499, 499], goto: mail}
  mail:
    package: com.google.android.gm
    keys: {back: home}
    swipes: {up: inbox}
  inbox: {package: com.google.android.gm, activity: .ConversationListActivity}
packages: [com.example.extra]
"""
#: SCENARIO as parsed: what a JSON scenario holds (needs no PyYAML)
SCENARIO_DATA = {
    "start": "home",
    "screens": {
        "home": {"taps": [{"region": [0, 0, 499, 499], "goto": "mail"}]},
        "mail": {"package": "com.google.android.gm", "keys": {"back": "home"},
                 "swipes": {"up": "inbox"}},
        "inbox": {"package": "com.google.android.gm", "activity": ".ConversationListActivity"},
    },
    "packages": ["com.example.extra"],
}  # fmt: skip


def needs_yaml() -> None:
    """YAML scenarios need PyYAML (the kit's ``[yaml]`` extra); light venvs skip these rows."""
    pytest.importorskip(
        "yaml", reason="YAML scenarios need PyYAML: pip install 'pytest-autoglm[yaml]'"
    )


def adb(*argv: str) -> str:
    return subprocess.run(["adb", *argv], capture_output=True, text=True, check=False).stdout


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_scenario_file_drives_the_screens(
    autoglm_phone: FakePhone, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"phone{suffix}"
    if suffix == ".yaml":
        needs_yaml()
        import yaml

        assert yaml.safe_load(SCENARIO) == SCENARIO_DATA
    path.write_text(SCENARIO if suffix == ".yaml" else json.dumps(SCENARIO_DATA), encoding="utf-8")
    autoglm_phone.load(path)
    adb("shell", "input", "tap", "100", "100")
    assert autoglm_phone.current.name == "mail"
    adb("shell", "input", "swipe", "540", "2000", "540", "500", "1200")
    assert "com.google.android.gm/.ConversationListActivity" in adb("shell", "dumpsys", "window")
    assert [s.direction for s in autoglm_phone.swipes] == ["up"]
    assert "package:com.example.extra" in adb("shell", "pm", "list", "packages")


@pytest.mark.parametrize(("text", "message"), [
    ("screens: {a: {taps: [{goto: b}]}}", "each tap needs a 'region'"),
    ("screens: {a: {pakage: x}}", "unknown key 'pakage'; did you mean 'package'?"),
    ("screens: {a: {taps: [{region: [0, 0, 9, 9], goto: nowhere}]}}", "no screen named 'nowhere'"),
    ("screens: {a: {taps: [{region: [9, 9, 0, 0], goto: a}]}}", "left <= right"),
    ("screens: [1, 2]", "'screens' must map screen names"),
    ("screens: {a: {swipes: {sideways: a}}}", "swipe direction 'sideways'"),
])  # fmt: skip
def test_bad_scenarios_name_the_culprit(tmp_path: Path, text: str, message: str) -> None:
    needs_yaml()
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace("[", r"\[")):
        FakePhone().load(path)


def test_yaml_without_pyyaml_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as in a venv without PyYAML
    path = tmp_path / "phone.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"YAML needs PyYAML: pip install 'pytest-autoglm\[yaml\]'"
    ):
        FakePhone().load(path)


def test_marker_loads_a_scenario_next_to_the_test(pytester: pytest.Pytester) -> None:
    needs_yaml()
    pytester.makefile(".yaml", phone=SCENARIO)
    pytester.makepyfile(
        test_good="""
        import pytest, subprocess
        @pytest.mark.autoglm_phone(scenario="phone.yaml", size=(720, 1600), serial="R58M123")
        def test_it(autoglm_phone):
            subprocess.run(["adb", "-s", "R58M123", "shell", "input", "tap", "10", "10"], check=True)
            assert autoglm_phone.current.name == "mail"
            assert autoglm_phone.size == (720, 1600)
    """,
        test_bad="""
        import pytest
        @pytest.mark.autoglm_phone(size=(0, 1))
        def test_bad(autoglm_phone):
            pass
    """,
    )
    result = pytester.runpytest("-p", "no:randomly", "--continue-on-collection-errors")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*size=(0, 1): expected (width, height) in pixels*"])


def test_tap_callables_and_assert_tapped_diff(autoglm_phone: FakePhone) -> None:
    autoglm_phone.screen("list", package="com.android.settings", current=True)
    autoglm_phone.on_tap(
        (0, 0, 999, 100), goto=lambda phone: "home" if len(phone.taps) > 1 else None
    )
    adb("shell", "input", "tap", "540", "100")
    assert autoglm_phone.current.name == "list"
    adb("shell", "input", "tap", "540", "100")
    assert autoglm_phone.current.name == "home"
    with pytest.raises(AssertionError) as failure:
        autoglm_phone.assert_tapped((900, 900, 999, 999))
    assert str(failure.value) == (
        "no tap in region (900, 900, 999, 999) (0-999 coordinates); 2 tap(s) seen:\n"
        "    (500, 41) on 'list'\n    (500, 41) on 'list'"
    )


def test_ime_not_restored_is_reported(autoglm_phone: FakePhone) -> None:
    adb("shell", "ime", "set", "com.android.adbkeyboard/.AdbIME")
    with pytest.raises(AssertionError, match=r"input method not restored: started as 'com\.google"):
        autoglm_phone.assert_ime_restored()


def test_hdc_runs_phone_agents_harmonyos_layer(autoglm_phone: FakePhone) -> None:
    hdc = pytest.importorskip("phone_agent.hdc")
    autoglm_phone.screen("wechat", package="com.tencent.wechat")  # HarmonyOS bundle name
    assert subprocess.run(["hdc", "list", "targets"], capture_output=True, text=True, check=False).stdout == (
        "emulator-5554\n")  # fmt: skip
    hdc.launch_app("微信")
    assert hdc.get_current_app() == "微信"
    hdc.tap(100, 200)
    hdc.type_text("你好")
    shot = hdc.get_screenshot()
    assert (shot.width, shot.height, shot.is_sensitive) == (1080, 2400, False)
    assert autoglm_phone.launched == ["com.tencent.wechat"]
    assert [t.pixels for t in autoglm_phone.taps] == [(100, 200)]
    assert [t.text for t in autoglm_phone.typed] == ["你好"]


def test_times_follow_the_virtual_clock(autoglm_clock: object, autoglm_phone: FakePhone) -> None:
    pytest.importorskip("phone_agent")
    from phone_agent.adb import back, tap

    tap(1, 1)  # phone_agent sleeps its real 1 s delay: on the virtual clock, at once
    back()
    first, second = autoglm_phone.commands
    assert second.time - first.time >= 1.0
    assert 1.0 in autoglm_clock.slept  # type: ignore[attr-defined]


def test_a_goto_naming_no_screen_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import subprocess
        def test_it(autoglm_phone):
            autoglm_phone.screen("a", current=True).on_tap((0, 0, 999, 999), goto=lambda phone: "nowhere")
            done = subprocess.run(["adb", "shell", "input", "tap", "1", "1"], capture_output=True, text=True)
            assert done.returncode == 1
    """)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*the fake phone failed to answer:*",
            "*adb shell input tap 1 1: no screen named 'nowhere'*",
        ]
    )


def test_leak_check_rounds_find_the_phone_as_round_one_did(pytester: pytest.Pytester) -> None:
    """Each round of --autoglm-leak-check starts from round 1's phone, clock and runner."""
    pytester.makepyfile("""
        import subprocess, time

        def test_it(autoglm_phone, autoglm_clock):
            assert autoglm_phone.current.name == "home"  # not where the last round left it
            autoglm_phone.screen("list", package="com.android.settings")  # no "already defined"
            autoglm_phone.fault.inject_events(times=1)
            for _ in range(2):
                subprocess.run(["adb", "shell", "input", "tap", "1", "2"], capture_output=True)
            assert [t.delivered for t in autoglm_phone.taps] == [False, True]
            autoglm_phone.goto("list")
            assert len(autoglm_phone.commands) == 2
            time.sleep(3)
            assert autoglm_clock.slept == [3.0]
    """)
    result = pytester.runpytest("--autoglm-leak-check", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*leak check: 1 checked, 0 leaked*"])
