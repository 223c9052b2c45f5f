"""The arguments of ``@pytest.mark.autoglm_cassette``, checked where they are written.

Apart from ``_options.py`` (declared there, built here on the marker's first use), so a
run that uses no cassette does not create this dataclass at startup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class CassetteOptions:
    """The arguments of ``@pytest.mark.autoglm_cassette``."""

    name: str
    #: replay timing: 1.0 as recorded, 0 at once, 0.1 ten times faster
    timing: float = 1.0
    #: recorded interactions a replay never asks for do not fail the test
    allow_unused: bool = False

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name={name!r}: expected the cassette's name, e.g. 'login'")
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts:
            raise ValueError(f"name={name!r}: give a name inside the cassettes folder "
                             "(no absolute path, no '..')")  # fmt: skip
        timing = self.timing
        if isinstance(timing, bool) or not isinstance(timing, (int, float)) or timing < 0:
            raise ValueError(f"timing={timing!r}: expected a number >= 0 (1.0: as recorded)")
        if not isinstance(self.allow_unused, bool):
            raise ValueError(f"allow_unused={self.allow_unused!r}: expected True or False")

    def path_for(self, test_file: Path) -> Path:
        name = self.name if self.name.endswith(".jsonl") else self.name + ".jsonl"
        return test_file.parent / "cassettes" / name
