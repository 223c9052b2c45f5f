"""The fake phone: devices, screens, input methods, faults and records, behind ``adb``/``hdc``."""

from __future__ import annotations

import difflib
import functools
import os
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pytest_autoglm._reasons import did_you_mean
from pytest_autoglm.phone._control import Answer, ControlServer, Request
from pytest_autoglm.phone._errors import PhoneError, ScenarioError
from pytest_autoglm.phone._faults import INJECT_EVENTS, NO_ACTIVITIES, NO_ACTIVITIES_CODE, Faults
from pytest_autoglm.phone._ime import ADB_KEYBOARD, Ime
from pytest_autoglm.phone._records import (
    Command,
    KeyRecord,
    LaunchRecord,
    SwipeRecord,
    TapRecord,
    TypedRecord,
    UnknownCommand,
)
from pytest_autoglm.phone._screens import (
    HOME_ACTIVITY,
    HOME_PACKAGE,
    Goto,
    Region,
    Screen,
    black_png,
    first_match,
    key_name,
    load_image,
    swipe_direction,
)

if TYPE_CHECKING:
    from pytest_autoglm.phone._hang import HungCommands

DEFAULT_SERIAL = "emulator-5554"
DEFAULT_SIZE = (1080, 2400)


@dataclass
class Device:
    """One attached phone as ``adb devices`` lists it."""

    serial: str
    state: str = "device"
    model: str = "sdk_gphone64_x86_64"
    transport_id: int = 1
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def details(self) -> str:
        return (
            f"product:{self.model} model:{self.model} device:emu64x "
            f"transport_id:{self.transport_id}"
        )


class FakePhone:
    """An Android phone (and a HarmonyOS one, through ``hdc``) that lives in the test.

    Every ``adb``/``hdc`` run, from any process, reaches it through the executables in
    :attr:`bin_dir`; the ``autoglm_phone`` fixture puts that folder first on ``PATH``.
    Build screens with :meth:`screen` and :meth:`on_tap` (or :meth:`load`), switch faults
    on through :attr:`fault`, and read what happened in :attr:`commands`, :attr:`taps`,
    :attr:`swipes`, :attr:`typed`, :attr:`launched` and :attr:`keys`.
    """

    def __init__(
        self,
        *,
        serial: str = DEFAULT_SERIAL,
        size: tuple[int, int] = DEFAULT_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.clock = clock
        self._lock = threading.RLock()
        self.devices: list[Device] = []
        self.main_device = self.add_device(serial)
        self.ime = Ime()
        self.fault = Faults(self)
        self.files: dict[str, bytes] = {}
        self.packages: set[str] = {HOME_PACKAGE, "com.android.settings", "com.android.chrome"}
        self.refused_addresses: set[str] = set()
        self.wifi_ip = "10.0.2.16"
        self.screens: dict[str, Screen] = {}
        self._last: Screen | None = None
        self.home = self.screen("home", package=HOME_PACKAGE, activity=HOME_ACTIVITY)
        self.current = self.home
        self.history: list[str] = []
        self.commands: list[Command] = []
        self.taps: list[TapRecord] = []
        self.swipes: list[SwipeRecord] = []
        self.keys: list[KeyRecord] = []
        self.typed: list[TypedRecord] = []
        self.launches: list[LaunchRecord] = []
        self.unknown_commands: list[UnknownCommand] = []
        #: errors raised while answering a command (a goto naming no screen, a crashing callable)
        self.errors: list[str] = []
        self.executables: dict[str, str] = {}
        self._text = ""
        self.select_all = False  # hdc: keyEvent 2072 2017 selects all, the next Delete clears
        self._server: ControlServer | None = None
        self._unknown_in_run: UnknownCommand | None = None
        #: a cassette the commands are recorded into or checked against (:meth:`use_cassette`)
        self.cassette: CommandTape | None = None
        #: hung commands pass on a virtual clock when set (the fixture does, with autoglm_clock)
        self.hangs: HungCommands | None = None

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> FakePhone:
        """Serve commands and write the ``adb``/``hdc`` executables into :attr:`bin_dir`."""
        from pytest_autoglm import _rounds
        from pytest_autoglm.phone._bin import write_executables

        self._server = ControlServer(self.handle).start()
        written = write_executables(self._server.folder / "bin", self._server.address)
        self.executables = {tool: str(path) for tool, path in written.items()}
        _rounds.track(self)
        return self

    #: what a leak check's rounds do not take back: the machinery, not the phone's state
    _NOT_ROUND_STATE = frozenset(
        {"clock", "_lock", "_server", "executables", "cassette", "hangs", "size"}
    )

    def save_round(self) -> object:
        """The phone as round 1 of a leak check found it (``_rounds``): screens, records,
        faults, input methods, files; restored before each later round."""
        import copy

        with self._lock:
            state = {k: v for k, v in vars(self).items() if k not in self._NOT_ROUND_STATE}
            return copy.deepcopy(state, self._keep_memo())

    def restore_round(self, state: Any) -> None:
        import copy

        with self._lock:
            for name, value in copy.deepcopy(state, self._keep_memo()).items():
                setattr(self, name, value)

    def _keep_memo(self) -> dict[int, Any]:
        """deepcopy's memo that keeps the phone itself (``fault.phone``) and its machinery."""
        keep = [self, *(getattr(self, name) for name in self._NOT_ROUND_STATE)]
        return {id(obj): obj for obj in keep}

    def stop(self) -> None:
        from pytest_autoglm import _rounds

        _rounds.untrack(self)
        if self.hangs is not None:
            self.hangs.release_all()
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def bin_dir(self) -> Path:
        """The folder holding the fake ``adb`` and ``hdc``."""
        if self._server is None:
            raise PhoneError("the fake phone is not started: call start() first")
        return self._server.folder / "bin"

    @property
    def address(self) -> str:
        """The Unix socket the executables talk to."""
        if self._server is None:
            raise PhoneError("the fake phone is not started: call start() first")
        return self._server.address

    # -- devices ----------------------------------------------------------------------

    def add_device(self, serial: str, state: str = "device") -> Device:
        """Attach another phone (listed by ``adb devices``; it shares this phone's screens)."""
        if state not in ("device", "unauthorized", "offline"):
            raise PhoneError(f"device state {state!r}: expected device, unauthorized or offline")
        device = Device(serial, state, transport_id=len(getattr(self, "devices", [])) + 1)
        device.properties.update({
            "ro.product.model": device.model,
            "ro.serialno": serial,
            "ro.build.version.release": "14",
            "ro.build.version.sdk": "34",
        })  # fmt: skip
        self.devices.append(device)
        return device

    @property
    def command_count(self) -> int:
        return len(self.commands)

    def present_devices(self) -> list[Device]:
        unplug = self.fault.options.get("unplug_after")
        if isinstance(unplug, int) and self.command_count >= unplug:
            return [d for d in self.devices if d is not self.main_device]
        return list(self.devices)

    # -- screens ----------------------------------------------------------------------

    def screen(
        self,
        name: str,
        *,
        package: str | None = None,
        activity: str = ".MainActivity",
        image: bytes | str | Path | None = None,
        colour: tuple[int, int, int] | None = None,
        secure: bool = False,
        current: bool = False,
    ) -> Screen:
        """Define (or redefine) screen ``name``; :meth:`on_tap` then adds to it.

        ``package``/``activity`` are what ``dumpsys window`` shows in front; the package is
        installed, and ``monkey -p PACKAGE`` opens the first screen defined for it.
        ``image`` is a PNG (bytes or a path); without one the kit draws a screen in a
        colour of its own. ``secure=True`` captures black, like a payment page.
        ``current=True`` makes it the screen the phone shows now (it starts on ``home``).
        """
        if not isinstance(name, str) or not name:
            raise ScenarioError(f"screen name {name!r}: expected a non-empty string")
        made = Screen(
            name,
            package=package or HOME_PACKAGE,
            activity=activity if package else HOME_ACTIVITY,
            image=load_image(image, f"screen {name!r}"),
            colour=colour,
            secure=secure,
        )
        with self._lock:
            self.screens[name] = made
            if package:
                self.packages.add(package)
            if current:
                self.current = made
            self._last = made
        return made

    def _target(self, screen: str | None) -> Screen:
        if screen is not None:
            return self.screen_named(screen)
        if self._last is None:
            raise ScenarioError("on_tap(...) before any screen(...): define a screen first")
        return self._last

    def on_tap(self, region: Any, goto: Goto = None, *, screen: str | None = None) -> FakePhone:
        """On ``screen`` (default: the last one defined), a tap in ``region`` leads to ``goto``.

        ``region`` is ``(left, top, right, bottom)`` or a point ``(x, y)`` in the model's
        0-999 coordinates (a point means a box 25 units around it).
        """
        self._target(screen).on_tap(region, goto)
        return self

    def on_key(self, key: str, goto: Goto = None, *, screen: str | None = None) -> FakePhone:
        self._target(screen).on_key(key, goto)
        return self

    def on_swipe(
        self, direction: str, goto: Goto = None, *, screen: str | None = None
    ) -> FakePhone:
        self._target(screen).on_swipe(direction, goto)
        return self

    def screen_named(self, name: str) -> Screen:
        found = self.screens.get(name)
        if found is None:
            hint = did_you_mean(name, self.screens)
            raise ScenarioError(
                f"no screen named {name!r}{hint}; screens: {', '.join(sorted(self.screens))}"
            )
        return found

    def goto(self, name: str) -> Screen:
        """Show screen ``name`` now (as if the user had navigated there)."""
        with self._lock:
            target = self.screen_named(name)
            if target is not self.current:
                self.history.append(self.current.name)
            self.current = target
            return target

    def install(self, *packages: str) -> FakePhone:
        """Install ``packages`` (``monkey -p`` then opens a plain screen for one with none)."""
        self.packages.update(packages)
        return self

    def load(self, path: str | Path) -> FakePhone:
        """Add the screens of a YAML or JSON scenario file (see the how-to for its shape)."""
        from pytest_autoglm.phone._scenario import load_scenario

        load_scenario(self, Path(path))
        return self

    def screenshot(self) -> bytes:
        """The PNG ``screencap`` takes now."""
        if self.fault.take("black_screen"):
            return black_png(self.size)
        return self.current.png(self.size)

    def use_cassette(self, cassette: CommandTape | None) -> FakePhone:
        """Check each command against ``cassette`` and record it there (``None``: stop).

        ``@pytest.mark.autoglm_cassette`` does this with the test's
        :class:`~pytest_autoglm.cassettes.CassetteSession`."""
        self.cassette = cassette
        return self

    # -- serving ----------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        """Answer one ``adb``/``hdc`` run and record it."""
        from pytest_autoglm.phone import _adb, _hdc

        with self._lock:
            self._unknown_in_run = None
            screen = self.current.name
            runner = _hdc.run if request.tool == "hdc" else _adb.run
            if self.cassette is not None:  # checked against, or recorded into, a cassette
                runner = functools.partial(_taped, self.cassette, runner)
            try:
                answer, serial = runner(self, request)
            except Exception as exc:  # a goto naming no screen, a crashing callable, a bug
                answer, serial = (
                    Answer(1, b"", f"{request.tool}: fake phone: {exc}\n".encode()),
                    None,
                )
                line = shlex.join((request.tool, *request.argv))
                if isinstance(exc, PhoneError):
                    self.errors.append(f"{line}: {exc}")
                else:
                    import traceback

                    self.errors.append(f"{line}:\n{traceback.format_exc()}")
            self.commands.append(
                Command(
                    tool=request.tool,
                    argv=request.argv,
                    serial=serial,
                    code=answer.code,
                    stdout=answer.stdout.decode("utf-8", "replace"),
                    stderr=answer.stderr.decode("utf-8", "replace"),
                    time=self.clock(),
                    screen=screen,
                )
            )
            if answer.hang > 0 and self.hangs is not None and request.pid:
                return replace(answer, release=self.hangs.begin(request.pid, answer.hang))
            return answer

    def unknown(
        self, tool: str, argv: Sequence[str], known: Iterable[str], stderr: str, code: int = 1
    ) -> Answer:
        """Record a command the fake does not know and answer it like the real tool."""
        line = shlex.join((tool, *argv))
        words = [w for w in argv if not (w.startswith("-") and len(w) == 2)]
        near = difflib.get_close_matches(" ".join(words), list(known), n=1, cutoff=0.0)
        self.unknown_commands.append(UnknownCommand(line, f"{tool} {near[0]}" if near else None))
        return Answer(code, b"", stderr.encode("utf-8"))

    # -- what commands do -------------------------------------------------------------

    def point(self, pixels: tuple[int, int]) -> tuple[int, int]:
        """Pixels to the model's 0-999 coordinates (the inverse of phone_agent's conversion)."""
        width, height = self.size
        return (min(999, pixels[0] * 1000 // width), min(999, pixels[1] * 1000 // height))

    def _refused(self, verb: str) -> Answer | None:
        if self.fault.take("inject_events"):
            return Answer(255, b"", INJECT_EVENTS.format(verb=verb).encode())
        return None

    def _follow(self, goto: Goto) -> None:
        if callable(goto):
            goto = goto(self)
        if goto is not None:
            self.goto(goto)

    def do_tap(self, x: int, y: int, kind: str = "tap") -> Answer:
        refused = self._refused("tap")
        point = self.point((x, y))
        self.taps.append(TapRecord((x, y), point, self.current.name, refused is None, kind))
        if refused is not None:
            return refused
        rule = first_match(self.current.taps, point)
        if rule is not None:
            self._follow(rule.goto)
        return Answer()

    def do_swipe(
        self, start: tuple[int, int], end: tuple[int, int], duration: int | None
    ) -> Answer:
        refused = self._refused("swipe")
        if start == end:  # phone_agent's long press is a swipe that does not move
            self.taps.append(
                TapRecord(start, self.point(start), self.current.name, refused is None, "long")
            )
            return refused or Answer()
        direction = swipe_direction(start, end)
        self.swipes.append(
            SwipeRecord(start, end, duration, self.current.name, refused is None, direction)
        )
        if refused is not None:
            return refused
        rule = first_match(self.current.swipes, direction)
        if rule is not None:
            self._follow(rule.goto)
        return Answer()

    def do_keys(self, keys: Sequence[str]) -> Answer:
        for key in keys:
            if key.startswith("--"):
                continue
            refused = self._refused("keyevent")
            self.do_key(key_name(key), delivered=refused is None)
            if refused is not None:
                return refused
        return Answer()

    def do_key(self, key: str, *, delivered: bool = True, record: bool = True) -> None:
        if record:
            self.keys.append(KeyRecord(key, self.current.name, delivered))
        if not delivered:
            return
        rule = first_match(self.current.keys, key)
        if rule is not None:
            self._follow(rule.goto)
        elif key == "KEYCODE_HOME":
            self.history.clear()
            self.current = self.home
        elif key == "KEYCODE_BACK" and self.history:
            self.current = self.screen_named(self.history.pop())
        elif key == "KEYCODE_DEL":
            self._text = self._text[:-1]

    def do_input_text(self, text: str) -> Answer:
        refused = self._refused("text")
        if refused is not None:
            return refused
        self._type(text.replace("%s", " "))
        return Answer()

    def clear_text(self) -> None:
        self._text = ""

    def _type(self, text: str) -> None:
        self._text += text
        self.typed.append(TypedRecord(text, self.current.name))

    def do_launch(self, package: str) -> Answer:
        if package not in self.packages or self.fault.take("no_activities"):
            self.launches.append(LaunchRecord(package, False))
            return Answer(NO_ACTIVITIES_CODE, b"", NO_ACTIVITIES.encode())
        self.launches.append(LaunchRecord(package, True))
        target = next((s for s in self.screens.values() if s.package == package), None)
        if target is None:
            target = self.screen(package, package=package)
        self.goto(target.name)
        return Answer(
            0,
            b"Events injected: 1\n## Network stats: elapsed time=12ms (0ms mobile, 0ms wifi, 12ms not connected)\n",
        )

    def do_broadcast(self, action: str, extras: dict[str, str]) -> None:
        """ADB Keyboard's broadcasts; they type only while it is the selected input method."""
        if self.ime.selected != ADB_KEYBOARD:
            return
        if action == "ADB_CLEAR_TEXT":
            self.clear_text()
        elif action in ("ADB_INPUT_B64", "ADB_INPUT_TEXT"):
            from pytest_autoglm.phone._adb import decode_b64

            raw = extras.get("msg", "")
            text = decode_b64(raw) if action == "ADB_INPUT_B64" else raw
            if text:
                self._type(text)

    # -- records and checks -----------------------------------------------------------

    @property
    def launched(self) -> list[str]:
        """Packages that were launched (``monkey -p``/``am start``), in order."""
        return [r.package for r in self.launches if r.delivered]

    @property
    def text(self) -> str:
        """What the focused text field holds now."""
        return self._text

    def assert_tapped(self, region: Any, *, screen: str | None = None) -> TapRecord:
        """Fail unless a delivered tap landed in ``region`` (0-999), on ``screen`` if given."""
        box = Region.of(region)
        __tracebackhide__ = True
        for tap in self.taps:
            if tap.delivered and tap.point in box and (screen is None or tap.screen == screen):
                return tap
        from pytest_autoglm.phone._records import cut

        seen = [
            f"{t.point} on {t.screen!r}" + ("" if t.delivered else "  (refused by the phone)")
            for t in self.taps
        ]
        where = f" on screen {screen!r}" if screen else ""
        raise AssertionError(
            f"no tap in region {box}{where} (0-999 coordinates); "
            + (f"{len(seen)} tap(s) seen:\n" + cut(seen) if seen else "no taps at all")
        )

    def assert_ime_restored(self) -> None:
        """Fail unless the input method selected now is the one the test started with."""
        __tracebackhide__ = True
        first, now = self.ime.history[0], self.ime.selected
        if first != now:
            changes = " -> ".join(self.ime.history)
            raise AssertionError(
                f"input method not restored: started as {first!r}, now {now!r}\n"
                f"    selections: {changes}"
            )

    def unknown_report(self) -> str:
        """The commands the fake did not know, each with the nearest one it knows."""
        from pytest_autoglm.phone._records import cut

        lines = [
            f"{u.line}" + (f"   (nearest known: {u.nearest})" if u.nearest else "")
            for u in self.unknown_commands
        ]
        return f"the fake phone got {len(lines)} command(s) it does not know:\n" + cut(lines)

    def assert_no_unknown_commands(self) -> None:
        """Fail if a command the fake does not know was run (the fixture checks at teardown)."""
        __tracebackhide__ = True
        if self.unknown_commands:
            raise AssertionError(self.unknown_report())

    def command_lines(self) -> list[str]:
        return [c.line for c in self.commands]

    def __repr__(self) -> str:
        return f"<FakePhone {self.main_device.serial} on {self.current.name!r}, {len(self.commands)} command(s)>"


class CommandTape(Protocol):
    """What the phone asks a cassette (:class:`~pytest_autoglm.cassettes.CassetteSession`)."""

    def check_command(self, tool: str, argv: tuple[str, ...]) -> str | None: ...

    def ran_command(self, tool: str, argv: tuple[str, ...], answer: Answer) -> None: ...


def _taped(
    tape: CommandTape, runner: Callable[[FakePhone, Request], tuple[Answer, str | None]],
    phone: FakePhone, request: Request,
) -> tuple[Answer, str | None]:  # fmt: skip
    """``runner`` under a cassette: a command other than the recorded one gets an error."""
    miss = tape.check_command(request.tool, request.argv)
    if miss is not None:
        return Answer(1, b"", f"{request.tool}: pytest-autoglm: {miss}\n".encode()), None
    answer, serial = runner(phone, request)
    tape.ran_command(request.tool, request.argv, answer)
    return answer, serial


def environ_path(bin_dir: Path) -> str:
    return os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
