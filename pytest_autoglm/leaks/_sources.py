"""Where memory is measured: the Python heap, RSS, the C heap, the CUDA allocator, the GPU driver.

Each source answers ``sample() -> bytes``. None of them imports torch or pynvml on its own:
the GPU sources exist only when the code under test already imported torch and
initialised CUDA (a CPU-only suite never pays for them).
"""

from __future__ import annotations

import ctypes
import os
import sys
import tracemalloc
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol, cast

#: Frames kept per traced allocation: enough for a readable traceback of a leak site.
TRACEBACK_FRAMES = 10


class Source(Protocol):
    key: str  # the threshold it is judged by: "cpu", "rss" or "gpu"
    label: str  # how reports name it

    def sample(self) -> int: ...


@dataclass
class PythonHeap:
    """Bytes held by live Python allocations (tracemalloc), started here if it was off."""

    key: str = "cpu"
    label: str = "Python heap"
    started_here: bool = False

    def start(self, frames: int = TRACEBACK_FRAMES) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(frames)
            self.started_here = True

    def deepen(self) -> None:
        """Restart tracing with full tracebacks (only if started here: never touch the user's)."""
        if self.started_here and tracemalloc.get_traceback_limit() < TRACEBACK_FRAMES:
            tracemalloc.stop()
            tracemalloc.start(TRACEBACK_FRAMES)

    def sample(self) -> int:
        return tracemalloc.get_traced_memory()[0]

    def stop(self) -> None:
        if self.started_here and tracemalloc.is_tracing():
            tracemalloc.stop()
        self.started_here = False


@dataclass
class ProcessRss:
    """Resident set size of this process: sees native (C, ctypes, CUDA host) allocations too."""

    key: str = "rss"
    label: str = "RSS"
    process: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        import psutil  # before the baseline: importing it allocates

        self.process = psutil.Process(os.getpid())

    def sample(self) -> int:
        return int(self.process.memory_info().rss)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


@dataclass
class CHeap:
    """Bytes in use in the C heap (glibc ``mallinfo2``): native leaks before RSS shows them.

    RSS stays flat while ``malloc`` reuses pages freed earlier; the C heap's in-use
    figure grows from the first leaked byte. Linux with glibc >= 2.33 only.
    """

    mallinfo2: Any = field(repr=False)
    key: str = "rss"
    label: str = "C heap"

    def sample(self) -> int:
        info = self.mallinfo2()
        return int(info.uordblks + info.hblkhd)


def c_heap() -> CHeap | None:
    """The C heap source, or ``None`` where the C library has no ``mallinfo2``."""
    try:
        function = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError, TypeError):
        return None
    function.restype = _Mallinfo2
    function.argtypes = []
    return CHeap(function)


def cuda_torch() -> ModuleType | None:
    """torch, if the code under test imported it and initialised CUDA; never imports it."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return torch if torch.cuda.is_initialized() else None
    except AttributeError:  # a partly imported or stubbed torch
        return None


@dataclass
class CudaAllocator:
    """Bytes held by tensors in torch's CUDA caching allocator, on every device, after a sync."""

    torch: ModuleType
    key: str = "gpu"
    label: str = "CUDA allocator"

    def sample(self) -> int:
        cuda = self.torch.cuda
        cuda.synchronize()
        return sum(int(cuda.memory_allocated(i)) for i in range(cuda.device_count()))

    def reset_peak(self) -> int:
        """Reset the peak statistics; return the bytes allocated now (the baseline)."""
        cuda = self.torch.cuda
        for i in range(cuda.device_count()):
            cuda.reset_peak_memory_stats(i)
        return self.sample()

    def peak(self) -> int:
        cuda = self.torch.cuda
        cuda.synchronize()
        return max(
            (int(cuda.max_memory_allocated(i)) for i in range(cuda.device_count())), default=0
        )


@dataclass
class GpuDriver:
    """This process's device memory as the driver sees it: NVML per-process, else cudaMemGetInfo."""

    torch: ModuleType
    key: str = "gpu"
    label: str = "GPU driver"
    pynvml: ModuleType | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.pynvml = _nvml()
        if self.pynvml is not None:
            self.label = "GPU driver (NVML)"
            if self._nvml_sample() is None:  # no per-process figures (a container without PIDs)
                self.close()
        if self.pynvml is None:
            self.label = "GPU driver (cudaMemGetInfo)"

    def _nvml_sample(self) -> int | None:
        nvml = self.pynvml
        assert nvml is not None
        pid, total, seen = os.getpid(), 0, False
        for index in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            for proc in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                if proc.pid == pid and proc.usedGpuMemory is not None:
                    total += int(proc.usedGpuMemory)
                    seen = True
        return total if seen else None

    def close(self) -> None:
        if self.pynvml is not None:
            self.pynvml.nvmlShutdown()
            self.pynvml = None

    def sample(self) -> int:
        if self.pynvml is not None:
            used = self._nvml_sample()
            if used is not None:
                return used
        cuda = self.torch.cuda
        free, total = cuda.mem_get_info()
        return int(total) - int(free)


def _nvml() -> ModuleType | None:
    """pynvml, initialised, or ``None`` when it or the driver is missing."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # NVMLError_* subclasses or a missing library: no driver view
        return None
    return cast(ModuleType, pynvml)


def gpu_sources() -> tuple[CudaAllocator, GpuDriver] | None:
    """The allocator and driver views when CUDA is in use through torch; ``None`` otherwise."""
    torch = cuda_torch()
    if torch is None:
        return None
    return CudaAllocator(torch), GpuDriver(torch)
