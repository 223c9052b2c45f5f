"""The fake ``hdc`` (HarmonyOS): what phone_agent's hdc layer runs, on the same phone state.

The screens and records are the phone's own; a bundle name plays the part of a package.
Outputs follow phone_agent's parsers and PROTOCOL.md section 3 (hdc's replies there are
from wrappers' tests and phone_agent's comments, not from a device here).
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

from pytest_autoglm.phone._control import Answer, Request

if TYPE_CHECKING:
    from pytest_autoglm.phone._phone import FakePhone

KNOWN = (
    "list targets", "tconn HOST:PORT", "tmode port PORT", "file recv REMOTE LOCAL",
    "shell aa dump -l", "shell aa start -b BUNDLE -a EntryAbility",
    "shell uitest uiInput click X Y", "shell uitest uiInput doubleClick X Y",
    "shell uitest uiInput longClick X Y", "shell uitest uiInput swipe X1 Y1 X2 Y2 MS",
    "shell uitest uiInput keyEvent KEY", "shell uitest uiInput text TEXT",
    "shell screenshot PATH", "shell snapshot_display -f PATH", "shell ifconfig",
)  # fmt: skip
_KEYS = {
    "Back": "KEYCODE_BACK",
    "Home": "KEYCODE_HOME",
    "2055": "KEYCODE_DEL",
    "2054": "KEYCODE_ENTER",
}


def _ok(text: str = "") -> Answer:
    return Answer(0, text.encode("utf-8"))


def run(phone: FakePhone, request: Request) -> tuple[Answer, str | None]:
    args = list(request.argv)
    serial = None
    if args[:1] == ["-t"] and len(args) > 1:
        serial = args[1]
        args = args[2:]
    words = args
    if words[:2] == ["list", "targets"]:
        listed = [d.serial for d in phone.present_devices() if d.state == "device"]
        return _ok("".join(f"{s}\n" for s in listed) if listed else "[Empty]\n"), serial
    if words[:1] == ["tconn"] and len(words) > 1:
        phone.add_device(words[1])
        return _ok("Connect OK\n"), serial
    if words[:2] == ["tmode", "port"]:
        return _ok("Set device run mode successful.\n"), serial
    present = {d.serial: d for d in phone.present_devices() if d.state == "device"}
    device = (
        present.get(serial)
        if serial
        else (next(iter(present.values())) if len(present) == 1 else None)
    )
    if device is None:
        reason = "[Fail]Not match target founded, check connect-key please\n"
        if not serial and len(present) > 1:
            reason = "[Fail]Multiple targets found, please specify one with -t\n"
        return Answer(1, reason.encode()), serial
    if words[:2] == ["file", "recv"] and len(words) >= 4:
        data = phone.files.get(words[2])
        if data is None:
            return Answer(
                1, f"[Fail]Error opening file: no such file, path:{words[2]}\n".encode()
            ), device.serial
        target = os.path.join(request.cwd, words[3])
        with open(target, "wb") as handle:
            handle.write(data)
        return _ok(
            f"FileTransfer finish, Size:{len(data)}, File count = 1, time:12ms rate:100kB/s\n"
        ), device.serial
    if words[:1] == ["shell"]:
        try:
            shell = shlex.split(" ".join(words[1:]))
        except ValueError:
            shell = " ".join(words[1:]).split()
        return _shell(phone, shell, request), device.serial
    return phone.unknown("hdc", request.argv, KNOWN, "[Fail]Unknown command\n"), serial


def _shell(phone: FakePhone, words: list[str], request: Request) -> Answer:
    if words[:3] == ["aa", "dump", "-l"]:
        screen = phone.current
        return _ok(
            "  Mission ID #139\n"
            f"  mission name #[#{screen.package}:entry:EntryAbility]\n"
            f"  app name [{screen.package}]\n"
            f"  bundle name [{screen.package}]\n"
            "  ability type [PAGE]\n"
            "  state #FOREGROUND\n"
            "  app state #FOREGROUND\n"
        )
    if words[:2] == ["aa", "start"] and "-b" in words:
        bundle = words[words.index("-b") + 1] if words.index("-b") + 1 < len(words) else ""
        answer = phone.do_launch(bundle)
        if answer.code:
            return Answer(1, f"error: failed to start ability. bundle name: {bundle}\n".encode())
        return _ok("start ability successfully.\n")
    if words[:2] == ["uitest", "uiInput"]:
        return _ui_input(phone, words[2:], request)
    if words[:1] in (["screenshot"], ["snapshot_display"]):
        paths = [w for w in words[1:] if not w.startswith("-")]
        if phone.fault.take("screencap_fails"):
            return _ok("ScreenCapture fail\n")
        if paths:
            phone.files[paths[0]] = phone.screenshot()
        return _ok(f"ScreenCapture success: {paths[0] if paths else ''}\n")
    if words[:1] == ["ifconfig"]:
        return _ok(f"wlan0\tLink encap:Ethernet\n\tinet addr:{phone.wifi_ip}  Mask:255.255.255.0\n")
    return phone.unknown(
        "hdc", ("shell", *words), KNOWN, f"/bin/sh: {words[0] if words else ''}: not found\n", 127
    )


def _ui_input(phone: FakePhone, args: list[str], request: Request) -> Answer:
    verb, rest = (args[0], args[1:]) if args else ("", [])
    try:
        if verb in ("click", "doubleClick", "longClick") and len(rest) >= 2:
            kind = {"click": "tap", "doubleClick": "double", "longClick": "long"}[verb]
            answer = phone.do_tap(int(rest[0]), int(rest[1]), kind)
            return answer if answer.code else _ok("No Error\n")
        if verb == "swipe" and len(rest) >= 4:
            values = [int(v) for v in rest[:5]]
            duration = values[4] if len(values) == 5 else None
            answer = phone.do_swipe((values[0], values[1]), (values[2], values[3]), duration)
            return answer if answer.code else _ok("No Error\n")
        if verb == "keyEvent" and rest:
            if rest == ["2072", "2017"]:  # select all: the next Delete clears the field
                phone.select_all = True
                return _ok("No Error\n")
            key = _KEYS.get(rest[0], rest[0])
            if key == "KEYCODE_DEL" and getattr(phone, "select_all", False):
                phone.select_all = False
                phone.clear_text()
                return _ok("No Error\n")
            phone.do_keys([key])
            return _ok("No Error\n")
        if verb in ("text", "inputText") and rest:
            text = rest[-1]
            answer = phone.do_input_text(text)
            return answer if answer.code else _ok("No Error\n")
    except ValueError:
        pass
    return phone.unknown(
        "hdc", ("shell", "uitest", "uiInput", *args), KNOWN, "Error: invalid arguments\n", 1
    )
