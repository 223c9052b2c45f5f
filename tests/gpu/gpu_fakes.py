"""A fake ``pynvml`` module object with the real names, return types and error classes."""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GIB = 1024**3
#: environment variables that would change what the plugin sees
GPU_ENV = (
    "AUTOGLM_GPU",
    "AUTOGLM_REQUIRE_GPU",
    "AUTOGLM_GPUS_PER_WORKER",
    "AUTOGLM_SIMULATE_GPUS",
    "CUDA_VISIBLE_DEVICES",
    "PYTEST_XDIST_WORKER",
)


@dataclass
class FakeGpu:
    """One physical GPU as the fake NVML reports it; ``slices`` are MIG slices (MIG mode on)."""

    name: str = "NVIDIA A100-SXM4-80GB"
    uuid: str = "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6"
    total: int = 80 * GIB
    free: int = 78 * GIB
    capability: tuple[int, int] = (8, 0)
    slices: list[FakeGpu] | None = None
    ids: tuple[int, int] = (0, 0)  # GPU instance id, compute instance id (for a slice)
    mig_supported: bool = True


@dataclass
class FakeNvml:
    """Builds a module object that behaves like nvidia-ml-py's ``pynvml`` for these GPUs.

    ``failures`` maps an NVML function name, or ``(name, gpu index)``, to the NVML error
    code it raises. ``as_bytes`` returns strings as ``bytes``, like nvidia-ml-py < 11.515.
    """

    gpus: list[FakeGpu] = field(default_factory=list)
    driver: str = "535.104.05"
    cuda: int = 12020
    as_bytes: bool = False
    failures: dict[Any, int] = field(default_factory=dict)
    inits: int = 0
    shutdowns: int = 0

    def module(self) -> types.ModuleType:
        import pynvml as real  # the real error classes and codes, so the fake cannot drift

        fake = types.ModuleType("pynvml")
        for name in dir(real):
            if name.startswith(("NVML_ERROR_", "NVMLError", "NVML_DEVICE_MIG", "NVML_SUCCESS")):
                setattr(fake, name, getattr(real, name))
        error = real.NVMLError

        def check(name: str, index: int | None = None) -> None:
            code = self.failures.get((name, index), self.failures.get(name))
            if code is not None:
                raise error(code)
            if name != "nvmlInit" and self.inits <= self.shutdowns:
                raise error(real.NVML_ERROR_UNINITIALIZED)

        def text(value: str) -> str | bytes:
            return value.encode() if self.as_bytes else value

        def find(handle: Any) -> FakeGpu:
            return handle.gpu  # type: ignore[no-any-return]

        def handle_of(gpu: FakeGpu, index: int) -> Any:
            return types.SimpleNamespace(gpu=gpu, index=index)

        def init() -> None:
            check("nvmlInit")
            self.inits += 1

        def shutdown() -> None:
            check("nvmlShutdown")
            self.shutdowns += 1

        def get_count() -> int:
            check("nvmlDeviceGetCount")
            return len(self.gpus)

        def by_index(index: int) -> Any:
            check("nvmlDeviceGetHandleByIndex", index)
            if index >= len(self.gpus):
                raise error(real.NVML_ERROR_INVALID_ARGUMENT)
            return handle_of(self.gpus[index], index)

        def per_device(name: str, read: Callable[[FakeGpu], Any]) -> Callable[[Any], Any]:
            def call(handle: Any) -> Any:
                check(name, handle.index)
                return read(find(handle))

            call.__name__ = name
            return call

        def mig_mode(handle: Any) -> list[int]:
            check("nvmlDeviceGetMigMode", handle.index)
            gpu = find(handle)
            if not gpu.mig_supported:
                raise error(real.NVML_ERROR_NOT_SUPPORTED)
            on = int(gpu.slices is not None)
            return [on, on]

        def mig_by_index(handle: Any, position: int) -> Any:
            check("nvmlDeviceGetMigDeviceHandleByIndex", handle.index)
            slices = find(handle).slices or []
            if position >= len(slices):
                raise error(real.NVML_ERROR_NOT_FOUND)
            return handle_of(slices[position], handle.index)

        memory = per_device(
            "nvmlDeviceGetMemoryInfo",
            lambda g: types.SimpleNamespace(total=g.total, free=g.free, used=g.total - g.free),
        )
        fake.__dict__.update(
            NVMLError=error,
            nvmlInit=init,
            nvmlShutdown=shutdown,
            nvmlSystemGetDriverVersion=lambda: (
                check("nvmlSystemGetDriverVersion"),
                text(self.driver),
            )[1],
            nvmlSystemGetCudaDriverVersion=lambda: (
                check("nvmlSystemGetCudaDriverVersion"),
                self.cuda,
            )[1],
            nvmlDeviceGetCount=get_count,
            nvmlDeviceGetHandleByIndex=by_index,
            nvmlDeviceGetName=per_device("nvmlDeviceGetName", lambda g: text(g.name)),
            nvmlDeviceGetUUID=per_device("nvmlDeviceGetUUID", lambda g: text(g.uuid)),
            nvmlDeviceGetMemoryInfo=memory,
            nvmlDeviceGetCudaComputeCapability=per_device(
                "nvmlDeviceGetCudaComputeCapability", lambda g: g.capability
            ),
            nvmlDeviceGetMigMode=mig_mode,
            nvmlDeviceGetMaxMigDeviceCount=per_device(
                "nvmlDeviceGetMaxMigDeviceCount", lambda g: 7 if g.slices is not None else 0
            ),
            nvmlDeviceGetMigDeviceHandleByIndex=mig_by_index,
            nvmlDeviceGetGpuInstanceId=per_device("nvmlDeviceGetGpuInstanceId", lambda g: g.ids[0]),
            nvmlDeviceGetComputeInstanceId=per_device(
                "nvmlDeviceGetComputeInstanceId", lambda g: g.ids[1]
            ),
        )
        return fake
