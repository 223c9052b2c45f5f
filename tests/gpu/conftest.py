"""Fixtures for the gpu tests: a fake ``pynvml`` in ``sys.modules`` and a clean environment."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from gpu_fakes import GPU_ENV, FakeNvml

# Import every gpu module out here: pytester drops modules first imported inside an inner
# run, and a later monkeypatch would then patch a stale copy.
import pytest_autoglm.gpu._inventory
import pytest_autoglm.gpu._requirements
import pytest_autoglm.gpu._session
import pytest_autoglm.gpu._xdist  # noqa: F401


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GPU-related environment leaks in from the outer run."""
    for name in GPU_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def install_nvml(
    monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> Callable[[FakeNvml], FakeNvml]:
    """Put a fake ``pynvml`` in ``sys.modules`` (in-process runs then read it instead of NVML)."""

    def install(fake: FakeNvml) -> FakeNvml:
        monkeypatch.setitem(sys.modules, "pynvml", fake.module())
        return fake

    return install


@pytest.fixture
def no_nvml(monkeypatch: pytest.MonkeyPatch, clean_env: None) -> None:
    """A machine without the NVML library, whatever machine this really is."""
    monkeypatch.delitem(sys.modules, "pynvml", raising=False)
    monkeypatch.setattr("pytest_autoglm.gpu._nvml._library_present", lambda: False)
