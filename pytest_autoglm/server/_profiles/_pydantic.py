"""Pydantic's error texts as vLLM 0.32.0 passes them on (measured), and its lax coercion.

Two layouts: FastAPI's request validation, which vLLM writes as ``N validation errors:``
with one dict per line (first 10, then ``...and N more errors``), and pydantic's own
``str(ValidationError)``, used for content parts (``N validation errors for
ValidatorIterator``). Only the error kinds the probe corpus meets are modelled.
"""

from __future__ import annotations

import math
from typing import Any

PYDANTIC_VERSION = "2.14"
INVALID = object()


def shown(value: Any) -> str:
    """How FastAPI's error dict shows an input: ``str()``, containers as counts."""
    if isinstance(value, dict):
        return f"<dict of {len(value)} items>"
    if isinstance(value, list):
        return f"<list of {len(value)} items>"
    return str(value)


def item(
    type_: str, loc: str, msg: str, value: Any, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type_, "loc": loc, "msg": msg, "input": shown(value)}
    if ctx is not None:
        error["ctx"] = ctx
    return error


def request_errors(errors: list[dict[str, Any]]) -> str:
    count = len(errors)
    lines = [f"{count} validation error{'s' if count != 1 else ''}:"]
    lines += [f"  {error!r}" for error in errors[:10]]
    if count > 10:
        lines.append(f"  ...and {count - 10} more errors")
    return "\n".join(lines)


def iterator_errors(errors: list[tuple[str, str, str, Any]]) -> str:
    """``(loc, msg, type, input)`` tuples as ``str(ValidationError)`` of a ValidatorIterator."""
    count = len(errors)
    lines = [f"{count} validation error{'s' if count != 1 else ''} for ValidatorIterator"]
    for loc, msg, kind, value in errors:
        lines.append(loc)
        lines.append(
            f"  {msg} [type={kind}, input_value={value!r}, input_type={type(value).__name__}]"
        )
        lines.append(
            f"    For further information visit https://errors.pydantic.dev/{PYDANTIC_VERSION}/v/{kind}"
        )
    return "\n".join(lines)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def lax_int(loc: str, value: Any, errors: list[dict[str, Any]]) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        errors.append(item("int_from_float", loc,
                           "Input should be a valid integer, got a number with a fractional part", value))  # fmt: skip
        return INVALID
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
        errors.append(item("int_parsing", loc,
                           "Input should be a valid integer, unable to parse string as an integer", value))  # fmt: skip
        return INVALID
    errors.append(item("int_type", loc, "Input should be a valid integer", value))
    return INVALID


def lax_float(loc: str, value: Any, errors: list[dict[str, Any]]) -> Any:
    if value is None or _number(value):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
        errors.append(item("float_parsing", loc,
                           "Input should be a valid number, unable to parse string as a number", value))  # fmt: skip
        return INVALID
    errors.append(item("float_type", loc, "Input should be a valid number", value))
    return INVALID


_TRUE = frozenset({"t", "y", "on", "yes", "true", "1"})
_FALSE = frozenset({"f", "n", "no", "off", "false", "0"})


def lax_bool(loc: str, value: Any, errors: list[dict[str, Any]]) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if _number(value) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, (str, int, float)):
        errors.append(item("bool_parsing", loc,
                           "Input should be a valid boolean, unable to interpret input", value))  # fmt: skip
    else:
        errors.append(item("bool_type", loc, "Input should be a valid boolean", value))
    return INVALID


def strict_str(loc: str, value: Any, errors: list[dict[str, Any]]) -> Any:
    if value is None or isinstance(value, str):
        return value
    errors.append(item("string_type", loc, "Input should be a valid string", value))
    return INVALID


def str_or_list(loc: str, value: Any, errors: list[dict[str, Any]]) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    errors.append(item("string_type", loc, "Input should be a valid string", value))
    if not isinstance(value, list):
        errors.append(item("list_type", loc, "Input should be a valid list", value))
    return INVALID
