"""Read the inventory once: NVML (or a simulated SPEC), then ``CUDA_VISIBLE_DEVICES``."""

from __future__ import annotations

import os
from typing import Final

from pytest_autoglm._reasons import plural
from pytest_autoglm.gpu._model import GpuInventory, Slot
from pytest_autoglm.gpu._nvml import load_nvml, read_nvml
from pytest_autoglm.gpu._simulate import SimulatedGpus, parse_simulation
from pytest_autoglm.gpu._visible import apply_visible_devices

FROM_ENVIRONMENT: Final = "<from the environment>"


def read_inventory(
    *, simulate: SimulatedGpus | str | None = None, visible_devices: str | None = FROM_ENVIRONMENT
) -> GpuInventory:
    """The GPUs this process can see, read now (no cache, no CUDA context, no torch).

    ``simulate`` replaces NVML with a described inventory (a SPEC string or a parsed
    :class:`SimulatedGpus`); ``visible_devices`` overrides ``CUDA_VISIBLE_DEVICES``
    (``None`` means unset).
    """
    if visible_devices == FROM_ENVIRONMENT:
        visible_devices = os.environ.get("CUDA_VISIBLE_DEVICES")
    if isinstance(simulate, str):
        simulate = parse_simulation(simulate)
    slots: tuple[Slot, ...]
    driver: str | None
    notes: tuple[str, ...] = ()
    if simulate is not None:
        slots, driver, cuda = simulate.slots(), simulate.driver, simulate.cuda
        reason = None if slots else "NVML reports no GPU"
    else:
        nvml, why = load_nvml()
        if nvml is None:
            return GpuInventory(reason=why, visible_devices=visible_devices)
        reading = read_nvml(nvml)
        slots, driver, cuda = reading.slots, reading.driver, reading.cuda
        reason, notes = reading.reason, reading.notes
    present = sum(len(slot.devices) for slot in slots)
    visible = apply_visible_devices(visible_devices, slots)
    if not visible.gpus and reason is None:
        hidden = "the only GPU" if present == 1 else f"all {plural(present, 'GPU')}"
        if visible_devices is not None and visible_devices.strip() == "":
            reason = f"CUDA_VISIBLE_DEVICES is empty, which hides {hidden}"
        else:
            reason = f"CUDA_VISIBLE_DEVICES={visible_devices!r} hides {hidden}"
    return GpuInventory(
        gpus=visible.gpus,
        driver=driver,
        cuda=cuda,
        reason=None if visible.gpus else reason,
        notes=notes + visible.notes,
        simulated=simulate is not None,
        visible_devices=visible_devices,
        present=present,
        slots=slots,
    )
