"""pytest-autoglm: test Open-AutoGLM integrations offline, in CI, and on real GPUs.

The public API is listed in ``__all__`` (a tested contract). Names are imported lazily
on first access, so that loading the pytest plugin stays cheap: ``import
pytest_autoglm`` imports none of respx, httpx, hypothesis, torch, pynvml or docker.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest

# Assertion helpers get pytest's rewritten, readable failure messages.
pytest.register_assert_rewrite("pytest_autoglm.server._calls", "pytest_autoglm.leaks")

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "parse_size": "pytest_autoglm._sizes",
    "format_size": "pytest_autoglm._sizes",
    "SizeError": "pytest_autoglm._sizes",
}

__all__ = [
    "SizeError",
    "__version__",
    "format_size",
    "parse_size",
]

if TYPE_CHECKING:
    from pytest_autoglm._sizes import SizeError, format_size, parse_size


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_autoglm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
