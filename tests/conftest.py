"""Shared set-up for the project's own tests (pytester is enabled in pyproject's addopts)."""
