"""What the kit knows about GPUs: one :class:`GpuInfo` per GPU, one :class:`GpuInventory` per session."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pytest_autoglm._reasons import plural
from pytest_autoglm._sizes import format_size


@dataclass(frozen=True)
class GpuInfo:
    """One GPU (or MIG slice) as a CUDA program in this process would see it.

    ``index`` is the CUDA ordinal after ``CUDA_VISIBLE_DEVICES`` (``cuda:0`` is index 0);
    ``nvml_index`` is NVML's physical index (``nvidia-smi``'s GPU number). Memory is in
    bytes; ``capability`` is the compute capability, ``(8, 6)`` for sm_86.
    """

    index: int
    nvml_index: int
    name: str
    uuid: str
    memory_total: int
    memory_free: int
    capability: tuple[int, int]
    #: a MIG slice of a physical GPU (its ``uuid`` starts with ``MIG-``)
    mig: bool = False
    #: for a MIG slice: the physical GPU's UUID, GPU instance id and compute instance id
    parent_uuid: str | None = None
    mig_ids: tuple[int, int] | None = None

    @property
    def capability_text(self) -> str:
        return f"{self.capability[0]}.{self.capability[1]}"


@dataclass(frozen=True)
class Slot:
    """One physical GPU in NVML order: itself, or its MIG slices when MIG mode is on."""

    uuid: str
    devices: tuple[GpuInfo, ...]
    mig_mode: bool = False


def group_gpus(gpus: Sequence[GpuInfo]) -> list[tuple[GpuInfo, int]]:
    """Identical GPUs (same name and memory) once, with their count, in first-seen order."""
    groups: dict[tuple[str, int], list[GpuInfo]] = {}
    for gpu in gpus:
        groups.setdefault((gpu.name, gpu.memory_total), []).append(gpu)
    return [(members[0], len(members)) for members in groups.values()]


@dataclass(frozen=True)
class GpuInventory:
    """The GPUs visible to this process, read once per session (``autoglm_gpus``).

    ``gpus`` honours ``CUDA_VISIBLE_DEVICES`` the way CUDA does. When it is empty,
    ``reason`` says why ("NVML library not found", "CUDA_VISIBLE_DEVICES is empty: it
    hides all 2 GPUs", ...). ``driver`` is the NVIDIA driver version and ``cuda`` the
    newest CUDA version that driver supports. ``notes`` list anything odd met while
    reading (a GPU whose query failed, MIG slices CUDA will not enumerate, ...).
    """

    gpus: tuple[GpuInfo, ...] = ()
    driver: str | None = None
    cuda: str | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    simulated: bool = False
    #: ``CUDA_VISIBLE_DEVICES`` as read (``None``: unset)
    visible_devices: str | None = None
    #: GPUs and MIG slices present before ``CUDA_VISIBLE_DEVICES`` was applied
    present: int = 0
    slots: tuple[Slot, ...] = field(default=(), repr=False)

    def __len__(self) -> int:
        return len(self.gpus)

    def __iter__(self) -> Iterator[GpuInfo]:
        return iter(self.gpus)

    def __getitem__(self, index: int) -> GpuInfo:
        return self.gpus[index]

    @property
    def uuids(self) -> tuple[str, ...]:
        return tuple(gpu.uuid for gpu in self.gpus)

    def _driver_text(self) -> str:
        if self.driver is None:
            return "driver unknown"
        return f"driver {self.driver}" + (f" (CUDA {self.cuda})" if self.cuda else "")

    def _none_text(self) -> str:
        kind = "simulated GPU" if self.simulated else "GPU"
        return f"no {kind}" + (f" ({self.reason})" if self.reason else "")

    def describe(self) -> str:
        """Header form: ``2 GPUs: NVIDIA H100 80GB HBM3 x2 (79.6 GiB), driver 580.159.04 (CUDA 13.0)``."""
        if not self.gpus:
            return self._none_text()
        parts = []
        for gpu, count in group_gpus(self.gpus):
            times = f" x{count}" if count > 1 else ""
            parts.append(f"{gpu.name}{times} ({format_size(gpu.memory_total)})")
        kind = "simulated GPU" if self.simulated else "GPU"
        return f"{plural(len(self.gpus), kind)}: {', '.join(parts)}, {self._driver_text()}"

    def found(self, *, free: bool = False, capability: bool = False) -> str:
        """Skip-reason form: ``1 GPU: NVIDIA T4 15.0 GiB, driver 535.104.05 (CUDA 12.2)``.

        ``free`` and ``capability`` add the facts a requirement asked about.
        """
        if not self.gpus:
            return self._none_text()
        parts = []
        for gpu, count in group_gpus(self.gpus) if not free else [(g, 1) for g in self.gpus]:
            extras = [f"capability {gpu.capability_text}"] if capability else []
            if free:
                extras.append(f"{format_size(gpu.memory_free)} free")
            text = f"{gpu.name} {format_size(gpu.memory_total)}"
            text += f" ({', '.join(extras)})" if extras else ""
            parts.append(text + (f" x{count}" if count > 1 else ""))
        kind = "simulated GPU" if self.simulated else "GPU"
        return f"{plural(len(self.gpus), kind)}: {', '.join(parts)}, {self._driver_text()}"
