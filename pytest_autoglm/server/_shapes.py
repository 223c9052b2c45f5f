"""The error body shape of each server flavour: the JSON value an :class:`ApiError` is sent as.

A declaration per flavour (the shape does not change between a flavour's versions), kept
below both ``_errors`` and ``_profiles`` so that an error renders without the profiles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_autoglm.server._errors import ApiError


def _vllm(error: ApiError) -> Any:
    """``{"error": {...}}`` with the status as ``code``."""
    code = error.status if error.code is None else error.code
    return {"error": {"message": error.message, "type": error.type, "param": error.param,
                      "code": code}}  # fmt: skip


def _sglang(error: ApiError) -> Any:
    """The flat legacy ``{"object": "error", ...}``."""
    code = error.status if error.code is None else error.code
    return {"object": "error", "message": error.message, "type": error.type,
            "param": error.param, "code": code}  # fmt: skip


def _bigmodel(error: ApiError) -> Any:
    """``{"error": {"code": "<business code>", "message": ...}}``."""
    code = error.status if error.code is None else error.code
    return {"error": {"code": str(code), "message": error.message}}


def _openai(error: ApiError) -> Any:
    """Nested, with the string ``code`` as given (``None`` when there is none)."""
    return {"error": {"message": error.message, "type": error.type, "param": error.param,
                      "code": error.code}}  # fmt: skip


#: flavour -> its error body; the keys are the flavours the fake server knows
SHAPES: dict[str, Callable[[ApiError], Any]] = {
    "vllm": _vllm,
    "sglang": _sglang,
    "bigmodel": _bigmodel,
    "openai": _openai,
}
