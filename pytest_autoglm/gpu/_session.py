"""The session's view of GPUs: mode, inventory and torch build, each resolved once per run."""

from __future__ import annotations

from typing import Literal

import pytest

from pytest_autoglm._settings import settings_of
from pytest_autoglm.gpu._cuda import TorchBuild, torch_build
from pytest_autoglm.gpu._inventory import read_inventory
from pytest_autoglm.gpu._model import GpuInventory
from pytest_autoglm.gpu._options import GPU, REQUIRE_GPU, SIMULATE_GPUS

Mode = Literal["off", "on", "required"]
INVENTORY_KEY = pytest.StashKey[GpuInventory]()
TORCH_KEY = pytest.StashKey[tuple[TorchBuild | None]]()


def gpu_mode(config: pytest.Config) -> Mode:
    """``required`` with --autoglm-require-gpu, ``on`` with --autoglm-gpu, else ``off``."""
    settings = settings_of(config)
    if settings[REQUIRE_GPU]:
        return "required"
    return "on" if settings[GPU] else "off"


def inventory(config: pytest.Config) -> GpuInventory:
    """The GPUs visible to this pytest process, read on first use and cached for the session."""
    cached = config.stash.get(INVENTORY_KEY, None)
    if cached is None:
        cached = read_inventory(simulate=settings_of(config)[SIMULATE_GPUS])
        config.stash[INVENTORY_KEY] = cached
    return cached


def torch_of(config: pytest.Config) -> TorchBuild | None:
    """torch's build (read without importing torch), cached for the session."""
    cached = config.stash.get(TORCH_KEY, None)
    if cached is None:
        cached = (torch_build(),)
        config.stash[TORCH_KEY] = cached
    return cached[0]
