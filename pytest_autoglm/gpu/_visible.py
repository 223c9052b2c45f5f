"""``CUDA_VISIBLE_DEVICES`` applied the way CUDA applies it.

CUDA's rules (CUDA C Programming Guide, "CUDA Environment Variables"; NVIDIA MPS and MIG
guides; and the rules PyTorch's ``_parse_visible_devices`` reproduces from the driver):

- unset: every GPU is visible, in NVML (PCI bus) order;
- a comma-separated list of indices, ``GPU-<uuid>`` or ``MIG-<uuid>`` entries (the
  first entry's form decides the form of the list); the visible GPUs come in list order;
- a UUID may be shortened to any prefix that names one GPU (``GPU-8932f937``); an
  ambiguous prefix is invalid;
- the old MIG form ``MIG-GPU-<uuid>/<gpu instance>/<compute instance>`` is accepted;
- an index is read like ``strtoul``: ``"1gpu"`` is 1; an entry that is not a number, a
  negative or too large index, an unknown UUID, or an entry of the other form is invalid,
  and an invalid entry ends the list there: ``0,2,-1,1`` shows GPUs 0 and 2;
- naming the same GPU twice hides every GPU;
- the empty string hides every GPU (while ``torch.cuda.is_available()`` may still say
  ``True`` with a device count of 0);
- a CUDA process enumerates at most one MIG slice; further slices stay hidden.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pytest_autoglm._reasons import plural
from pytest_autoglm.gpu._model import GpuInfo, Slot

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")
_OLD_MIG = re.compile(r"^MIG-(GPU-[^/]*)/(\d+)/(\d+)$")


@dataclass(frozen=True)
class Visible:
    """The GPUs a CUDA process would see, renumbered from 0, and why some are hidden."""

    gpus: tuple[GpuInfo, ...]
    notes: tuple[str, ...] = ()


def _prefix_match(candidate: str, uuids: Sequence[str]) -> int | None:
    hits = [i for i, uuid in enumerate(uuids) if uuid.startswith(candidate)]
    return hits[0] if len(hits) == 1 else None


def _select(value: str, slots: Sequence[Slot]) -> tuple[list[GpuInfo], str | None]:
    """The selected devices and, if the list was cut or emptied, why."""
    entries = value.split(",")
    migs = [gpu for slot in slots for gpu in slot.devices if gpu.mig]
    prefix = "GPU-" if value.startswith("GPU-") else "MIG-" if value.startswith("MIG-") else ""
    chosen: list[tuple[str, tuple[GpuInfo, ...]]] = []  # (identity, devices)
    for entry in entries:
        found: tuple[str, tuple[GpuInfo, ...]] | None = None
        if not prefix:
            match = _LEADING_INT.match(entry)
            number = int(match.group(1)) if match else -1
            if 0 <= number < len(slots):
                found = (f"gpu{number}", slots[number].devices)
        elif entry.startswith(prefix):
            old = _OLD_MIG.match(entry) if prefix == "MIG-" else None
            if old:
                at = _prefix_match(old.group(1), [slot.uuid for slot in slots])
                ids = (int(old.group(2)), int(old.group(3)))
                hits = [] if at is None else [g for g in slots[at].devices if g.mig_ids == ids]
                if hits:
                    found = (hits[0].uuid, (hits[0],))
            elif prefix == "GPU-":
                at = _prefix_match(entry, [slot.uuid for slot in slots])
                if at is not None:
                    found = (f"gpu{at}", slots[at].devices)
            else:
                at = _prefix_match(entry, [gpu.uuid for gpu in migs])
                if at is not None:
                    found = (migs[at].uuid, (migs[at],))
        if found is None:
            why = f"entry {entry!r} names no single GPU, so CUDA ignores it and what follows"
            return [
                g for _, devices in chosen for g in devices
            ], f"CUDA_VISIBLE_DEVICES={value!r}: {why}"
        if any(found[0] == identity for identity, _ in chosen):
            return [], f"CUDA_VISIBLE_DEVICES={value!r} names a GPU twice, which hides all GPUs"
        chosen.append(found)
    return [g for _, devices in chosen for g in devices], None


def apply_visible_devices(value: str | None, slots: Sequence[Slot]) -> Visible:
    """The devices of ``slots`` (NVML order) that ``CUDA_VISIBLE_DEVICES=value`` leaves visible."""
    notes: list[str] = []
    if value is None:
        selected = [gpu for slot in slots for gpu in slot.devices]
    elif value.strip() == "":
        selected = []
    else:
        selected, why = _select(value, slots)
        if why:
            notes.append(why)
    migs = [gpu for gpu in selected if gpu.mig]
    if len(migs) > 1:
        dropped = {gpu.uuid for gpu in migs[1:]}
        selected = [gpu for gpu in selected if gpu.uuid not in dropped]
        notes.append(
            f"CUDA enumerates one MIG slice per process: {plural(len(dropped), 'slice')} hidden"
        )
    return Visible(tuple(replace(gpu, index=i) for i, gpu in enumerate(selected)), tuple(notes))
