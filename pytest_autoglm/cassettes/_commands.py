"""Device commands in a cassette: the ``adb``/``hdc`` runs of the fake phone, in order.

A test with ``autoglm_phone`` records each command the code under test ran (its arguments,
exit code and output) between the model exchanges it came between, one line each::

    {"command": 3, "tool": "adb", "argv": ["-s", "emulator-5554", "shell", "input", "tap", "540", "1200"], "exit": 0}

The fake phone still answers every command (its screens, faults and records work as
usual); replay checks that the commands come in the recorded order. One that differs gets
an error answer and fails the test, naming the nearest recorded command and what differs.

Arguments are stored normalised: a UUID becomes ``<uuid>`` and the temporary folder
``<tmp>`` (phone_agent pulls each screenshot to ``<tmp>/screenshot_<uuid4>.png``), and
pytest's numbered temporary folders ``<pytest-tmp>``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_autoglm.server._images import image_format

if TYPE_CHECKING:
    from pytest_autoglm.phone._control import Answer as PhoneAnswer

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PYTEST_TMP = re.compile(r"pytest-of-[^/]+/pytest-\d+")


def normalise_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """``argv`` as a cassette stores and compares it (no run-specific names)."""
    tmp = tempfile.gettempdir().rstrip("/")
    out = []
    for raw in argv:
        arg = _UUID.sub("<uuid>", raw)
        if tmp and (arg == tmp or arg.startswith(tmp + "/")):
            arg = "<tmp>" + arg[len(tmp) :]
        out.append(_PYTEST_TMP.sub("<pytest-tmp>", arg))
    return tuple(out)


def _output(data: bytes) -> str | dict[str, Any]:
    """Text as it is; bytes that are not UTF-8 (``exec-out screencap -p``) as a digest."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        kind = image_format(data)
        digest = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        return {"image": kind, **digest} if kind else digest


@dataclass(frozen=True)
class DeviceCommand:
    """One recorded ``adb``/``hdc`` run; ``after``: how many model exchanges came before it."""

    tool: str
    argv: tuple[str, ...]
    exit: int = 0
    stdout: str | dict[str, Any] = ""
    stderr: str | dict[str, Any] = ""
    hang: float = 0.0
    after: int = 0

    @staticmethod
    def of(tool: str, argv: Sequence[str], answer: PhoneAnswer, *, after: int) -> DeviceCommand:
        """The cassette's record of a run the fake phone answered with ``answer``."""
        return DeviceCommand(tool, normalise_argv(argv), answer.code, _output(answer.stdout),
                             _output(answer.stderr), answer.hang, after)  # fmt: skip

    @property
    def line_text(self) -> str:
        return shlex.join((self.tool, *self.argv))

    def line(self, n: int) -> dict[str, Any]:
        out: dict[str, Any] = {"command": n, "tool": self.tool, "argv": list(self.argv),
                               "exit": self.exit}  # fmt: skip
        for name in ("stdout", "stderr"):
            if value := getattr(self, name):
                out[name] = value
        if self.hang:
            out["hang"] = self.hang
        return out

    @staticmethod
    def from_line(line: dict[str, Any], after: int) -> DeviceCommand:
        argv = line["argv"]
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise ValueError("argv must be a list of strings")
        return DeviceCommand(str(line["tool"]), tuple(argv), int(line.get("exit", 0)),
                             line.get("stdout", ""), line.get("stderr", ""),
                             float(line.get("hang", 0.0)), after)  # fmt: skip


def argv_differences(recorded: DeviceCommand, tool: str, argv: tuple[str, ...]) -> list[str]:
    """``argv[5]: recorded '1180', command has '1200'`` lines, at most five."""
    out = []
    if recorded.tool != tool:
        out.append(f"tool: recorded {recorded.tool!r}, command has {tool!r}")
    matcher = difflib.SequenceMatcher(None, recorded.argv, argv, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        was, now = shlex.join(recorded.argv[a1:a2]), shlex.join(argv[b1:b2])
        if op == "replace" and a2 - a1 == b2 - b1 == 1:
            out.append(f"argv[{b1}]: recorded {was!r}, command has {now!r}")
        elif op == "replace":
            out.append(f"argv[{b1}:{b2}]: recorded {was!r}, command has {now!r}")
        elif op == "insert":
            out.append(f"argv[{b1}]: command has {now!r}, not recorded")
        elif op == "delete":
            out.append(f"argv[{b1}]: recorded {was!r}, command has not")
    return out[:5]


class CommandCheck:
    """Replay's side: the recorded commands, checked in order as the phone runs them.

    A command equal to the next recorded one moves on. One equal to a later recorded one
    moves on to it (the commands between were not run: :meth:`unused` lists them). Any
    other command is a miss: :meth:`check` explains it, and the position stays, so an
    extra command costs one miss and a changed one is followed by the rest as recorded.
    """

    def __init__(self, recorded: list[DeviceCommand], where: str) -> None:
        self.recorded = recorded
        self.where = where
        self._next = 0
        self._run = [False] * len(recorded)
        self.misses: list[str] = []

    @property
    def checked(self) -> int:
        return sum(self._run)

    def mark(self) -> tuple[int, list[bool], int]:
        """Where the check stands, for :meth:`rewind` (a leak check's next round)."""
        return self._next, list(self._run), len(self.misses)

    def rewind(self, mark: tuple[int, list[bool], int]) -> None:
        self._next, run, misses = mark
        self._run = list(run)
        del self.misses[misses:]

    def check(self, tool: str, argv: Sequence[str]) -> str | None:
        """None when the command is the next recorded one; else why it is not."""
        normal = normalise_argv(argv)
        for i in range(self._next, len(self.recorded)):
            if self.recorded[i].tool == tool and self.recorded[i].argv == normal:
                self._run[i] = True
                self._next = i + 1
                return None
        line = shlex.join((tool, *normal))
        if self._next >= len(self.recorded):
            why = (f"device command {line} is not in {self.where}: all "
                   f"{len(self.recorded)} recorded command(s) were already run")  # fmt: skip
        else:
            nearest = self._nearest(tool, normal)
            cmd = self.recorded[nearest]
            lines = [f"device command {line} is not the next one in {self.where}; the nearest "
                     f"recorded is #{nearest + 1} {cmd.line_text}, which differs in:"]  # fmt: skip
            lines += [f"    {d}" for d in argv_differences(cmd, tool, normal)]
            why = "\n".join(lines)
        self.misses.append(why)
        return why

    def _nearest(self, tool: str, argv: tuple[str, ...]) -> int:
        def score(i: int) -> tuple[bool, float, int]:
            cmd = self.recorded[i]
            ratio = difflib.SequenceMatcher(None, cmd.argv, argv).ratio()
            return (cmd.tool != tool, -ratio, i - self._next)

        return min(range(self._next, len(self.recorded)), key=score)

    def unused(self) -> list[str]:
        """Recorded commands never run (``#n adb ...``)."""
        return [f"#{i + 1} {c.line_text}" for i, c in enumerate(self.recorded) if not self._run[i]]
