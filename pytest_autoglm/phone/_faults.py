"""Device faults, each with the output and exit code a real phone gives.

Outputs marked (inferred) in the comments are reconstructed from the check in
phone_agent that reads them, or from user reports, not from a device here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_autoglm.phone._ime import ADB_KEYBOARD

if TYPE_CHECKING:
    from pytest_autoglm.phone._phone import FakePhone

INJECT_EVENTS = (
    "Exception occurred while executing '{verb}':\n"
    "java.lang.SecurityException: Injecting input events requires the caller (or the source "
    "of the instrumentation, if any) to have the INJECT_EVENTS permission.\n"
    "\tat com.android.server.input.InputManagerService.injectInputEventToTarget"
    "(InputManagerService.java:911)\n"
    "\tat com.android.server.input.InputShellCommand.onCommand(InputShellCommand.java:257)\n"
)
WRITE_SECURE_SETTINGS = (
    "Exception occurred while executing '{verb}':\n"
    "java.lang.SecurityException: uid 2000 does not have "
    "android.permission.WRITE_SECURE_SETTINGS.\n"
)
MORE_THAN_ONE = "adb: more than one device/emulator\n"
NO_DEVICES = "adb: no devices/emulators found\n"
NOT_FOUND = "adb: device '{serial}' not found\n"
UNAUTHORIZED = (
    "adb: device unauthorized.\n"
    "This adb server's $ADB_VENDOR_KEYS is not set\n"
    "Try 'adb kill-server' if that seems wrong.\n"
    "Otherwise check for a confirmation dialog on your device.\n"
)
OFFLINE = "adb: device offline\n"
#: (inferred) phone_agent treats output with "Status: -1" or "Failed" as a failed capture
SCREENCAP_FAILED = "Failed to take screenshot. Status: -1\n"
MULTI_DISPLAY = (
    "[Warning] Multiple displays were found, but no display id was specified! Defaulting to "
    "the first display found, however this default is not guaranteed to be consistent across "
    "captures. A display id should be specified.\n"
)
NO_ACTIVITIES = "** No activities found to run, monkey aborted.\n"
#: (inferred) monkey exits non-zero when it aborts
NO_ACTIVITIES_CODE = 251
#: Valid UTF-8 that a GBK decoder (Windows' default codec in China) refuses: the em dash
#: ends in a byte GBK reads as a lead byte, and the next byte is not a GBK trail byte.
NOT_GBK_TITLE = "Notes \u2014\n"


@dataclass
class Faults:
    """``phone.fault``: switch device faults on, one call each; ``times`` limits how often."""

    phone: FakePhone
    active: dict[str, int | None] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)

    def _on(self, name: str, times: int | None) -> Faults:
        if times is not None and times < 1:
            from pytest_autoglm.phone._errors import PhoneError

            raise PhoneError(f"fault {name}(times={times!r}): times must be >= 1 or None")
        self.active[name] = times
        return self

    def take(self, name: str) -> bool:
        """Whether fault ``name`` fires now (and count it down)."""
        if name not in self.active:
            return False
        left = self.active[name]
        if left is not None:
            if left <= 1:
                del self.active[name]
            else:
                self.active[name] = left - 1
        return True

    def inject_events(self, times: int | None = None) -> Faults:
        """Taps, swipes and key events are refused (MIUI without "USB debugging (Security
        settings)"): ``SecurityException ... INJECT_EVENTS`` on stderr, exit 255."""
        return self._on("inject_events", times)

    def secure_settings(self, times: int | None = None) -> Faults:
        """``ime set``/``ime enable``/``settings put`` are refused: ``uid 2000 does not have
        android.permission.WRITE_SECURE_SETTINGS``, exit 255."""
        return self._on("secure_settings", times)

    def no_adb_keyboard(self) -> Faults:
        """ADB Keyboard is not installed: not in ``ime list -s``; ``ime set`` to it fails,
        and its broadcasts type nothing."""
        self.phone.ime.remove(ADB_KEYBOARD)
        return self

    def second_device(self, serial: str = "emulator-5556") -> Faults:
        """Another phone is attached: every command without ``-s`` fails with
        ``adb: more than one device/emulator``."""
        self.phone.add_device(serial)
        return self

    def unauthorized(self) -> Faults:
        """The phone has not accepted this computer's key: listed as ``unauthorized``."""
        self.phone.main_device.state = "unauthorized"
        return self

    def offline(self) -> Faults:
        """The phone is listed as ``offline`` and refuses commands."""
        self.phone.main_device.state = "offline"
        return self

    def screencap_fails(self, times: int | None = None) -> Faults:
        """``screencap`` fails (phone_agent then sends a black screenshot marked sensitive)."""
        return self._on("screencap_fails", times)

    def black_screen(self, times: int | None = None) -> Faults:
        """Screenshots come out all black, as from a secure window on Android 12+."""
        return self._on("black_screen", times)

    def pull_timeout(self, times: int | None = None, hang: float = 6.0) -> Faults:
        """``pull`` hangs ``hang`` seconds and writes no file, so the caller's own timeout
        (phone_agent: 5 s) fires: ``timed out after 5 seconds``. With ``autoglm_clock`` the
        hang passes on the virtual clock (the timeout fires at once); without, in real time."""
        self.options["pull_hang"] = float(hang)
        return self._on("pull_timeout", times)

    def multi_display(self) -> Faults:
        """A foldable or a phone with a second display: ``screencap`` warns on stderr and
        still captures the first display."""
        return self._on("multi_display", None)

    def no_activities(self, times: int | None = None) -> Faults:
        """``monkey -p PKG`` finds nothing to launch: ``** No activities found to run,
        monkey aborted.``"""
        return self._on("no_activities", times)

    def unplug(self, after: int = 0) -> Faults:
        """The phone disappears after ``after`` more commands: ``adb: no devices/emulators
        found``; ``dumpsys window`` then prints nothing, which phone_agent raises on."""
        self.options["unplug_after"] = self.phone.command_count + after
        return self

    def not_gbk(self) -> Faults:
        """``dumpsys window`` prints UTF-8 text that a GBK decoder rejects (the Windows
        ``UnicodeDecodeError: 'gbk' codec can't decode`` of Open-AutoGLM #45, #128)."""
        return self._on("not_gbk", None)
