"""Leak and memory-limit assertions for CPU and GPU memory.

- :func:`no_leak` / :func:`assert_no_leak` repeat a block or a call, sample the Python
  heap (tracemalloc), the process RSS (psutil), the C heap (glibc) and, when the code
  under test uses CUDA through torch, the CUDA allocator and the driver; they raise
  :class:`LeakError` on steady growth per round (a robust Theil-Sen trend, not one
  before/after delta).
- :func:`memory_limit` raises :class:`MemoryLimitError` when a block's peak is too high.
- The markers ``autoglm_no_leak`` and ``autoglm_memory_limit`` do the same for a test.

Names load lazily: the pytest plugin imports only the option classes at startup, and
psutil is imported at a check's start; torch and pynvml never (torch is used only when
the code under test already imported it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "LeakCheck": "_check",
    "LeakError": "_errors",
    "LeakResult": "_report",
    "LeakWarning": "_errors",
    "MemoryLimit": "_limit",
    "MemoryLimitError": "_errors",
    "assert_no_leak": "_api",
    "assert_no_leak_async": "_api",
    "memory_limit": "_api",
    "no_leak": "_api",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.leaks._api import assert_no_leak as assert_no_leak
    from pytest_autoglm.leaks._api import assert_no_leak_async as assert_no_leak_async
    from pytest_autoglm.leaks._api import memory_limit as memory_limit
    from pytest_autoglm.leaks._api import no_leak as no_leak
    from pytest_autoglm.leaks._check import LeakCheck as LeakCheck
    from pytest_autoglm.leaks._errors import LeakError as LeakError
    from pytest_autoglm.leaks._errors import LeakWarning as LeakWarning
    from pytest_autoglm.leaks._errors import MemoryLimitError as MemoryLimitError
    from pytest_autoglm.leaks._limit import MemoryLimit as MemoryLimit
    from pytest_autoglm.leaks._report import LeakResult as LeakResult

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
