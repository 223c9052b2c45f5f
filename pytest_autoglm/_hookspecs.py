"""Hooks through which conftests and other plugins add to the ``autoglm:`` header line and
the ``autoglm`` summary section (the kit's own capabilities provide ``autoglm_header`` /
``autoglm_summary`` functions that the frame calls directly, before these)."""

from __future__ import annotations

import pytest


def pytest_autoglm_header(config: pytest.Config) -> str | None:
    """Return a fragment for the ``autoglm:`` report header line, or ``None``."""


def pytest_autoglm_summary(config: pytest.Config) -> list[str] | None:
    """Return lines for the ``autoglm`` terminal summary section, or ``None``."""
