"""Secrets: API keys and ``.env`` files for tests, and their redaction from every report.

- ``.env`` files are loaded before ``conftest.py`` is imported (``--autoglm-env-file``),
  never overriding variables already set unless ``--autoglm-env-override``.
- The ``autoglm_api_key`` fixture gives an :class:`ApiKey`: the real key, masked ``repr``.
- Every registered secret is replaced by ``***`` in failure text, captured output and
  logs, warnings, the terminal, junit xml, report logs and xdist worker reports. Code
  that writes its own records redacts through :func:`secret_registry`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "KEY_VARIABLES": "_apikey",
    "MASK": "_matcher",
    "MIN_SECRET_LENGTH": "_registry",
    "NO_KEY_REASON": "_apikey",
    "SECRET_NAME_PATTERNS": "_envfile",
    "ApiKey": "_apikey",
    "EnvFileError": "_envfile",
    "EnvLoad": "_envfile",
    "SecretRegistry": "_registry",
    "ShortSecretWarning": "_registry",
    "find_api_key": "_apikey",
    "load_env_files": "_envfile",
    "looks_secret": "_envfile",
    "secret_registry": "_registry",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.secrets._apikey import KEY_VARIABLES as KEY_VARIABLES
    from pytest_autoglm.secrets._apikey import NO_KEY_REASON as NO_KEY_REASON
    from pytest_autoglm.secrets._apikey import ApiKey as ApiKey
    from pytest_autoglm.secrets._apikey import find_api_key as find_api_key
    from pytest_autoglm.secrets._envfile import SECRET_NAME_PATTERNS as SECRET_NAME_PATTERNS
    from pytest_autoglm.secrets._envfile import EnvFileError as EnvFileError
    from pytest_autoglm.secrets._envfile import EnvLoad as EnvLoad
    from pytest_autoglm.secrets._envfile import load_env_files as load_env_files
    from pytest_autoglm.secrets._envfile import looks_secret as looks_secret
    from pytest_autoglm.secrets._matcher import MASK as MASK
    from pytest_autoglm.secrets._registry import MIN_SECRET_LENGTH as MIN_SECRET_LENGTH
    from pytest_autoglm.secrets._registry import SecretRegistry as SecretRegistry
    from pytest_autoglm.secrets._registry import ShortSecretWarning as ShortSecretWarning
    from pytest_autoglm.secrets._registry import secret_registry as secret_registry

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
