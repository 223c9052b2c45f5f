"""A faked ``torch.cuda`` and a faked ``pynvml``: the GPU paths of the leak check, without a GPU."""

from __future__ import annotations

import os
import sys
import types
from dataclasses import dataclass, field

import pytest

MiB = 1024 * 1024


@dataclass
class FakeCuda:
    """The slice of ``torch.cuda`` the kit reads, with counters a test can move."""

    allocated: list[int] = field(default_factory=lambda: [0, 0])
    peak: list[int] = field(default_factory=lambda: [0, 0])
    initialized: bool = True
    total: int = 80 * 1024 * MiB
    driver_used: int = 500 * MiB
    syncs: int = 0

    def is_initialized(self) -> bool:
        return self.initialized

    def synchronize(self) -> None:
        self.syncs += 1

    def device_count(self) -> int:
        return len(self.allocated)

    def memory_allocated(self, index: int) -> int:
        return self.allocated[index]

    def max_memory_allocated(self, index: int) -> int:
        return self.peak[index]

    def reset_peak_memory_stats(self, index: int) -> None:
        self.peak[index] = self.allocated[index]

    def mem_get_info(self) -> tuple[int, int]:
        return self.total - self.driver_used, self.total

    def allocate(self, size: int, index: int = 0, *, keep: bool = True) -> None:
        """What a tensor does: the allocator's figure, its peak, and the driver's 2 MiB pages."""
        self.allocated[index] += size
        self.peak[index] = max(self.peak[index], self.allocated[index])
        while sum(self.allocated) > self.driver_used - 500 * MiB:
            self.driver_used += 2 * MiB
        if not keep:
            self.allocated[index] -= size


@dataclass
class FakeProcess:
    pid: int
    usedGpuMemory: int | None


@dataclass
class FakeNvml:
    cuda: FakeCuda
    listed: bool = True
    inits: int = 0
    shutdowns: int = 0

    def module(self) -> types.ModuleType:
        mod = types.ModuleType("pynvml")
        mod.nvmlInit = self.init  # type: ignore[attr-defined]
        mod.nvmlShutdown = self.shutdown  # type: ignore[attr-defined]
        mod.nvmlDeviceGetCount = lambda: 1  # type: ignore[attr-defined]
        mod.nvmlDeviceGetHandleByIndex = lambda index: ("handle", index)  # type: ignore[attr-defined]
        mod.nvmlDeviceGetComputeRunningProcesses = self.processes  # type: ignore[attr-defined]
        return mod

    def init(self) -> None:
        self.inits += 1

    def shutdown(self) -> None:
        self.shutdowns += 1

    def processes(self, handle: object) -> list[FakeProcess]:
        others = [FakeProcess(pid=1, usedGpuMemory=7 * 1024 * MiB)]
        if not self.listed:
            return others
        return [*others, FakeProcess(pid=os.getpid(), usedGpuMemory=self.cuda.driver_used)]


def install(monkeypatch: pytest.MonkeyPatch, *, nvml: bool = True) -> tuple[FakeCuda, FakeNvml]:
    """Put the fakes in ``sys.modules`` for the rest of the test."""
    cuda = FakeCuda()
    torch = types.ModuleType("torch")
    torch.cuda = cuda  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)
    fake_nvml = FakeNvml(cuda)
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml.module() if nvml else None)
    return cuda, fake_nvml
