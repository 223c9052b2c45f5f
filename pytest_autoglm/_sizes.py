"""Memory sizes as users write them (``"24 GiB"``, ``"512 MB"``, ``"1.5GiB"``) and as reports print them."""

from __future__ import annotations

import re

_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "k": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$")
ACCEPTED_SIZES = '"24 GiB", "512 MB", "1.5GiB", "64 KiB" or a whole number of bytes'


class SizeError(ValueError):
    """A size string that does not parse; the message names the value and the accepted forms."""


def parse_size(value: str | int | float) -> int:
    """Return a size in bytes; binary units (KiB, MiB, GiB) are 1024-based, SI units 1000-based."""
    if isinstance(value, bool):
        raise SizeError(f"invalid size {value!r}: expected {ACCEPTED_SIZES}")
    if isinstance(value, int | float):
        if value < 0:
            raise SizeError(f"invalid size {value!r}: a size cannot be negative")
        return int(value)
    if not isinstance(value, str):
        raise SizeError(
            f"invalid size {value!r} ({type(value).__name__}): expected {ACCEPTED_SIZES}"
        )
    match = _SIZE.match(value)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise SizeError(f"invalid size {value!r}: expected {ACCEPTED_SIZES}")
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(num_bytes: float) -> str:
    """Human units, binary: ``format_size(12698) == "12.4 KiB"``; negative values keep their sign."""
    sign = "-" if num_bytes < 0 else ""
    size = abs(float(num_bytes))
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{sign}{size:.0f} {unit}" if unit == "B" else f"{sign}{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover
