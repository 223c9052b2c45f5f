"""Eager argument checks: a bad argument fails when the strategy is built, naming the culprit.

Each check raises hypothesis's ``InvalidArgument`` (what hypothesis's own strategies raise)
with ``Expected X but got name=value (type=...)``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hypothesis.errors import InvalidArgument


def _got(name: str, value: Any) -> str:
    return f"{name}={value!r} (type={type(value).__name__})"


def check_type(name: str, value: Any, expected: type | tuple[type, ...], what: str) -> None:
    # bool is an int subclass; a flag where a count belongs is always a mistake.
    if isinstance(value, bool) and bool not in (
        expected if isinstance(expected, tuple) else (expected,)
    ):
        raise InvalidArgument(f"Expected {what} but got {_got(name, value)}")
    if not isinstance(value, expected):
        raise InvalidArgument(f"Expected {what} but got {_got(name, value)}")


def check_int(name: str, value: Any, *, min_value: int = 0) -> int:
    check_type(name, value, int, f"an integer >= {min_value}")
    if value < min_value:
        raise InvalidArgument(f"Expected an integer >= {min_value} but got {_got(name, value)}")
    return int(value)


def check_bool(name: str, value: Any) -> bool:
    check_type(name, value, bool, "True or False")
    return bool(value)


def check_range(min_name: str, min_value: int, max_name: str, max_value: int) -> None:
    if min_value > max_value:
        raise InvalidArgument(
            f"Expected {min_name} <= {max_name} but got {min_name}={min_value!r}, "
            f"{max_name}={max_value!r}; lower {min_name} or raise {max_name}"
        )


def check_choice(name: str, value: Any, accepted: Collection[Any]) -> None:
    if value not in accepted:
        forms = ", ".join(repr(a) for a in accepted)
        raise InvalidArgument(f"Expected one of {forms} but got {_got(name, value)}")


def check_subset(name: str, values: Any, accepted: Collection[str]) -> tuple[str, ...]:
    """A non-empty collection of names, each one of ``accepted`` (a string alone is refused)."""
    if isinstance(values, str) or not isinstance(values, Collection):
        raise InvalidArgument(
            f"Expected a list of names from {sorted(accepted)} but got {_got(name, values)}"
        )
    unknown = [v for v in values if v not in accepted]
    if unknown:
        raise InvalidArgument(
            f"Expected names from {sorted(accepted)} but got unknown {unknown!r} in {name}"
        )
    if not values:
        raise InvalidArgument(f"Expected at least one name in {name} but got {name}=[]")
    return tuple(dict.fromkeys(values))
