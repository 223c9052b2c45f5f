"""Peak memory limits: the tracemalloc peak, and torch's CUDA peak reset at the start."""

from __future__ import annotations

import tracemalloc
from types import TracebackType

from pytest_autoglm._reasons import need_found
from pytest_autoglm._sizes import format_size
from pytest_autoglm.leaks._errors import MemoryLimitError
from pytest_autoglm.leaks._sources import CudaAllocator, PythonHeap, cuda_torch
from pytest_autoglm.leaks._thresholds import LimitOptions

#: a peak needs no traceback: 1 frame per allocation costs a fraction of 10 (a 10-request
#: episode took 3.5 s traced at 1 frame, 19.1 s at 10; issue 14)
PEAK_FRAMES = 1


class MemoryLimit:
    """Measures the peak of a block and raises :class:`MemoryLimitError` over the limit.

    Use it through :func:`pytest_autoglm.memory_limit`; exported only for type hints.
    Peaks count memory allocated inside the block, above what was live when it began.
    ``cpu_peak`` and ``gpu_peak`` hold the figures after the block (``None`` if unmeasured).
    """

    def __init__(self, options: LimitOptions) -> None:
        self.options = options
        self.cpu_peak: int | None = None
        self.gpu_peak: int | None = None
        self._heap = PythonHeap()
        self._cpu_base = 0
        self._allocator: CudaAllocator | None = None
        self._gpu_base = 0

    def __enter__(self) -> MemoryLimit:
        if self.options.cpu_bytes is not None:
            self._heap.start(PEAK_FRAMES)
            tracemalloc.reset_peak()
            self._cpu_base = self._heap.sample()
        if self.options.gpu_bytes is not None:
            self._start_gpu()
        return self

    def _start_gpu(self) -> None:
        torch = cuda_torch()
        if torch is not None:
            self._allocator = CudaAllocator(torch)
            self._gpu_base = self._allocator.reset_peak()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        __tracebackhide__ = True
        try:
            if self.options.cpu_bytes is not None and tracemalloc.is_tracing():
                self.cpu_peak = max(0, tracemalloc.get_traced_memory()[1] - self._cpu_base)
            if self.options.gpu_bytes is not None:
                if self._allocator is None:  # CUDA may have been initialised inside the block
                    torch = cuda_torch()
                    self._allocator = CudaAllocator(torch) if torch is not None else None
                if self._allocator is not None:
                    self.gpu_peak = max(0, self._allocator.peak() - self._gpu_base)
        finally:
            self._heap.stop()
        if exc is None:
            self.check()

    def check(self) -> None:
        """Raise :class:`MemoryLimitError` naming every limit the peaks went over."""
        __tracebackhide__ = True
        over = []
        for label, peak, limit in (
            ("Python heap", self.cpu_peak, self.options.cpu_bytes),
            ("CUDA allocator", self.gpu_peak, self.options.gpu_bytes),
        ):
            if peak is not None and limit is not None and peak > limit:
                over.append(
                    need_found(f"a {label} peak <= {format_size(limit)}", format_size(peak))
                )
        if over:
            raise MemoryLimitError("memory limit exceeded: " + "; ".join(over))
