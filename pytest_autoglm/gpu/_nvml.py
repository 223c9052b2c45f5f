"""Read the physical GPUs through NVML (``nvidia-ml-py``, imported as ``pynvml``).

NVML is the driver's management library: it answers without creating a CUDA context,
so the pytest controller can read GPUs safely. ``import pynvml`` costs about 35 ms
(it imports ``ctypes.util``), so when ``pynvml`` is not imported yet the NVML shared
library is first probed with a bare ``dlopen``: no library, no import, under 1 ms.
Every NVML call can raise ``pynvml.NVMLError``; a failed GPU is left out with a note,
never a crash. Strings come back as ``bytes`` from older nvidia-ml-py releases and as
``str`` from newer ones; both are accepted.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from pytest_autoglm.gpu._cuda import cuda_for_driver, cuda_from_nvml
from pytest_autoglm.gpu._model import GpuInfo, Slot

T = TypeVar("T")

# NVML error codes (nvml.h), used when a module does not define them.
_LIBRARY_NOT_FOUND = 12
_DRIVER_NOT_LOADED = 9
_NO_PERMISSION = 4
_NOT_FOUND = 6


@dataclass(frozen=True)
class NvmlReading:
    slots: tuple[Slot, ...] = ()
    driver: str | None = None
    cuda: str | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()


def _library_present() -> bool:
    """Whether the NVML shared library loads, as pynvml would load it."""
    if sys.platform.startswith("win"):
        roots = (os.environ.get("WINDIR", "C:/Windows"), os.environ.get("PROGRAMFILES", ""))
        names = ("System32/nvml.dll", "NVIDIA Corporation/NVSMI/nvml.dll")
        return any(os.path.isfile(os.path.join(r, n)) for r, n in zip(roots, names, strict=True))
    name, mode = "libnvidia-ml.so.1", os.RTLD_NOW | os.RTLD_LOCAL  # as pynvml loads it
    try:
        import _ctypes  # what ctypes.CDLL calls: `import ctypes` would cost ~3 ms more

        _ctypes.dlopen(name, mode)
    except ImportError:  # pragma: no cover - an interpreter without CPython's _ctypes
        import ctypes

        try:
            ctypes.CDLL(name, mode)
        except OSError:
            return False
    except OSError:
        return False
    return True


def load_nvml() -> tuple[ModuleType | None, str | None]:
    """The ``pynvml`` module, or ``None`` and why not. An already-imported module is used as is."""
    module = sys.modules.get("pynvml")
    if module is not None:
        return module, None
    if not _library_present():
        return None, "NVML library not found"
    try:
        import pynvml
    except ImportError:
        return None, "nvidia-ml-py is not installed (pip install nvidia-ml-py)"
    return pynvml, None


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _init_failure(nvml: ModuleType, exc: Any) -> str:
    code = getattr(exc, "value", None)
    if code == getattr(nvml, "NVML_ERROR_LIBRARY_NOT_FOUND", _LIBRARY_NOT_FOUND):
        return "NVML library not found"
    if code == getattr(nvml, "NVML_ERROR_DRIVER_NOT_LOADED", _DRIVER_NOT_LOADED):
        return "NVIDIA driver not loaded"
    if code == getattr(nvml, "NVML_ERROR_NO_PERMISSION", _NO_PERMISSION):
        return "no permission to use NVML"
    return f"NVML failed to start: {exc}"


class _Reader:
    def __init__(self, nvml: ModuleType) -> None:
        self.nvml = nvml
        self.error: type[BaseException] = nvml.NVMLError

    def optional(self, call: Callable[..., T], *args: Any) -> T | None:
        """A query some GPUs or drivers do not support: ``None`` instead of an error."""
        try:
            return call(*args)
        except self.error:
            return None

    def device(self, handle: Any, index: int, parent: GpuInfo | None = None) -> GpuInfo:
        nvml = self.nvml
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        capability = self.optional(nvml.nvmlDeviceGetCudaComputeCapability, handle)
        if capability is None:
            capability = parent.capability if parent else (0, 0)
        mig_ids = None
        if parent is not None:
            gi = self.optional(nvml.nvmlDeviceGetGpuInstanceId, handle)
            ci = self.optional(nvml.nvmlDeviceGetComputeInstanceId, handle)
            mig_ids = (int(gi), int(ci)) if gi is not None and ci is not None else None
        return GpuInfo(
            index=index,
            nvml_index=index,
            name=_text(nvml.nvmlDeviceGetName(handle)),
            uuid=_text(nvml.nvmlDeviceGetUUID(handle)),
            memory_total=int(memory.total),
            memory_free=int(memory.free),
            capability=(int(capability[0]), int(capability[1])),
            mig=parent is not None,
            parent_uuid=parent.uuid if parent else None,
            mig_ids=mig_ids,
        )

    def slot(self, index: int) -> Slot:
        nvml = self.nvml
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        gpu = self.device(handle, index)
        mode = self.optional(nvml.nvmlDeviceGetMigMode, handle)
        enabled = getattr(nvml, "NVML_DEVICE_MIG_ENABLE", 1)
        if not mode or mode[0] != enabled:
            return Slot(gpu.uuid, (gpu,))
        slices = []
        for position in range(int(nvml.nvmlDeviceGetMaxMigDeviceCount(handle))):
            try:
                mig_handle = nvml.nvmlDeviceGetMigDeviceHandleByIndex(handle, position)
            except self.error as exc:
                if getattr(exc, "value", None) == getattr(nvml, "NVML_ERROR_NOT_FOUND", _NOT_FOUND):
                    continue  # no compute instance at this position
                raise
            slices.append(self.device(mig_handle, index, parent=gpu))
        return Slot(gpu.uuid, tuple(slices), mig_mode=True)


def read_nvml(nvml: ModuleType) -> NvmlReading:
    """Every physical GPU NVML reports, with the driver and the CUDA version it supports."""
    reader = _Reader(nvml)
    try:
        nvml.nvmlInit()
    except reader.error as exc:
        return NvmlReading(reason=_init_failure(nvml, exc))
    try:
        driver = reader.optional(nvml.nvmlSystemGetDriverVersion)
        driver_text = _text(driver) if driver is not None else None
        cuda_code = reader.optional(nvml.nvmlSystemGetCudaDriverVersion)
        cuda = cuda_from_nvml(int(cuda_code)) if cuda_code else None
        if cuda is None and driver_text:
            cuda = cuda_for_driver(driver_text)
        try:
            count = int(nvml.nvmlDeviceGetCount())
        except reader.error as exc:
            return NvmlReading(
                driver=driver_text, cuda=cuda, reason=f"NVML could not count GPUs: {exc}"
            )
        slots: list[Slot] = []
        notes: list[str] = []
        for index in range(count):
            try:
                slots.append(reader.slot(index))
            except reader.error as exc:
                # keep the index taken, so CUDA_VISIBLE_DEVICES indices still line up
                slots.append(Slot(f"<unreadable GPU {index}>", ()))
                notes.append(f"GPU {index} left out: NVML error: {exc}")
        reason = None if count else "NVML reports no GPU"
        if count and not any(slot.devices for slot in slots):
            reason = notes[0] if notes else "every GPU is in MIG mode without MIG slices"
        return NvmlReading(tuple(slots), driver_text, cuda, reason, tuple(notes))
    finally:
        with contextlib.suppress(reader.error):
            nvml.nvmlShutdown()
