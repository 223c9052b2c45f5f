"""Public names that load on first access, so importing a package stays cheap."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    ``homes`` maps each public name to the module that defines it: an absolute module
    name, or a submodule of ``package`` (``"_api"``). Every subpackage uses it the same
    way: a ``_EXPORTS`` table, ``__all__ = list(_EXPORTS)``, the same names imported
    under ``if TYPE_CHECKING:`` (``tests/frame/test_public_api.py`` checks all three).

    A name is not cached in the package: each access asks ``sys.modules`` for the home
    module (a dict lookup), so a package never hands out a class from a module instance
    that is gone (pytester's in-process runs drop the modules first imported inside them,
    and a cached class would then differ from the one the next run raises).
    """
    namespace = sys.modules[package].__dict__
    modules = {
        name: home if home.startswith("pytest_autoglm") else f"{package}.{home}"
        for name, home in homes.items()
    }

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
