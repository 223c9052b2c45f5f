"""The code API's line to the pytest plugin, which it must not import.

The plugin's per-test hooks (the short LeakError report, the trend table) are registered
only when a collected test is marked or ``--autoglm-leak-check`` is on. A test that calls
``no_leak()``, ``assert_no_leak()`` or ``memory_limit()`` unmarked needs them too: each
pytest run (pytester's in-process ones nest) puts its registrar here while it runs, and
the code API calls the innermost one.
"""

from __future__ import annotations

from collections.abc import Callable

#: one registrar per running pytest session, innermost last
registrars: list[Callable[[], None]] = []


def code_api_used() -> None:
    """Make sure the running session's per-test leak hooks are registered."""
    if registrars:
        registrars[-1]()
