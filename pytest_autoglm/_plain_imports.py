"""The kit's own start-up modules, imported past pytest's assertion rewriter.

pytest marks every module of a plugin's distribution for assertion rewriting and loads each
one through its rewrite hook, which reads the cached code with ``marshal.load`` on an open
file: one Python-level ``readinto`` per marshalled object, about five times the normal
loader's cost. For the ~35 modules the plugin imports at start-up that was more than half of
what the plugin added to every pytest run (bench/bench_startup.py: 127 M instructions with
the hook, 72 M without). Rewriting gains nothing there: those modules register options,
markers, hooks and fixtures and hold no ``assert`` a test could see fail.

:func:`plain_imports` puts a finder ahead of pytest's hook while the plugin loads: it hands
the normal path finder's spec (the usual ``SourceFileLoader`` and ``__pycache__``) for every
``pytest_autoglm`` module except the assertion helpers (:data:`ASSERTION_HELPERS`), which
stay pytest's, and it is gone again when the plugin has loaded. Anything imported later
(the capability code behind a fixture) goes through pytest's hook as before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType

#: the modules of the kit's assertion helpers: pytest rewrites them (``__init__``)
ASSERTION_HELPERS: tuple[str, ...] = (
    "pytest_autoglm.server._calls",
    "pytest_autoglm.leaks._api",
    "pytest_autoglm.leaks._check",
)

_PACKAGE = "pytest_autoglm."


class _PlainFinder:
    """A meta path finder for the kit's own modules that pytest need not rewrite."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not name.startswith(_PACKAGE) or _is_assertion_helper(name):
            return None  # the next finder (pytest's hook, then the path finder) decides
        return PathFinder.find_spec(name, path, target)


def _is_assertion_helper(name: str) -> bool:
    return any(name == helper or name.startswith(helper + ".") for helper in ASSERTION_HELPERS)


@contextmanager
def plain_imports() -> Iterator[None]:
    """Import ``pytest_autoglm`` modules with the normal loader inside the block."""
    finder = _PlainFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        with suppress(ValueError):  # somebody reset sys.meta_path meanwhile
            sys.meta_path.remove(finder)
