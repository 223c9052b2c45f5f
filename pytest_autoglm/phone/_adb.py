"""The fake ``adb``: each command phone_agent 0.1.1 runs, with real output and exit codes.

Shell commands are split the way the phone's shell would split them (the arguments are
joined with spaces, then re-split), so ``adb shell "input tap 1 2"`` and
``adb shell input tap 1 2`` are the same command.
"""

from __future__ import annotations

import base64
import binascii
import os
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from pytest_autoglm.phone import _faults as F
from pytest_autoglm.phone._control import Answer, Request

if TYPE_CHECKING:
    from pytest_autoglm.phone._phone import Device, FakePhone

VERSION = (
    "Android Debug Bridge version 1.0.41\n"
    "Version 35.0.2-12147458\n"
    "Installed as {path}\n"
    "Running on Linux (x86_64)\n"
)
#: Command shapes the fake knows, for "did you mean" on an unknown one.
KNOWN = (
    "version", "devices", "devices -l", "connect HOST:PORT", "disconnect HOST:PORT",
    "tcpip PORT", "start-server", "kill-server", "get-state", "get-serialno",
    "pull REMOTE LOCAL", "push LOCAL REMOTE", "exec-out screencap -p",
    "shell dumpsys window", "shell screencap -p PATH", "shell input tap X Y",
    "shell input swipe X1 Y1 X2 Y2 MS", "shell input keyevent KEY", "shell input text TEXT",
    "shell monkey -p PACKAGE -c android.intent.category.LAUNCHER 1",
    "shell am start -n PACKAGE/ACTIVITY", "shell am force-stop PACKAGE",
    "shell am broadcast -a ADB_INPUT_B64 --es msg BASE64", "shell am broadcast -a ADB_CLEAR_TEXT",
    "shell settings get secure default_input_method", "shell settings put secure KEY VALUE",
    "shell ime list -s", "shell ime enable IME", "shell ime set IME", "shell ip route",
    "shell ip addr show wlan0", "shell wm size", "shell getprop PROPERTY",
    "shell pm list packages", "shell echo TEXT", "shell rm PATH",
)  # fmt: skip

_BROADCAST_DONE = (
    "Broadcasting: Intent {{ act={action} flg=0x400000{extras} }}\nBroadcast completed: result=0\n"
)


def ok(text: str = "") -> Answer:
    return Answer(0, text.encode("utf-8"))


def fail(text: str, code: int = 1, stdout: str = "") -> Answer:
    return Answer(code, stdout.encode("utf-8"), text.encode("utf-8"))


def run(phone: FakePhone, request: Request) -> tuple[Answer, str | None]:
    """Answer one ``adb`` run; also returns the serial it addressed (or ``None``)."""
    args = list(request.argv)
    serial = None
    while args and args[0] in ("-s", "-t", "-d", "-e", "-H", "-P", "-a", "-L"):
        flag = args.pop(0)
        if flag in ("-s", "-t", "-H", "-P", "-L") and args:
            value = args.pop(0)
            if flag == "-s":
                serial = value
    if not args:
        return fail("adb: no command given\n"), serial
    command, rest = args[0], args[1:]
    hostside = _HOST.get(command)
    if hostside is not None:
        return hostside(phone, rest, request), serial
    if command not in _DEVICE:
        return phone.unknown(
            "adb", request.argv, KNOWN, f"adb: unknown command {command}\n"
        ), serial
    device, refusal = _select(phone, serial)
    if device is None:
        assert refusal is not None
        return refusal, serial
    return _DEVICE[command](phone, device, rest, request), device.serial


def _select(phone: FakePhone, serial: str | None) -> tuple[Device | None, Answer | None]:
    present = phone.present_devices()
    if serial is not None:
        chosen = next((d for d in present if d.serial == serial), None)
        if chosen is None:
            return None, fail(F.NOT_FOUND.format(serial=serial))
    elif not present:
        return None, fail(F.NO_DEVICES)
    elif len(present) > 1:
        return None, fail(F.MORE_THAN_ONE)
    else:
        chosen = present[0]
    if chosen.state == "unauthorized":
        return None, fail(F.UNAUTHORIZED)
    if chosen.state == "offline":
        return None, fail(F.OFFLINE)
    return chosen, None


# -- host-side commands (no phone needed) ------------------------------------------------


def _version(phone: FakePhone, rest: list[str], request: Request) -> Answer:
    return ok(VERSION.format(path=phone.executables.get("adb", "adb")))


def _devices(phone: FakePhone, rest: list[str], request: Request) -> Answer:
    lines = ["List of devices attached"]
    for device in phone.present_devices():
        if "-l" in rest:
            lines.append(f"{device.serial:<22} {device.state} {device.details}")
        else:
            lines.append(f"{device.serial}\t{device.state}")
    return ok("\n".join(lines) + "\n\n")


def _address(text: str) -> str:
    return text if ":" in text else f"{text}:5555"


def _connect(phone: FakePhone, rest: list[str], request: Request) -> Answer:
    if not rest:
        return fail("adb: usage: adb connect HOST[:PORT]\n")
    address = _address(rest[0])
    if address in phone.refused_addresses:
        return fail(f"failed to connect to '{address}': Connection refused\n")
    if any(d.serial == address for d in phone.devices):
        return ok(f"already connected to {address}\n")
    phone.add_device(address)
    return ok(f"connected to {address}\n")


def _disconnect(phone: FakePhone, rest: list[str], request: Request) -> Answer:
    if not rest:
        phone.devices[:] = [d for d in phone.devices if ":" not in d.serial]
        return ok("disconnected everything\n")
    address = _address(rest[0])
    before = len(phone.devices)
    phone.devices[:] = [d for d in phone.devices if d.serial != address]
    if len(phone.devices) == before:
        return fail(f"error: no such device '{address}'\n")
    return ok(f"disconnected {address}\n")


def _server(phone: FakePhone, rest: list[str], request: Request) -> Answer:
    return ok()


_HOST: dict[str, Callable[[FakePhone, list[str], Request], Answer]] = {
    "version": _version,
    "devices": _devices,
    "connect": _connect,
    "disconnect": _disconnect,
    "start-server": _server,
    "kill-server": _server,
}


# -- commands on the phone ---------------------------------------------------------------


def _get_state(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    return ok(f"{device.state}\n")


def _get_serialno(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    return ok(f"{device.serial}\n")


def _tcpip(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    port = rest[0] if rest else ""
    if not port.isdigit():
        return fail("adb: usage: adb tcpip PORT\n")
    return ok(f"restarting in TCP mode port: {port}\n")


def _local_path(request: Request, local: str, remote: str) -> str:
    path = os.path.join(request.cwd, local)
    if os.path.isdir(path):
        path = os.path.join(path, os.path.basename(remote))
    return path


def _pull(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    paths = [a for a in rest if not a.startswith("-")]
    if not paths:
        return fail("adb: usage: adb pull REMOTE... LOCAL\n")
    remote, local = paths[0], paths[1] if len(paths) > 1 else "."
    if phone.fault.take("pull_timeout"):
        return Answer(1, hang=float(str(phone.fault.options.get("pull_hang", 6.0))))
    data = phone.files.get(remote)
    if data is None:
        return fail(
            f"adb: error: failed to stat remote object '{remote}': No such file or directory\n"
        )
    target = _local_path(request, local, remote)
    try:
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        return fail(f"adb: error: cannot create '{target}': {exc.strerror}\n")
    size = len(data)
    return ok(f"{remote}: 1 file pulled, 0 skipped. 0.4 MB/s ({size} bytes in 0.100s)\n")


def _push(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    paths = [a for a in rest if not a.startswith("-")]
    if len(paths) < 2:
        return fail("adb: usage: adb push LOCAL... REMOTE\n")
    local = os.path.join(request.cwd, paths[0])
    try:
        with open(local, "rb") as handle:
            data = handle.read()
    except OSError:
        return fail(f"adb: error: cannot stat '{paths[0]}': No such file or directory\n")
    phone.files[paths[1]] = data
    return ok(f"{paths[0]}: 1 file pushed, 0 skipped. 0.4 MB/s ({len(data)} bytes in 0.100s)\n")


def _shell(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    try:
        words = shlex.split(" ".join(rest))
    except ValueError:
        words = " ".join(rest).split()
    if not words:
        return fail("adb: interactive shells are not supported by the fake phone\n")
    handler = _SHELL.get(words[0])
    if handler is None:
        return phone.unknown(
            "adb",
            request.argv,
            KNOWN,
            f"/system/bin/sh: {words[0]}: inaccessible or not found\n",
            127,
        )
    return handler(phone, words[1:], request)


def _exec_out(phone: FakePhone, device: Device, rest: list[str], request: Request) -> Answer:
    return _shell(phone, device, rest, request)


_DEVICE: dict[str, Callable[[FakePhone, Device, list[str], Request], Answer]] = {
    "shell": _shell,
    "exec-out": _exec_out,
    "pull": _pull,
    "push": _push,
    "tcpip": _tcpip,
    "get-state": _get_state,
    "get-serialno": _get_serialno,
}


# -- shell commands ----------------------------------------------------------------------

ShellHandler = Callable[["FakePhone", list[str], Request], Answer]


def _unknown_shell(phone: FakePhone, request: Request, usage: str) -> Answer:
    return phone.unknown("adb", request.argv, KNOWN, usage, 255)


def _dumpsys(phone: FakePhone, args: list[str], request: Request) -> Answer:
    if not args or args[0] != "window":
        return ok()  # other services: nothing phone_agent reads
    screen = phone.current
    title = f"    mTitle={F.NOT_GBK_TITLE}" if phone.fault.take("not_gbk") else ""
    text = (
        "WINDOW MANAGER WINDOWS (dumpsys window windows)\n"
        f"  Window #0 Window{{4f1c2a0 u0 {screen.component}}}:\n"
        f"    mDisplayId=0 rootTaskId=12 mSession=Session{{7d2e1b3 1234:u0a10123}}\n"
        f"{title}"
        f"  mCurrentFocus=Window{{4f1c2a0 u0 {screen.component}}}\n"
        f"  mFocusedApp=ActivityRecord{{9a8b7c6 u0 {screen.component} t12}}\n"
    )
    return ok(text)


def _screencap(phone: FakePhone, args: list[str], request: Request) -> Answer:
    warning = F.MULTI_DISPLAY if phone.fault.take("multi_display") else ""
    if phone.fault.take("screencap_fails"):
        return fail(warning + F.SCREENCAP_FAILED)
    png = phone.screenshot()
    paths = [a for a in args if not a.startswith("-")]
    if paths:
        phone.files[paths[0]] = png
        return Answer(0, b"", warning.encode())
    return Answer(0, png, warning.encode())


def _input(phone: FakePhone, args: list[str], request: Request) -> Answer:
    if args and args[0] in ("touchscreen", "touchpad", "keyboard"):
        args = args[1:]
    verb = args[0] if args else ""
    nums = args[1:]
    try:
        if verb == "tap" and len(nums) == 2:
            return phone.do_tap(int(nums[0]), int(nums[1]))
        if verb == "swipe" and len(nums) in (4, 5):
            values = [int(n) for n in nums]
            duration = values[4] if len(values) == 5 else None
            return phone.do_swipe((values[0], values[1]), (values[2], values[3]), duration)
        if verb == "keyevent" and nums:
            return phone.do_keys(nums)
        if verb == "text" and nums:
            return phone.do_input_text(" ".join(nums))
    except ValueError:
        pass
    usage = (
        f"Error: Unknown command: {verb}\n"
        if verb not in _INPUT_VERBS
        else "Error: Invalid arguments\n"
    )
    return _unknown_shell(phone, request, usage)


_INPUT_VERBS = ("tap", "swipe", "keyevent", "text")


def _monkey(phone: FakePhone, args: list[str], request: Request) -> Answer:
    package = (
        args[args.index("-p") + 1] if "-p" in args and args.index("-p") + 1 < len(args) else None
    )
    if package is None:
        return _unknown_shell(phone, request, "** Error: monkey needs -p PACKAGE here\n")
    return phone.do_launch(package)


def _am(phone: FakePhone, args: list[str], request: Request) -> Answer:
    verb = args[0] if args else ""
    if verb == "broadcast":
        action = (
            args[args.index("-a") + 1] if "-a" in args and args.index("-a") + 1 < len(args) else ""
        )
        extras = {}
        if "--es" in args:
            at = args.index("--es")
            key = args[at + 1] if at + 1 < len(args) else ""
            extras[key] = args[at + 2] if at + 2 < len(args) else ""
        phone.do_broadcast(action, extras)
        return ok(_BROADCAST_DONE.format(action=action, extras=" (has extras)" if extras else ""))
    if verb == "start" and "-n" in args and args.index("-n") + 1 < len(args):
        component = args[args.index("-n") + 1]
        package = component.split("/", 1)[0]
        answer = phone.do_launch(package)
        if answer.code:
            return fail(f"Error: Activity class {{{component}}} does not exist.\n", 1)
        return ok(f"Starting: Intent {{ cmp={component} }}\n")
    if verb == "force-stop":
        phone.do_key("KEYCODE_HOME", record=False)
        return ok()
    return _unknown_shell(phone, request, f"Error: unknown command '{verb}'\n")


def _settings(phone: FakePhone, args: list[str], request: Request) -> Answer:
    if args[:3] == ["get", "secure", "default_input_method"]:
        return ok(f"{phone.ime.selected}\n")
    if args[:1] == ["get"]:
        return ok("null\n")
    if args[:1] == ["put"]:
        if phone.fault.take("secure_settings"):
            return fail(F.WRITE_SECURE_SETTINGS.format(verb="put"), 255)
        if args[1:3] == ["secure", "default_input_method"] and len(args) > 3:
            phone.ime.selected = args[3]
        return ok()
    return _unknown_shell(phone, request, "Invalid command: settings " + " ".join(args) + "\n")


def _ime(phone: FakePhone, args: list[str], request: Request) -> Answer:
    verb = args[0] if args else ""
    if verb == "list":
        shown = phone.ime.enabled if "-a" not in args else phone.ime.installed
        if "-s" in args:
            return ok("".join(f"{ime}\n" for ime in shown))
        return ok("".join(f"{ime}:\n  mId={ime}\n" for ime in shown))
    if verb in ("set", "enable", "disable") and len(args) > 1:
        if phone.fault.take("secure_settings"):
            return fail(F.WRITE_SECURE_SETTINGS.format(verb=verb), 255)
        return phone.ime.command(verb, args[1])
    return _unknown_shell(phone, request, f"Unknown command: {verb}\n")


def _ip(phone: FakePhone, args: list[str], request: Request) -> Answer:
    if args[:1] == ["route"]:
        return ok(f"10.0.2.0/24 dev wlan0 proto kernel scope link src {phone.wifi_ip}\n")
    if args[:2] == ["addr", "show"]:
        return ok(
            f"3: wlan0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP\n"
            f"    inet {phone.wifi_ip}/24 brd 10.0.2.255 scope global wlan0\n"
        )
    return _unknown_shell(phone, request, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n")


def _wm(phone: FakePhone, args: list[str], request: Request) -> Answer:
    if args[:1] == ["size"]:
        width, height = phone.size
        return ok(f"Physical size: {width}x{height}\n")
    return _unknown_shell(phone, request, "Unknown command\n")


def _getprop(phone: FakePhone, args: list[str], request: Request) -> Answer:
    props = phone.main_device.properties
    if not args:
        return ok("".join(f"[{k}]: [{v}]\n" for k, v in props.items()))
    return ok(props.get(args[0], "") + "\n")


def _pm(phone: FakePhone, args: list[str], request: Request) -> Answer:
    if args[:2] == ["list", "packages"]:
        return ok("".join(f"package:{p}\n" for p in sorted(phone.packages)))
    return _unknown_shell(phone, request, "Unknown command\n")


def _echo(phone: FakePhone, args: list[str], request: Request) -> Answer:
    return ok(" ".join(args) + "\n")


def _rm(phone: FakePhone, args: list[str], request: Request) -> Answer:
    for path in (a for a in args if not a.startswith("-")):
        phone.files.pop(path, None)
    return ok()


_SHELL: dict[str, ShellHandler] = {
    "dumpsys": _dumpsys,
    "screencap": _screencap,
    "input": _input,
    "monkey": _monkey,
    "am": _am,
    "settings": _settings,
    "ime": _ime,
    "ip": _ip,
    "wm": _wm,
    "getprop": _getprop,
    "pm": _pm,
    "echo": _echo,
    "rm": _rm,
}


def decode_b64(text: str) -> str | None:
    """ADB Keyboard's ``ADB_INPUT_B64`` payload, or ``None`` when it is not base64 UTF-8."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
