"""The inventory read through NVML: a faked ``pynvml`` with the real names, types and errors."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pynvml
import pytest
from gpu_fakes import GIB, FakeGpu, FakeNvml

from pytest_autoglm.gpu import read_inventory
from pytest_autoglm.gpu._nvml import load_nvml

Install = Callable[[FakeNvml], FakeNvml]

H100 = FakeGpu(
    name="NVIDIA H100 80GB HBM3",
    uuid="GPU-3f1c2a9e-0000-4000-8000-000000000000",
    total=85520809984,
    free=84 * GIB,
    capability=(9, 0),
)
T4 = FakeGpu(
    name="Tesla T4",
    uuid="GPU-7d2e0b11-0000-4000-8000-000000000000",
    total=15 * GIB,
    free=14 * GIB,
    capability=(7, 5),
    mig_supported=False,
)


def mig_a100(slices: int) -> FakeGpu:
    return FakeGpu(
        slices=[
            FakeGpu(
                name="NVIDIA A100-SXM4-80GB MIG 1g.10gb",
                uuid=f"MIG-{i}a5e5c1e-0000-4000-8000-000000000000",
                total=9856 * 1024**2,
                free=9 * GIB,
                ids=(7 + i, 0),
            )
            for i in range(slices)
        ]
    )


@pytest.mark.usefixtures("no_nvml")
def test_no_nvml_library_is_a_reason_not_an_error() -> None:
    found = read_inventory()
    assert (len(found), found.reason) == (0, "NVML library not found")
    assert found.describe() == "no GPU (NVML library not found)"
    assert "pynvml" not in sys.modules  # the library probe spares the 35 ms import


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (pynvml.NVML_ERROR_LIBRARY_NOT_FOUND, "NVML library not found"),
        (pynvml.NVML_ERROR_DRIVER_NOT_LOADED, "NVIDIA driver not loaded"),
        (pynvml.NVML_ERROR_NO_PERMISSION, "no permission to use NVML"),
        (pynvml.NVML_ERROR_UNKNOWN, "NVML failed to start: Unknown Error"),
    ],
)
def test_nvml_init_failures_name_the_cause(install_nvml: Install, code: int, reason: str) -> None:
    install_nvml(FakeNvml([H100], failures={"nvmlInit": code}))
    found = read_inventory()
    assert (len(found), found.reason) == (0, reason)


def test_no_devices(install_nvml: Install) -> None:
    fake = install_nvml(FakeNvml([]))
    found = read_inventory()
    assert (len(found), found.reason, found.driver, found.cuda) == (
        0,
        "NVML reports no GPU",
        "535.104.05",
        "12.2",
    )
    assert fake.inits == fake.shutdowns == 1


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_gpus_are_read_with_every_fact(install_nvml: Install, as_bytes: bool) -> None:
    install_nvml(FakeNvml([H100, T4], driver="580.159.04", cuda=13000, as_bytes=as_bytes))
    found = read_inventory()
    assert [(g.index, g.name, g.uuid, g.capability) for g in found] == [
        (0, "NVIDIA H100 80GB HBM3", H100.uuid, (9, 0)),
        (1, "Tesla T4", T4.uuid, (7, 5)),
    ]
    assert (found[0].memory_total, found[0].memory_free) == (85520809984, 84 * GIB)
    assert (found.driver, found.cuda, found.reason, found.simulated) == (
        "580.159.04",
        "13.0",
        None,
        False,
    )
    assert found.describe() == (
        "2 GPUs: NVIDIA H100 80GB HBM3 (79.6 GiB), Tesla T4 (15.0 GiB), driver 580.159.04 (CUDA 13.0)"
    )


def test_an_error_mid_query_leaves_that_gpu_out_with_a_note(install_nvml: Install) -> None:
    fake = install_nvml(
        FakeNvml(
            [H100, T4], failures={("nvmlDeviceGetMemoryInfo", 0): pynvml.NVML_ERROR_GPU_IS_LOST}
        )
    )
    found = read_inventory()
    assert [g.name for g in found] == ["Tesla T4"]
    assert found.notes == ("GPU 0 left out: NVML error: GPU is lost",)
    assert fake.inits == fake.shutdowns == 1
    # indices still refer to NVML's numbering: GPU 1 is the T4
    assert [g.name for g in read_inventory(visible_devices="1")] == ["Tesla T4"]


def test_every_gpu_failing_is_the_reason(install_nvml: Install) -> None:
    install_nvml(
        FakeNvml([H100], failures={"nvmlDeviceGetHandleByIndex": pynvml.NVML_ERROR_UNKNOWN})
    )
    found = read_inventory()
    assert (len(found), found.reason) == (0, "GPU 0 left out: NVML error: Unknown Error")


def test_a_failed_count_is_the_reason_and_nvml_is_shut_down(install_nvml: Install) -> None:
    fake = install_nvml(
        FakeNvml([H100], failures={"nvmlDeviceGetCount": pynvml.NVML_ERROR_UNKNOWN})
    )
    found = read_inventory()
    assert found.reason == "NVML could not count GPUs: Unknown Error"
    assert fake.inits == fake.shutdowns == 1


def test_the_driver_cuda_version_falls_back_to_the_table(install_nvml: Install) -> None:
    install_nvml(
        FakeNvml(
            [T4],
            driver="550.54.15",
            failures={"nvmlSystemGetCudaDriverVersion": pynvml.NVML_ERROR_NOT_SUPPORTED},
        )
    )
    assert read_inventory().cuda == "12.4"


def test_unknown_driver_version_is_said(install_nvml: Install) -> None:
    install_nvml(FakeNvml([T4], failures={"nvmlSystemGetDriverVersion": pynvml.NVML_ERROR_UNKNOWN}))
    found = read_inventory()
    assert (found.driver, found.cuda) == (None, "12.2")
    assert found.describe().endswith("driver unknown")


def test_a_mig_gpu_shows_one_slice_as_cuda_does(install_nvml: Install) -> None:
    install_nvml(FakeNvml([mig_a100(2), T4]))
    found = read_inventory()
    assert [(g.name, g.mig, g.index) for g in found] == [
        ("NVIDIA A100-SXM4-80GB MIG 1g.10gb", True, 0),
        ("Tesla T4", False, 1),
    ]
    assert found[0].parent_uuid == FakeGpu().uuid
    assert found[0].mig_ids == (7, 0)
    assert found[0].capability == (8, 0)  # from the parent GPU
    assert found.notes == ("CUDA enumerates one MIG slice per process: 1 slice hidden",)
    assert found.present == 3


@pytest.mark.parametrize(
    "value",
    ["MIG-1a5e", "MIG-1a5e5c1e-0000-4000-8000-000000000000", f"MIG-{FakeGpu().uuid}/8/0"],
    ids=["prefix", "full", "old-form"],
)
def test_cuda_visible_devices_picks_a_mig_slice(install_nvml: Install, value: str) -> None:
    install_nvml(FakeNvml([mig_a100(2)]))
    found = read_inventory(visible_devices=value)
    assert [g.uuid for g in found] == ["MIG-1a5e5c1e-0000-4000-8000-000000000000"]


def test_mig_mode_without_slices_has_no_gpu(install_nvml: Install) -> None:
    install_nvml(FakeNvml([mig_a100(0)]))
    found = read_inventory()
    assert (len(found), found.reason) == (0, "every GPU is in MIG mode without MIG slices")


def test_pynvml_missing_while_the_library_is_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    monkeypatch.setattr("pytest_autoglm.gpu._nvml._library_present", lambda: True)
    assert load_nvml() == (None, "nvidia-ml-py is not installed (pip install nvidia-ml-py)")
