"""Hooks, options, markers and fixtures of the secrets capability (filled in by its issue)."""

from __future__ import annotations

from typing import Any

from pytest_autoglm._markers import MarkerSpec
from pytest_autoglm._options import Option

OPTIONS: tuple[Option[Any], ...] = ()
MARKERS: tuple[MarkerSpec[Any], ...] = ()
