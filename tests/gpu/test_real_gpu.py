"""Checks against a real GPU: skipped without --autoglm-gpu, failing with --autoglm-require-gpu.

On a GPU machine: ``pytest tests/gpu --autoglm-require-gpu``. These tests read the real
NVML (through the session's inventory) and compare it with what torch sees.
"""

from __future__ import annotations

import pytest

from pytest_autoglm.gpu import GpuInventory


@pytest.mark.autoglm_gpu
def test_nvml_reports_a_usable_gpu(autoglm_gpus: GpuInventory) -> None:
    if autoglm_gpus.simulated:
        pytest.skip("needs a real GPU; found a simulated inventory (--autoglm-simulate-gpus)")
    gpu = autoglm_gpus[0]
    assert gpu.uuid.startswith(("GPU-", "MIG-"))
    assert 0 < gpu.memory_free <= gpu.memory_total
    assert gpu.capability >= (3, 0)
    assert autoglm_gpus.driver
    assert autoglm_gpus.cuda
    assert [g.index for g in autoglm_gpus] == list(range(len(autoglm_gpus)))


@pytest.mark.autoglm_gpu
def test_torch_sees_what_nvml_sees(autoglm_gpus: GpuInventory) -> None:
    torch = pytest.importorskip("torch")
    if autoglm_gpus.simulated:
        pytest.skip("needs a real GPU; found a simulated inventory (--autoglm-simulate-gpus)")
    if torch.version.cuda is None:
        pytest.skip(f"torch {torch.__version__} has no CUDA")
    assert torch.cuda.device_count() == len(autoglm_gpus)
    for gpu in autoglm_gpus:
        props = torch.cuda.get_device_properties(gpu.index)
        assert props.name == gpu.name
        assert (props.major, props.minor) == gpu.capability
        # CUDA leaves out memory the driver reserves; NVML counts all of it
        assert 0.9 * gpu.memory_total <= props.total_memory <= gpu.memory_total


def test_a_tensor_computes_on_each_device(autoglm_torch_device: object) -> None:
    torch = pytest.importorskip("torch")
    values = torch.arange(4, dtype=torch.float32, device=autoglm_torch_device)
    assert values.device.type == torch.device(autoglm_torch_device).type
    assert float((values * 2).sum()) == 12.0
