"""Hooks through which each capability adds to the one header line and the summary section."""

from __future__ import annotations

import pytest


def pytest_autoglm_header(config: pytest.Config) -> str | None:
    """Return a fragment for the ``autoglm:`` report header line, or ``None``."""


def pytest_autoglm_summary(config: pytest.Config) -> list[str] | None:
    """Return lines for the ``autoglm`` terminal summary section, or ``None``."""
