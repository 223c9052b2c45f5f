"""``@pytest.mark.autoglm_gpu(...)``: what a test needs, checked against the inventory."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_autoglm._reasons import need_found, plural
from pytest_autoglm._sizes import SizeError, format_size, parse_size
from pytest_autoglm.gpu._model import GpuInfo, GpuInventory

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from pytest_autoglm.gpu._cuda import TorchBuild

_OPERATOR = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>|===)")
_BARE_VERSION = re.compile(r"^\d+(\.\d+)*$")


def _specifier(name: str, value: object, example: str) -> SpecifierSet | None:
    """A PEP 440 specifier set (``">=12.1"``), imported lazily (packaging costs ~30 ms)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name}={value!r}: expected a version specifier string like {example!r}")
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not all(_OPERATOR.match(part) for part in value.split(",")):
        bare = value.strip()
        if _BARE_VERSION.match(bare):  # "12.4": a version without its operator
            hint = f"did you mean {'>=' + bare!r}?"
        else:
            hint = f"write an operator and a version, like {example!r}"
        raise ValueError(f"{name}={value!r} is not a version specifier; {hint}")
    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        raise ValueError(f"{name}={value!r} is not a version specifier like {example!r}") from None


def _size(name: str, value: object) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)  # type: ignore[arg-type]
    except SizeError as exc:
        raise ValueError(f"{name}={value!r}: {exc}") from None


def _spaced(specifier: str) -> str:
    """``">=12.4,<13"`` -> ``">= 12.4, < 13"``, as reasons print it."""
    parts = (_OPERATOR.sub(lambda m: m.group(1) + " ", p.strip()) for p in specifier.split(","))
    return ", ".join(" ".join(part.split()) for part in parts)


def _shown(size: str | int) -> str:
    """A size as the user wrote it; a number of bytes in human units."""
    return size if isinstance(size, str) else format_size(size)


def _version(text: str) -> object:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _contains(spec: SpecifierSet, text: str | None) -> bool:
    version = _version(text) if text else None
    return version is not None and spec.contains(version, prereleases=True)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class GpuRequirement:
    """What a test marked ``autoglm_gpu`` needs: ``count`` GPUs that each meet every limit.

    ``memory`` and ``free_memory`` are sizes (``"24 GiB"``); ``cuda`` (the newest CUDA the
    driver supports), ``driver`` and ``capability`` are PEP 440 specifiers (``">=12.1"``,
    ``">=535"``, ``">=8.0"``); ``name`` is a case-insensitive substring (``"H100"``) or a
    glob (``"*A100*80GB*"``).
    """

    count: int = 1
    memory: str | int | None = None
    free_memory: str | int | None = None
    cuda: str | None = None
    driver: str | None = None
    capability: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"count={self.count!r}: expected a whole number >= 1")
        _size("memory", self.memory)
        _size("free_memory", self.free_memory)
        _specifier("cuda", self.cuda, ">=12.1")
        _specifier("driver", self.driver, ">=535")
        _specifier("capability", self.capability, ">=8.0")
        if self.name is not None and (not isinstance(self.name, str) or not self.name.strip()):
            raise ValueError(f"name={self.name!r}: expected a GPU name or pattern like 'H100'")

    def need(self) -> str:
        """``1 GPU with >= 24 GiB, CUDA >= 12.4``."""
        limits = []
        if self.name is not None:
            limits.append(f"name {self.name!r}")
        if self.memory is not None:
            limits.append(f">= {_shown(self.memory)}")
        if self.free_memory is not None:
            limits.append(f">= {_shown(self.free_memory)} free")
        if self.capability is not None:
            limits.append(f"capability {_spaced(self.capability)}")
        if self.cuda is not None:
            limits.append(f"CUDA {_spaced(self.cuda)}")
        if self.driver is not None:
            limits.append(f"driver {_spaced(self.driver)}")
        return plural(self.count, "GPU") + (f" with {', '.join(limits)}" if limits else "")

    def fits(self, gpu: GpuInfo) -> bool:
        """Whether one GPU meets the per-GPU limits (name, memory, capability)."""
        memory, free = _size("memory", self.memory), _size("free_memory", self.free_memory)
        if memory is not None and gpu.memory_total < memory:
            return False
        if free is not None and gpu.memory_free < free:
            return False
        capability = _specifier("capability", self.capability, ">=8.0")
        if capability is not None and not _contains(capability, gpu.capability_text):
            return False
        if self.name is not None:
            pattern = self.name.lower()
            pattern = pattern if any(c in pattern for c in "*?[") else f"*{pattern}*"
            if not fnmatch.fnmatchcase(gpu.name.lower(), pattern):
                return False
        return True

    def unmet(self, inventory: GpuInventory, torch: TorchBuild | None = None) -> str | None:
        """``None`` when the inventory meets this requirement, else the skip reason."""
        problems = []
        cuda = _specifier("cuda", self.cuda, ">=12.1")
        if cuda is not None and not _contains(cuda, inventory.cuda):
            problems.append("cuda")
        driver = _specifier("driver", self.driver, ">=535")
        if driver is not None and not _contains(driver, inventory.driver):
            problems.append("driver")
        fitting = [gpu for gpu in inventory.gpus if self.fits(gpu)]
        torch_needs = torch.mismatch(inventory.cuda) if torch and inventory.gpus else None
        if not problems and len(fitting) >= self.count and torch_needs is None:
            return None
        need = self.need() + (f", {torch_needs}" if torch_needs else "")
        found = inventory.found(
            free=self.free_memory is not None, capability=self.capability is not None
        )
        if torch_needs and torch is not None:
            found += f", torch {torch.version}"
        return need_found(need, found)
