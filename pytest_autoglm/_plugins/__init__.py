"""One pytest plugin module per capability, registered by :mod:`pytest_autoglm.plugin`.

Each module declares ``OPTIONS`` (:class:`~pytest_autoglm._options.Option`) and
``MARKERS`` (:class:`~pytest_autoglm._markers.MarkerSpec`), and holds that capability's
hooks and fixtures. The work itself lives in the capability's own modules; these stay
thin and import nothing heavy at module level.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def plugin_dir(namespace: dict[str, Any]) -> Callable[[], list[str]]:
    """``__dir__`` for a plugin module (PEP 562): only its hooks and fixtures.

    pytest looks at every name ``dir()`` gives when it registers a plugin module, and
    again when it collects the module's fixtures (an unwrap and a type check per name,
    tens of thousands of instructions each); a module's imports, constants and helpers
    are none of its business. The names stay in the module: only ``dir()`` is shorter.
    """

    names: list[str] = []  # worked out on the first call: the module has loaded by then

    def __dir__() -> list[str]:
        if not names:
            from _pytest.fixtures import getfixturemarker

            names.extend(
                sorted(
                    name
                    for name, value in namespace.items()
                    if name.startswith("pytest_") or getfixturemarker(value) is not None
                )
            )
        return list(names)

    return __dir__
