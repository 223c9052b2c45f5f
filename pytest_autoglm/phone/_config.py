"""The ``@pytest.mark.autoglm_phone(...)`` options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class PhoneConfig:
    """How ``autoglm_phone`` builds its phone; every field has the default shown."""

    serial: str = "emulator-5554"
    size: tuple[int, int] = (1080, 2400)
    #: a YAML or JSON scenario file loaded before the test (relative to the test's file)
    scenario: str | Path | None = None
    #: set phone_agent's PHONE_AGENT_*_DELAY variables (and its loaded timing config) to 0
    zero_delays: bool = True
    #: fail the test at teardown when a command the fake does not know was run
    strict: bool = True

    def __post_init__(self) -> None:
        size = tuple(self.size)
        if len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size):
            raise ValueError(f"size={self.size!r}: expected (width, height) in pixels, both > 0")
        object.__setattr__(self, "size", size)
        if (
            not isinstance(self.serial, str)
            or not self.serial
            or any(c.isspace() for c in self.serial)
        ):
            raise ValueError(f"serial={self.serial!r}: expected a serial without spaces")
