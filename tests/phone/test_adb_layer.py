"""phone_agent 0.1.1's own adb layer, unmodified, against the fake ``adb`` on PATH."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import textwrap

import pytest

from pytest_autoglm.phone import FakePhone

adb = pytest.importorskip("phone_agent.adb")


def test_current_app_follows_launch_and_taps(wechat: FakePhone) -> None:
    assert adb.get_current_app() == "System Home"
    assert adb.launch_app("微信") is True
    assert adb.get_current_app() == "微信"
    assert wechat.current.name == "wechat"
    adb.tap(993, 144)  # (919, 60) in 0-999: on the search button
    assert wechat.current.name == "search"
    assert wechat.launched == ["com.tencent.mm"]
    wechat.assert_tapped((919, 60))
    assert [c.line for c in wechat.commands][:2] == ["adb shell dumpsys window",
        "adb shell monkey -p com.tencent.mm -c android.intent.category.LAUNCHER 1"]  # fmt: skip


def test_screenshot_is_the_screen_png(wechat: FakePhone) -> None:
    wechat.goto("wechat")
    shot = adb.get_screenshot()
    assert (shot.width, shot.height, shot.is_sensitive) == (1080, 2400, False)
    from PIL import Image

    pixels = Image.open(io.BytesIO(base64.b64decode(shot.base64_data))).convert("RGB")
    from pytest_autoglm.phone._screens import name_colour

    assert pixels.getpixel((540, 1200)) == name_colour("wechat")
    assert [c.line.split()[:3] for c in wechat.commands] == [
        ["adb", "shell", "screencap"], ["adb", "pull", "/sdcard/tmp.png"]]  # fmt: skip


def test_type_text_sequence_types_and_restores_the_keyboard(autoglm_phone: FakePhone) -> None:
    from phone_agent.actions.handler import ActionHandler

    result = ActionHandler().execute(
        {"_metadata": "do", "action": "Type", "text": "你好 coffee"}, 1080, 2400
    )
    assert result.success
    assert [t.text for t in autoglm_phone.typed] == ["你好 coffee"]
    autoglm_phone.assert_ime_restored()
    assert autoglm_phone.ime.history[1] == "com.android.adbkeyboard/.AdbIME"


def test_device_checks_of_the_connection_layer(autoglm_phone: FakePhone) -> None:
    from phone_agent.adb import ADBConnection

    connection = ADBConnection()
    devices = connection.list_devices()
    assert [(d.device_id, d.status, d.model) for d in devices] == [
        ("emulator-5554", "device", "sdk_gphone64_x86_64")]  # fmt: skip
    ok, message = connection.connect("10.0.2.20")
    assert ok, message
    assert connection.get_device_ip("emulator-5554") == "10.0.2.16"
    assert connection.get_device_ip() is None  # two phones now: adb: more than one device
    assert autoglm_phone.commands[-1].stderr == "adb: more than one device/emulator\n"
    assert subprocess.run(["adb", "version"], check=True, capture_output=True, text=True).stdout.startswith(
        "Android Debug Bridge version 1.0.41\n")  # fmt: skip


def test_another_process_drives_the_same_phone(autoglm_phone: FakePhone) -> None:
    code = textwrap.dedent("""
        from phone_agent.adb import tap, back, launch_app
        launch_app("Chrome")
        tap(108, 240)
        back()
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert autoglm_phone.launched == ["com.android.chrome"]
    assert [t.point for t in autoglm_phone.taps] == [(100, 100)]
    assert [k.key for k in autoglm_phone.keys] == ["KEYCODE_BACK"]
    assert autoglm_phone.current.name == "home"  # back returned from Chrome


def test_path_is_restored_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os, shutil
        seen = []
        def test_a(autoglm_phone):
            seen.append(os.environ["PATH"])
            assert shutil.which("adb") == str(autoglm_phone.bin_dir / "adb")
        def test_b():
            assert str(seen[0]).split(os.pathsep)[0] not in os.environ["PATH"].split(os.pathsep)
    """)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_unknown_command_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import subprocess
        def test_it(autoglm_phone):
            done = subprocess.run(["adb", "shell", "input", "tapp", "1", "2"], capture_output=True, text=True)
            assert done.returncode == 255
    """)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*the fake phone got 1 command(s) it does not know:*",
        "*adb shell input tapp 1 2   (nearest known: adb shell input tap X Y)*",
    ])  # fmt: skip


def test_summary_adds_up_the_xdist_workers(pytester: pytest.Pytester) -> None:
    """The controller's summary line counts every worker's commands, as the fake server's does."""
    pytester.makepyfile("""
        import subprocess, pytest

        @pytest.mark.parametrize("n", range(4))
        def test_taps(n, autoglm_phone):
            for _ in range(n + 1):
                subprocess.run(["adb", "shell", "input", "tap", "1", "2"], check=True)

        @pytest.mark.autoglm_phone(strict=False)
        def test_unknown(autoglm_phone):
            subprocess.run(["adb", "shell", "input", "tapp", "1", "2"], capture_output=True)
    """)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["fake phone: 11 command(s) in 5 test(s), 1 unknown"])
