"""The driver/CUDA table and torch's CUDA build, read without importing torch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.gpu import TorchBuild, cuda_for_driver, driver_for_cuda, torch_build
from pytest_autoglm.gpu._cuda import CUDA_MIN_DRIVER, cuda_from_nvml, version_key


@pytest.mark.parametrize(
    ("driver", "cuda"),
    [
        ("535.104.05", "12.2"),
        ("550.54.15", "12.4"),
        ("550.54.14", "12.4"),
        ("550.54.13", "12.3"),
        ("580.159.04", "13.0"),
        ("590.48.01", "13.1"),
        ("525.60.13", "12.0"),
        ("450.36.06", "11.0"),
        ("440.33", None),
    ],
)
def test_newest_cuda_a_driver_supports(driver: str, cuda: str | None) -> None:
    assert cuda_for_driver(driver) == cuda


def test_minimum_driver_for_a_cuda_version() -> None:
    assert driver_for_cuda("12.4") == "550.54.14"
    assert driver_for_cuda("13.0.1") == "580.65.06"
    assert driver_for_cuda("10.2") is None


def test_the_table_is_newest_first_in_both_columns() -> None:
    cudas = [version_key(c) for c, _ in CUDA_MIN_DRIVER]
    drivers = [version_key(d) for _, d in CUDA_MIN_DRIVER]
    assert cudas == sorted(cudas, reverse=True)
    assert drivers == sorted(drivers, reverse=True)
    assert cudas[-1] == (11, 0)


@given(st.sampled_from(CUDA_MIN_DRIVER))
def test_a_cuda_versions_own_minimum_driver_supports_exactly_it(row: tuple[str, str]) -> None:
    cuda, driver = row
    assert cuda_for_driver(driver) == cuda
    assert driver_for_cuda(cuda) == driver


@pytest.mark.parametrize(("code", "text"), [(12020, "12.2"), (13000, "13.0"), (11080, "11.8")])
def test_nvml_cuda_version_codes(code: int, text: str) -> None:
    assert cuda_from_nvml(code) == text


def test_torch_built_for_a_newer_cuda_major_cannot_use_the_driver() -> None:
    build = TorchBuild("2.9.0+cu130", "13.0")
    assert (
        build.mismatch("12.2") == "driver >= 580.65.06 for torch 2.9.0+cu130 (built for CUDA 13.0)"
    )
    assert build.describe("12.2") == "torch 2.9.0+cu130 (built for CUDA 13.0 > driver's 12.2)"
    assert build.mismatch("13.0") is None
    assert build.describe("13.0") == "torch 2.9.0+cu130"


def test_a_newer_cuda_minor_is_reported_but_not_refused() -> None:
    # CUDA minor-version compatibility: a cu124 build runs on a 12.2 driver.
    build = TorchBuild("2.5.1+cu124", "12.4")
    assert build.mismatch("12.2") is None
    assert build.describe("12.2") == "torch 2.5.1+cu124 (built for CUDA 12.4 > driver's 12.2)"


def test_a_cpu_build_says_it_has_no_cuda() -> None:
    assert TorchBuild("2.13.0+cpu", None).describe("12.2") == "torch 2.13.0+cpu (no CUDA)"
    assert TorchBuild("2.13.0+cpu", None).mismatch("12.2") is None


def test_torch_build_is_read_from_version_py_without_importing_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "torch"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('torch must not be imported')\n")
    (package / "version.py").write_text(
        "from typing import Optional\n"
        "__version__ = '2.11.0+cu130'\n"
        "cuda: Optional[str] = '13.0'\n"
        "hip: Optional[str] = None\n"
    )
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert torch_build() == TorchBuild("2.11.0+cu130", "13.0")
    assert "torch" not in sys.modules


def test_an_imported_torch_is_asked_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = type(sys)("torch")
    fake.__version__ = "2.5.1+cu124"  # type: ignore[attr-defined]
    fake.version = type(sys)("torch.version")  # type: ignore[attr-defined]
    fake.version.cuda = "12.4"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", fake)
    assert torch_build() == TorchBuild("2.5.1+cu124", "12.4")


def test_no_torch_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert torch_build() is None
