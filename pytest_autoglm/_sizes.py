"""Memory sizes as users write them (``"24 GiB"``, ``"512 MB"``, ``"1.5GiB"``) and as reports print them."""

from __future__ import annotations

import math
import re
from decimal import Decimal

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
#: 1 EiB: far above any machine's memory, low enough that arithmetic on sizes stays exact.
MAX_SIZE = 1024**6
_MAX_TEXT = 64  # longer strings are refused before any arithmetic


class SizeError(ValueError):
    """A size string that does not parse; the message names the value and the accepted forms."""


def parse_size(value: str | int | float) -> int:
    """Return a size in bytes; binary units (KiB, MiB, GiB) are 1024-based, SI units 1000-based."""
    if isinstance(value, bool):
        raise SizeError(f"invalid size {value!r}: expected {ACCEPTED_SIZES}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise SizeError(f"invalid size {value!r}: a size must be a finite number")
        if value < 0:
            raise SizeError(f"invalid size {value!r}: a size cannot be negative")
        return _bounded(int(value), value)
    if not isinstance(value, str):
        raise SizeError(
            f"invalid size {value!r} ({type(value).__name__}): expected {ACCEPTED_SIZES}"
        )
    if len(value) > _MAX_TEXT:
        raise SizeError(f"invalid size {value[:20]!r}... ({len(value)} characters): too long")
    match = _SIZE.match(value)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise SizeError(f"invalid size {value!r}: expected {ACCEPTED_SIZES}")
    # Decimal, not float: exact for "1.1 GiB" and never overflows on long digit strings.
    return _bounded(int(Decimal(match.group(1)) * _UNITS[unit]), value)


def _bounded(size: int, value: object) -> int:
    if size > MAX_SIZE:
        shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:20]}..."
        raise SizeError(f"invalid size {shown}: larger than the 1 EiB limit")
    return size


def format_size(num_bytes: float) -> str:
    """Human units, binary: ``format_size(12698) == "12.4 KiB"``; negative values keep their sign."""
    sign = "-" if num_bytes < 0 else ""
    size = abs(float(num_bytes))
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{sign}{size:.0f} {unit}" if unit == "B" else f"{sign}{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover
