"""``--autoglm-simulate-gpus SPEC``: a described inventory that replaces NVML.

SPEC is a ``;``-separated list. Each item is a group of identical GPUs,
``[COUNTx ]NAME: memory=SIZE[, free=SIZE][, capability=X.Y]``, or the driver,
``driver=VERSION[, cuda=X.Y]``; ``none`` means a machine where NVML finds no GPU::

    NVIDIA T4: memory=15GiB; driver=535.104.05
    2x NVIDIA H100 80GB HBM3: memory=79.6GiB, capability=9.0; driver=580.159.04
    NVIDIA A100-SXM4-80GB: memory=79GiB, free=20GiB; NVIDIA T4: memory=15GiB

``free`` defaults to ``memory``, ``capability`` to 8.0, the driver to 580.65.06, and
``cuda`` to the newest CUDA that driver supports. ``CUDA_VISIBLE_DEVICES`` applies to a
simulated inventory as to a real one (GPU ``i`` has the UUID
``GPU-0000000i-0000-4000-8000-000000000000``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_autoglm._sizes import SizeError, parse_size
from pytest_autoglm.gpu._cuda import cuda_for_driver, version_key
from pytest_autoglm.gpu._model import GpuInfo, Slot

DEFAULT_DRIVER = "580.65.06"
_COUNT = re.compile(r"^(\d+)\s*[xX]\s+(.+)$")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_GPU_KEYS = ("memory", "free", "capability")
#: More than any one machine exposes (NVML lists at most 64 per node today); keeps a typo such
#: as ``80000x`` from building millions of simulated GPUs.
MAX_SIMULATED_GPUS = 1024


class GpuSpecError(ValueError):
    """A malformed ``--autoglm-simulate-gpus`` SPEC; the message names the part and shows an example."""


def _fields(text: str, item: str, allowed: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in text.split(","):
        key, sep, value = (p.strip() for p in pair.partition("="))
        if not sep or not key or not value:
            raise GpuSpecError(f"in {item!r}: expected key=value, got {pair.strip()!r}")
        if key not in allowed:
            raise GpuSpecError(f"in {item!r}: unknown key {key!r} (known: {', '.join(allowed)})")
        fields[key] = value
    return fields


def _version(value: str, what: str, item: str) -> str:
    if not _VERSION.match(value):
        raise GpuSpecError(f"in {item!r}: {what} {value!r} is not a version like 12.4")
    return value


@dataclass(frozen=True)
class SimulatedGpus:
    """A parsed SPEC. Its ``repr`` is the SPEC text, so headers show what the user wrote."""

    text: str
    groups: tuple[tuple[int, str, int, int, tuple[int, int]], ...]  # count, name, total, free, cc
    driver: str = DEFAULT_DRIVER
    cuda: str | None = None

    def __repr__(self) -> str:
        return repr(self.text)

    def slots(self) -> tuple[Slot, ...]:
        slots: list[Slot] = []
        for count, name, total, free, capability in self.groups:
            for _ in range(count):
                index = len(slots)
                uuid = f"GPU-{index:08x}-0000-4000-8000-000000000000"
                gpu = GpuInfo(index, index, name, uuid, total, free, capability)
                slots.append(Slot(uuid, (gpu,)))
        return tuple(slots)


def parse_simulation(text: str) -> SimulatedGpus:
    """Parse a SPEC; a malformed one raises :class:`GpuSpecError` naming the bad part."""
    spec = text.strip()
    if not spec:
        raise GpuSpecError("the SPEC is empty")
    if spec.lower() == "none":
        return SimulatedGpus(spec, ())
    groups: list[tuple[int, str, int, int, tuple[int, int]]] = []
    total_count = 0
    driver, cuda = DEFAULT_DRIVER, None
    for raw_item in spec.split(";"):
        item = raw_item.strip()
        if not item:
            raise GpuSpecError(f"empty item between ';' in {spec!r}")
        if item.startswith(("driver=", "cuda=")):
            fields = _fields(item, item, ("driver", "cuda"))
            driver = _version(fields.get("driver", driver), "driver", item)
            cuda = _version(fields["cuda"], "cuda", item) if "cuda" in fields else cuda
            continue
        head, _, tail = item.partition(":")
        count, name = 1, head.strip()
        counted = _COUNT.match(name)
        if counted:
            digits, name = counted.group(1), counted.group(2).strip()
            if len(digits) > 12:  # int() of thousands of digits is slow; no count needs 13
                raise GpuSpecError(
                    f"in {name[:40]!r}: a count of {len(digits)} digits; a simulation"
                    f" allows at most {MAX_SIMULATED_GPUS} GPUs"
                )
            count = int(digits)
        if count < 1 or not name:
            raise GpuSpecError(f"in {item!r}: expected '[Nx ]NAME: memory=SIZE' with N >= 1")
        total_count += count
        if total_count > MAX_SIMULATED_GPUS:
            in_all = " in all" if groups else ""
            raise GpuSpecError(
                f"in {item[:60]!r}: {total_count} GPUs{in_all}; a simulation allows at most"
                f" {MAX_SIMULATED_GPUS} GPUs"
            )
        fields = _fields(tail, item, _GPU_KEYS) if tail.strip() else {}
        if "memory" not in fields:
            raise GpuSpecError(
                f"in {item!r}: memory=SIZE is missing (e.g. 'NVIDIA T4: memory=15GiB')"
            )
        try:
            total = parse_size(fields["memory"])
            free = parse_size(fields.get("free", fields["memory"]))
        except SizeError as exc:
            raise GpuSpecError(f"in {item!r}: {exc}") from None
        if free > total:
            raise GpuSpecError(f"in {item!r}: free memory exceeds memory")
        key = version_key(_version(fields.get("capability", "8.0"), "capability", item))
        groups.append((count, name, total, free, (key[0], key[1] if len(key) > 1 else 0)))
    return SimulatedGpus(spec, tuple(groups), driver, cuda or cuda_for_driver(driver))
