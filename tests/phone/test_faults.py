"""Each device fault, seen through phone_agent's own adb layer or a plain subprocess."""

from __future__ import annotations

import subprocess

import pytest

from pytest_autoglm.phone import FakePhone, PhoneError
from pytest_autoglm.server._clock import VirtualClock

adb = pytest.importorskip("phone_agent.adb")


def run(*argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["adb", *argv], capture_output=True, check=False, timeout=30)


def test_inject_events_refuses_taps_silently_for_phone_agent(autoglm_phone: FakePhone) -> None:
    autoglm_phone.fault.inject_events(times=1)
    adb.tap(540, 1200)  # phone_agent never checks the exit code
    adb.tap(540, 1200)
    refused, delivered = autoglm_phone.taps
    assert (refused.delivered, delivered.delivered) == (False, True)
    command = autoglm_phone.commands[0]
    assert command.code == 255
    assert command.stderr.startswith(
        "Exception occurred while executing 'tap':\njava.lang.SecurityException: "
    )
    assert "INJECT_EVENTS permission" in command.stderr


def test_secure_settings_leaves_the_text_untyped(autoglm_phone: FakePhone) -> None:
    from phone_agent.actions.handler import ActionHandler

    autoglm_phone.fault.secure_settings()
    result = ActionHandler().execute(
        {"_metadata": "do", "action": "Type", "text": "hi"}, 1080, 2400
    )
    assert result.success  # phone_agent reports success...
    assert autoglm_phone.typed == []  # ...but ADB Keyboard never became the input method
    assert "WRITE_SECURE_SETTINGS" in next(c.stderr for c in autoglm_phone.commands if c.code)


def test_missing_adb_keyboard(autoglm_phone: FakePhone) -> None:
    autoglm_phone.fault.no_adb_keyboard()
    listed = run("shell", "ime", "list", "-s").stdout.decode()
    assert "com.android.adbkeyboard/.AdbIME" not in listed
    adb.type_text("hi")
    adb.detect_and_set_adb_keyboard()
    assert autoglm_phone.typed == []
    assert autoglm_phone.commands[-2].stdout == (
        "Unknown input method com.android.adbkeyboard/.AdbIME cannot be selected for user #0\n")  # fmt: skip


def test_second_device_needs_s(autoglm_phone: FakePhone) -> None:
    autoglm_phone.fault.second_device()
    done = run("shell", "dumpsys", "window")
    assert (done.returncode, done.stderr) == (1, b"adb: more than one device/emulator\n")
    assert adb.get_current_app("emulator-5554") == "System Home"
    assert (
        run("devices").stdout
        == b"List of devices attached\nemulator-5554\tdevice\nemulator-5556\tdevice\n\n"
    )


@pytest.mark.parametrize(("fault", "stderr"), [
    ("unauthorized", b"adb: device unauthorized.\n"),
    ("offline", b"adb: device offline\n"),
])  # fmt: skip
def test_unusable_device_states(autoglm_phone: FakePhone, fault: str, stderr: bytes) -> None:
    getattr(autoglm_phone.fault, fault)()
    assert run("devices").stdout.splitlines()[1] == f"emulator-5554\t{fault}".encode()
    done = run("shell", "echo", "hi")
    assert done.returncode == 1
    assert done.stderr.startswith(stderr)
    with pytest.raises(ValueError, match="No output from dumpsys window"):
        adb.get_current_app()


def test_screencap_failure_gives_phone_agent_a_sensitive_black_screen(
    autoglm_phone: FakePhone,
) -> None:
    autoglm_phone.fault.screencap_fails()
    shot = adb.get_screenshot()
    assert (shot.is_sensitive, shot.width, shot.height) == (True, 1080, 2400)


def test_black_screen_and_secure_screens(autoglm_phone: FakePhone) -> None:
    from pytest_autoglm._png import png_size
    from pytest_autoglm.phone._screens import black_png

    autoglm_phone.screen("pay", package="com.eg.android.AlipayGphone", secure=True, current=True)
    assert run("exec-out", "screencap", "-p").stdout == black_png((1080, 2400))
    autoglm_phone.goto("home")
    autoglm_phone.fault.black_screen(times=1)
    assert run("exec-out", "screencap", "-p").stdout == black_png((1080, 2400))
    assert run("exec-out", "screencap", "-p").stdout != black_png((1080, 2400))
    assert png_size(autoglm_phone.screenshot()) == (1080, 2400)


def test_pull_timeout_fires_the_callers_timeout(autoglm_phone: FakePhone) -> None:
    autoglm_phone.fault.pull_timeout(hang=3.0)
    run("shell", "screencap", "-p", "/sdcard/tmp.png")
    with pytest.raises(subprocess.TimeoutExpired, match=r"timed out after 0\.5 seconds"):
        subprocess.run(
            ["adb", "pull", "/sdcard/tmp.png", "x.png"],
            capture_output=True,
            timeout=0.5,
            check=False,
        )


def test_pull_timeout_passes_on_the_virtual_clock(
    autoglm_phone: FakePhone, autoglm_clock: VirtualClock
) -> None:
    """phone_agent's own 5 s timeout on ``adb pull`` fires without the test waiting it."""
    autoglm_phone.fault.pull_timeout(times=1)  # hangs 6 s
    started = autoglm_clock.monotonic()
    shot = adb.get_screenshot()
    assert (shot.width, shot.height, shot.is_sensitive) == (1080, 2400, False)  # the fallback
    assert [c.argv[0] for c in autoglm_phone.commands] == ["shell", "pull"]
    assert autoglm_clock.monotonic() - started >= 5.0  # the caller's deadline passed ...
    assert autoglm_clock.offset <= 5.0 + 1e-3  # ... virtually, and no further than it (not 6 s)
    shot = adb.get_screenshot()  # the fault is spent: a real screenshot
    assert not shot.is_sensitive
    assert autoglm_clock.offset <= 5.0 + 1e-3


def test_a_hang_shorter_than_the_callers_timeout_ends_with_the_command(
    autoglm_phone: FakePhone, autoglm_clock: VirtualClock
) -> None:
    autoglm_phone.fault.pull_timeout(hang=3.0)
    pull = ["adb", "pull", "/sdcard/x.png", "x.png"]
    for capture in ({"capture_output": True}, {"stdout": subprocess.DEVNULL}, {}):
        started, offset = autoglm_clock.monotonic(), autoglm_clock.offset
        done = subprocess.run(pull, check=False, timeout=10, **capture)  # type: ignore[call-overload]
        assert done.returncode == 1
        assert autoglm_clock.monotonic() - started >= 3.0
        assert autoglm_clock.offset - offset <= 3.0 + 1e-3
    with pytest.raises(subprocess.TimeoutExpired, match=r"timed out after 2\.5 seconds"):
        subprocess.run(pull, check=False, capture_output=True, timeout=2.5)
    assert len(autoglm_phone.commands) == 4


def test_multi_display_warns_and_still_captures(autoglm_phone: FakePhone, tmp_path: object) -> None:
    autoglm_phone.fault.multi_display()
    shot = adb.get_screenshot()
    assert not shot.is_sensitive
    assert autoglm_phone.commands[0].stderr.startswith("[Warning] Multiple displays were found")


def test_monkey_aborts_for_a_package_not_installed(autoglm_phone: FakePhone) -> None:
    assert adb.launch_app("微信") is True  # phone_agent says it launched...
    assert autoglm_phone.launched == []  # ...the phone did not
    assert autoglm_phone.commands[-1].stderr == "** No activities found to run, monkey aborted.\n"
    autoglm_phone.install("com.tencent.mm").fault.no_activities(times=1)
    adb.launch_app("微信")
    adb.launch_app("微信")
    assert autoglm_phone.launched == ["com.tencent.mm"]


def test_unplug_after_some_commands(autoglm_phone: FakePhone) -> None:
    autoglm_phone.fault.unplug(after=1)
    assert run("get-state").stdout == b"device\n"
    assert run("get-state").stderr == b"adb: no devices/emulators found\n"
    assert run("devices").stdout == b"List of devices attached\n\n"


def test_not_gbk_output(autoglm_phone: FakePhone) -> None:
    autoglm_phone.fault.not_gbk()
    raw = run("shell", "dumpsys", "window").stdout
    raw.decode("utf-8")
    with pytest.raises(UnicodeDecodeError, match="'gbk' codec can't decode"):
        raw.decode("gbk")
    assert adb.get_current_app() == "System Home"  # phone_agent decodes UTF-8: fine on Linux


def test_fault_times_must_be_positive(autoglm_phone: FakePhone) -> None:
    with pytest.raises(PhoneError, match=r"inject_events\(times=0\): times must be >= 1"):
        autoglm_phone.fault.inject_events(times=0)
