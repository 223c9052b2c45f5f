"""``autoglm_torch_device``: one test, run on ``cpu`` and on each usable CUDA GPU."""

from __future__ import annotations

import sys

import pytest

from pytest_autoglm.gpu import TorchBuild

pytestmark = pytest.mark.usefixtures("clean_env")
OFF = "GPU tests are off (pass --autoglm-gpu)"
DEVICE_TEST = """
def test_device(autoglm_torch_device):
    import torch
    assert isinstance(autoglm_torch_device, torch.device)
    print("RAN", autoglm_torch_device)
"""


@pytest.fixture
def torch_loaded() -> None:
    """torch imported out here, so pytester's module snapshot keeps it (it cannot be re-imported)."""
    pytest.importorskip("torch")


def cuda_build(monkeypatch: pytest.MonkeyPatch, build: TorchBuild | None) -> None:
    monkeypatch.setattr("pytest_autoglm.gpu._session.torch_build", lambda: build)


@pytest.mark.usefixtures("torch_loaded", "no_nvml")
def test_cpu_always_and_cuda_0_even_without_a_gpu(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DEVICE_TEST)
    result = pytester.runpytest("-rs", "-v", "-s")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*::test_device[[]cpu[]] RAN cpu*",
            "*::test_device[[]cuda:0[]] SKIPPED*",
            f"SKIPPED * {OFF}",
        ]
    )


@pytest.mark.usefixtures("torch_loaded")
def test_one_case_per_visible_gpu_and_a_cpu_torch_skips_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    cuda_build(monkeypatch, TorchBuild("2.13.0+cpu", None))
    pytester.makepyfile(DEVICE_TEST)
    result = pytester.runpytest(
        "-rs",
        "--autoglm-gpu",
        "--collect-only",
        "-q",
        "--autoglm-simulate-gpus",
        "2x T4: memory=15GiB",
    )
    result.stdout.fnmatch_lines(
        ["*test_device[[]cpu[]]", "*test_device[[]cuda:0[]]", "*test_device[[]cuda:1[]]"]
    )
    result = pytester.runpytest(
        "-rs", "--autoglm-gpu", "--autoglm-simulate-gpus", "2x T4: memory=15GiB"
    )
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(
        ["2 GPU tests skipped: needs torch built with CUDA; found torch 2.13.0+cpu"]
    )


@pytest.mark.usefixtures("torch_loaded")
def test_a_usable_gpu_gives_a_cuda_device(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # torch.device("cuda:0") is only a descriptor: creating it touches no GPU
    cuda_build(monkeypatch, TorchBuild("2.5.1+cu124", "12.4"))
    pytester.makepyfile(DEVICE_TEST)
    spec = "NVIDIA T4: memory=15GiB; driver=535.104.05"
    result = pytester.runpytest("-s", "-v", "--autoglm-gpu", "--autoglm-simulate-gpus", spec)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*RAN cpu*", "*RAN cuda:0*"])


@pytest.mark.usefixtures("torch_loaded")
def test_require_gpu_fails_cuda_cases_that_cannot_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    cuda_build(monkeypatch, TorchBuild("2.9.0+cu130", "13.0"))
    pytester.makepyfile(DEVICE_TEST)
    spec = "NVIDIA T4: memory=15GiB; driver=535.104.05"
    result = pytester.runpytest("--autoglm-require-gpu", "--autoglm-simulate-gpus", spec)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            # the same check and wording as @pytest.mark.autoglm_gpu(count=1)
            "1 GPU test failed at setup: needs 1 GPU, driver >= 580.65.06 for torch 2.9.0+cu130 "
            "(built for CUDA 13.0); found 1 simulated GPU: NVIDIA T4 15.0 GiB, driver 535.104.05 "
            "(CUDA 12.2), torch 2.9.0+cu130"
        ]
    )


@pytest.mark.usefixtures("no_nvml")
def test_without_torch_every_case_skips(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    cuda_build(monkeypatch, None)
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    pytester.makepyfile(DEVICE_TEST)
    result = pytester.runpytest("-rs", "--autoglm-gpu")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*needs torch; found torch is not installed*"])


@pytest.mark.usefixtures("torch_loaded", "no_nvml")
def test_a_test_that_chooses_its_own_devices_is_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.parametrize("autoglm_torch_device", ["cpu"], indirect=True)
        def test_device(autoglm_torch_device):
            assert str(autoglm_torch_device) == "cpu"
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*::test_device[[]cpu[]] PASSED*"])
