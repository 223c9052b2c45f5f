"""GPU awareness: which GPUs this process sees, and whether a test's requirements are met.

GPU facts come from NVML (``nvidia-ml-py``), which creates no CUDA context; torch is
never imported here. ``inventory(config)`` is the session's cached view (also the
``autoglm_gpus`` fixture); ``read_inventory()`` reads afresh, for code outside pytest.
Names load lazily on first access, so importing this package (or the plugin) stays cheap:
pynvml, ctypes and packaging load only when a read or a check needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    "GpuInfo": "_model",
    "GpuInventory": "_model",
    "GpuRequirement": "_requirements",
    "GpuSpecError": "_simulate",
    "SimulatedGpus": "_simulate",
    "TorchBuild": "_cuda",
    "cuda_for_driver": "_cuda",
    "driver_for_cuda": "_cuda",
    "gpu_mode": "_session",
    "inventory": "_session",
    "parse_simulation": "_simulate",
    "read_inventory": "_inventory",
    "torch_build": "_cuda",
}

__all__ = [
    "GpuInfo",
    "GpuInventory",
    "GpuRequirement",
    "GpuSpecError",
    "SimulatedGpus",
    "TorchBuild",
    "cuda_for_driver",
    "driver_for_cuda",
    "gpu_mode",
    "inventory",
    "parse_simulation",
    "read_inventory",
    "torch_build",
]

if TYPE_CHECKING:
    from pytest_autoglm.gpu._cuda import TorchBuild, cuda_for_driver, driver_for_cuda, torch_build
    from pytest_autoglm.gpu._inventory import read_inventory
    from pytest_autoglm.gpu._model import GpuInfo, GpuInventory
    from pytest_autoglm.gpu._requirements import GpuRequirement
    from pytest_autoglm.gpu._session import gpu_mode, inventory
    from pytest_autoglm.gpu._simulate import GpuSpecError, SimulatedGpus, parse_simulation

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
