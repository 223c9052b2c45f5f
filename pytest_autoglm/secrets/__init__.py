"""Secrets: API keys and ``.env`` files for tests, and their redaction from every report.

- ``.env`` files are loaded before ``conftest.py`` is imported (``--autoglm-env-file``),
  never overriding variables already set unless ``--autoglm-env-override``.
- The ``autoglm_api_key`` fixture gives an :class:`ApiKey`: the real key, masked ``repr``.
- Every registered secret is replaced by ``***`` in failure text, captured output and
  logs, warnings, the terminal, junit xml, report logs and xdist worker reports. Code
  that writes its own records redacts through :func:`secret_registry`.
"""

from __future__ import annotations

from pytest_autoglm.secrets._apikey import KEY_VARIABLES, NO_KEY_REASON, ApiKey, find_api_key
from pytest_autoglm.secrets._envfile import (
    SECRET_NAME_PATTERNS,
    EnvFileError,
    EnvLoad,
    load_env_files,
    looks_secret,
)
from pytest_autoglm.secrets._matcher import MASK
from pytest_autoglm.secrets._registry import (
    MIN_SECRET_LENGTH,
    SecretRegistry,
    ShortSecretWarning,
    secret_registry,
)

__all__ = [
    "KEY_VARIABLES",
    "MASK",
    "MIN_SECRET_LENGTH",
    "NO_KEY_REASON",
    "SECRET_NAME_PATTERNS",
    "ApiKey",
    "EnvFileError",
    "EnvLoad",
    "SecretRegistry",
    "ShortSecretWarning",
    "find_api_key",
    "load_env_files",
    "looks_secret",
    "secret_registry",
]
