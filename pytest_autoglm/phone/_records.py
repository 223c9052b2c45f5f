"""What the fake phone saw: every command, and the taps, swipes, keys, text and launches."""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One run of the fake ``adb``/``hdc``: its arguments, answer and time (the test's clock)."""

    tool: str
    argv: tuple[str, ...]
    serial: str | None
    code: int
    stdout: str
    stderr: str
    time: float
    screen: str

    @property
    def line(self) -> str:
        return shlex.join((self.tool, *self.argv))

    def __str__(self) -> str:
        return f"{self.line}  -> {self.code}"


@dataclass(frozen=True)
class TapRecord:
    """A tap at ``pixels``; ``point`` is the same place in 0-999 coordinates."""

    pixels: tuple[int, int]
    point: tuple[int, int]
    screen: str
    delivered: bool
    kind: str = "tap"  # or "double", "long"


@dataclass(frozen=True)
class SwipeRecord:
    start: tuple[int, int]
    end: tuple[int, int]
    duration_ms: int | None
    screen: str
    delivered: bool
    direction: str


@dataclass(frozen=True)
class KeyRecord:
    key: str
    screen: str
    delivered: bool


@dataclass(frozen=True)
class TypedRecord:
    """Text that reached the focused field (through ADB Keyboard or ``input text``)."""

    text: str
    screen: str


@dataclass(frozen=True)
class LaunchRecord:
    package: str
    delivered: bool


@dataclass(frozen=True)
class UnknownCommand:
    line: str
    nearest: str | None


def cut(items: list[str], limit: int = 12) -> str:
    """Lines of ``items``, long lists cut with "...and N more"."""
    shown = items[:limit]
    more = f"\n    ...and {len(items) - limit} more" if len(items) > limit else ""
    return "\n".join(f"    {item}" for item in shown) + more
