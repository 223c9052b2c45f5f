"""The capability list: which plugin modules the kit registers, and what they declare.

Each name in :data:`FEATURES` is a plugin module ``pytest_autoglm._plugins.<name>`` that
declares ``OPTIONS`` and ``MARKERS``. Only the entry point (``plugin.py``) and the docs
read this list; nothing below them does (``_settings.py`` resolves each option on first
use, so it needs no list), which keeps the import graph free of circles.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_autoglm._markers import MarkerSpec
    from pytest_autoglm._options import Option

#: Capability plugin modules, in the order their header fragments are printed.
FEATURES: tuple[str, ...] = (
    "server",
    "gpu",
    "strategies",
    "leaks",
    "models",
    "secrets",
    "deps",
    "phone",
    "live",
    "realserver",
    "containers",
)


@cache
def feature_modules() -> tuple[ModuleType, ...]:
    """The capability plugin modules, imported once (cheap: none imports a heavy package)."""
    return tuple(importlib.import_module(f"pytest_autoglm._plugins.{name}") for name in FEATURES)


def all_options() -> Iterator[Option[Any]]:
    for module in feature_modules():
        yield from getattr(module, "OPTIONS", ())


def all_markers() -> Iterator[MarkerSpec[Any]]:
    for module in feature_modules():
        yield from getattr(module, "MARKERS", ())
