"""Which fields of a request differ from a recorded one: the explanation of a cassette miss."""

from __future__ import annotations

from typing import Any

_SHOWN = 70


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 3] + "..."


def _show_pair(recorded: Any, got: Any) -> tuple[str, str]:
    """Both values, cut around the first character where two long strings part."""
    if isinstance(recorded, str) and isinstance(got, str):
        start = next((i for i, (a, b) in enumerate(zip(recorded, got, strict=False)) if a != b),
                     min(len(recorded), len(got)))  # fmt: skip
        if start > _SHOWN // 2:
            cut = start - 20
            return _show("..." + recorded[cut:]), _show("..." + got[cut:])
    return _show(recorded), _show(got)


def differences(recorded: Any, got: Any, path: str = "", limit: int = 5) -> list[str]:
    """``field: recorded X, request has Y`` lines, at most ``limit``, in document order."""
    out: list[str] = []
    _diff(recorded, got, path, out, limit)
    return out


def _diff(recorded: Any, got: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit or recorded == got:
        return
    if isinstance(recorded, dict) and isinstance(got, dict):
        for key in [*recorded, *(k for k in got if k not in recorded)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in got:
                out.append(f"{where}: recorded {_show(recorded[key])}, request has no {key!r}")
            elif key not in recorded:
                out.append(f"{where}: not recorded, request has {_show(got[key])}")
            else:
                _diff(recorded[key], got[key], where, out, limit)
            if len(out) >= limit:
                return
        return
    if isinstance(recorded, list) and isinstance(got, list):
        for i, (a, b) in enumerate(zip(recorded, got, strict=False)):
            _diff(a, b, f"{path}[{i}]", out, limit)
        if len(recorded) != len(got) and len(out) < limit:
            out.append(f"{path}: recorded {len(recorded)} items, request has {len(got)}")
        return
    shown_recorded, shown_got = _show_pair(recorded, got)
    out.append(f"{path}: recorded {shown_recorded}, request has {shown_got}")


def distance(recorded: Any, got: Any) -> int:
    """How many leaf fields differ (to pick the nearest recorded request)."""
    if recorded == got:
        return 0
    if isinstance(recorded, dict) and isinstance(got, dict):
        keys = set(recorded) | set(got)
        return sum(distance(recorded.get(k), got.get(k)) for k in keys)
    if isinstance(recorded, list) and isinstance(got, list):
        longest = max(len(recorded), len(got))
        return sum(
            distance(recorded[i] if i < len(recorded) else None, got[i] if i < len(got) else None)
            for i in range(longest)
        )
    return 1
