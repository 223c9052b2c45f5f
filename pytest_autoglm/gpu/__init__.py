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

#: public name -> private module that defines it (loaded on first access)
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
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.gpu._cuda import TorchBuild as TorchBuild
    from pytest_autoglm.gpu._cuda import cuda_for_driver as cuda_for_driver
    from pytest_autoglm.gpu._cuda import driver_for_cuda as driver_for_cuda
    from pytest_autoglm.gpu._cuda import torch_build as torch_build
    from pytest_autoglm.gpu._inventory import read_inventory as read_inventory
    from pytest_autoglm.gpu._model import GpuInfo as GpuInfo
    from pytest_autoglm.gpu._model import GpuInventory as GpuInventory
    from pytest_autoglm.gpu._requirements import GpuRequirement as GpuRequirement
    from pytest_autoglm.gpu._session import gpu_mode as gpu_mode
    from pytest_autoglm.gpu._session import inventory as inventory
    from pytest_autoglm.gpu._simulate import GpuSpecError as GpuSpecError
    from pytest_autoglm.gpu._simulate import SimulatedGpus as SimulatedGpus
    from pytest_autoglm.gpu._simulate import parse_simulation as parse_simulation

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
