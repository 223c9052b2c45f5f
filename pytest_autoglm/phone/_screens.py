"""Screens, tap regions and their pictures: the states a fake phone moves through."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from pytest_autoglm._png import encode_png
from pytest_autoglm.phone._errors import ScenarioError

if TYPE_CHECKING:
    from pytest_autoglm.phone._phone import FakePhone

#: Where a tap, key or swipe leads: a screen name, or a callable given the phone that
#: returns one (``None`` stays on the current screen).
Goto = Union[str, Callable[["FakePhone"], "str | None"], None]  # noqa: UP007 (a runtime alias)

HOME_PACKAGE = "com.google.android.apps.nexuslauncher"
HOME_ACTIVITY = ".NexusLauncherActivity"
#: a point given to ``on_tap`` stands for a box this far around it (0-999 units)
POINT_SLACK = 25


@dataclass(frozen=True)
class Region:
    """A box in the model's 0-999 coordinates, edges included."""

    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def of(cls, value: Any) -> Region:
        if isinstance(value, Region):
            return value
        try:
            numbers = [int(v) for v in value]
        except (TypeError, ValueError):
            numbers = []
        if len(numbers) == 2:
            x, y = numbers
            numbers = [x - POINT_SLACK, y - POINT_SLACK, x + POINT_SLACK, y + POINT_SLACK]
            numbers = [min(999, max(0, n)) for n in numbers]
        if len(numbers) != 4 or numbers[0] > numbers[2] or numbers[1] > numbers[3]:
            raise ScenarioError(
                f"region {value!r}: expected (left, top, right, bottom) or a point (x, y) in "
                "0-999 coordinates, left <= right and top <= bottom"
            )
        return cls(*numbers)

    def __contains__(self, point: object) -> bool:
        if not isinstance(point, tuple) or len(point) != 2:
            return False
        x, y = point
        return bool(self.left <= x <= self.right and self.top <= y <= self.bottom)

    def __str__(self) -> str:
        return f"({self.left}, {self.top}, {self.right}, {self.bottom})"


@dataclass
class Rule:
    """``when`` (a region, a key name or a swipe direction) leads to ``goto``."""

    when: Any
    goto: Goto


Colour = tuple[int, int, int]


def name_colour(name: str) -> Colour:
    """A stable, distinct colour per screen name, so different screens differ on the wire."""
    digest = zlib.crc32(name.encode("utf-8"))
    return (digest & 0xFF, (digest >> 8) & 0xFF, (digest >> 16) & 0xFF)


@dataclass
class Screen:
    """One state of the phone: what app is in front, what the screenshot shows, what taps do."""

    name: str
    package: str = HOME_PACKAGE
    activity: str = HOME_ACTIVITY
    image: bytes | None = None
    colour: Colour | None = None
    secure: bool = False
    taps: list[Rule] = field(default_factory=list)
    keys: list[Rule] = field(default_factory=list)
    swipes: list[Rule] = field(default_factory=list)

    def on_tap(self, region: Any, goto: Goto = None) -> Screen:
        """A tap inside ``region`` (0-999 box or point) leads to ``goto``."""
        self.taps.append(Rule(Region.of(region), goto))
        return self

    def on_key(self, key: str, goto: Goto = None) -> Screen:
        """A key event (``"back"``, ``"home"``, ``"enter"`` or ``KEYCODE_*``) leads to ``goto``."""
        self.keys.append(Rule(key_name(key), goto))
        return self

    def on_swipe(self, direction: str, goto: Goto = None) -> Screen:
        """A swipe ``"up"``, ``"down"``, ``"left"`` or ``"right"`` leads to ``goto``."""
        if direction not in DIRECTIONS:
            raise ScenarioError(f"swipe direction {direction!r}: expected one of {DIRECTIONS}")
        self.swipes.append(Rule(direction, goto))
        return self

    @property
    def component(self) -> str:
        return f"{self.package}/{self.activity}"

    def png(self, size: tuple[int, int]) -> bytes:
        """The screenshot: the given image, or one drawn in this screen's own colour."""
        if self.image is not None:
            return self.image
        if self.secure:
            return black_png(size)
        colour = self.colour or name_colour(self.name)
        width, height = size
        return encode_png(width, height, colour, (0, 0, 0), max(1, height // 25))


def black_png(size: tuple[int, int]) -> bytes:
    """What a secure (FLAG_SECURE) window captures as on Android 12+: all black."""
    width, height = size
    return encode_png(width, height, (0, 0, 0), (0, 0, 0), 1)


def load_image(value: bytes | str | Path | None, where: str) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    path = Path(value)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read image {str(path)!r}: {exc.strerror}") from None


DIRECTIONS = ("up", "down", "left", "right")

#: Android key codes phone_agent and common wrappers send, by number and by name.
KEYCODES = {
    "3": "KEYCODE_HOME",
    "4": "KEYCODE_BACK",
    "24": "KEYCODE_VOLUME_UP",
    "25": "KEYCODE_VOLUME_DOWN",
    "26": "KEYCODE_POWER",
    "66": "KEYCODE_ENTER",
    "67": "KEYCODE_DEL",
    "82": "KEYCODE_MENU",
    "187": "KEYCODE_APP_SWITCH",
    "224": "KEYCODE_WAKEUP",
}
_SHORT = {"back": "KEYCODE_BACK", "home": "KEYCODE_HOME", "enter": "KEYCODE_ENTER"}


def key_name(key: str) -> str:
    """``"4"``, ``"back"``, ``"KEYCODE_BACK"`` all become ``"KEYCODE_BACK"``."""
    key = str(key).strip()
    if key in KEYCODES:
        return KEYCODES[key]
    if key.lower() in _SHORT:
        return _SHORT[key.lower()]
    upper = key.upper()
    return upper if upper.startswith("KEYCODE_") else f"KEYCODE_{upper}"


def swipe_direction(start: tuple[int, int], end: tuple[int, int]) -> str:
    """The direction a finger moved (the content scrolls the other way)."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    if abs(dx) > abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def first_match(rules: Sequence[Rule], value: Any) -> Rule | None:
    for rule in rules:
        if isinstance(rule.when, Region) and value in rule.when:
            return rule
        if rule.when == value:
            return rule
    return None
