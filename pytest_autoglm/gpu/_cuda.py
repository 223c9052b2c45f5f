"""Which CUDA a driver supports, which driver a CUDA build needs, and torch's CUDA build.

The table below is NVIDIA's "CUDA Toolkit and Corresponding Driver Versions" table from
the CUDA Toolkit Release Notes (https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/,
Linux x86_64 column), reduced to the minimum driver of each toolkit's first (GA) release,
11.0 through 13.1. A real driver reports its CUDA version itself through NVML
(``nvmlSystemGetCudaDriverVersion``); the table explains mismatches ("torch is built for
CUDA 13.0, which needs driver >= 580.65.06") and fills in simulated inventories. When
NVIDIA publishes a new toolkit, add its row at the top.

Reading torch's build never imports torch: if torch is not imported yet, its
``torch/version.py`` is parsed as text. (``import torch`` itself creates no CUDA context,
but ``torch.cuda.is_available()`` calls ``cudaGetDeviceCount``, which runs ``cuInit``
unless ``PYTORCH_NVML_BASED_CUDA_CHECK=1``; the controller must never do that.)
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

#: (CUDA toolkit, minimum Linux driver of its GA release), newest first.
CUDA_MIN_DRIVER: tuple[tuple[str, str], ...] = (
    ("13.1", "590.44.01"),
    ("13.0", "580.65.06"),
    ("12.9", "575.51.03"),
    ("12.8", "570.26"),
    ("12.6", "560.28.03"),
    ("12.5", "555.42.02"),
    ("12.4", "550.54.14"),
    ("12.3", "545.23.06"),
    ("12.2", "535.54.03"),
    ("12.1", "530.30.02"),
    ("12.0", "525.60.13"),
    ("11.8", "520.61.05"),
    ("11.7", "515.43.04"),
    ("11.6", "510.39.01"),
    ("11.5", "495.29.05"),
    ("11.4", "470.42.01"),
    ("11.3", "465.19.01"),
    ("11.2", "460.27.03"),
    ("11.1", "455.23"),
    ("11.0", "450.36.06"),
)


def version_key(text: str) -> tuple[int, ...]:
    """``"535.104.05"`` -> ``(535, 104, 5)``; non-numeric parts end the key."""
    key: list[int] = []
    for part in text.strip().split("."):
        digits = "".join(c for c in part if c.isdigit())
        if not digits:
            break
        key.append(int(digits))
    return tuple(key)


def cuda_for_driver(driver: str) -> str | None:
    """The newest CUDA toolkit (major.minor) a Linux driver supports, per the table."""
    have = version_key(driver)
    for cuda, minimum in CUDA_MIN_DRIVER:
        if have >= version_key(minimum):
            return cuda
    return None


def driver_for_cuda(cuda: str) -> str | None:
    """The minimum Linux driver for a CUDA major.minor, or ``None`` if the table lacks it."""
    want = version_key(cuda)[:2]
    for known, minimum in CUDA_MIN_DRIVER:
        if version_key(known) == want:
            return minimum
    return None


def cuda_from_nvml(value: int) -> str:
    """NVML encodes the driver's CUDA version as ``1000 * major + 10 * minor``: 12020 -> ``"12.2"``."""
    return f"{value // 1000}.{(value % 1000) // 10}"


@dataclass(frozen=True)
class TorchBuild:
    """torch's version and the CUDA it was built for (``None`` for CPU and ROCm builds)."""

    version: str
    cuda: str | None

    def mismatch(self, driver_cuda: str | None) -> str | None:
        """Why this build cannot use a driver that supports ``driver_cuda``, if it cannot.

        A different major version cannot work. A newer minor of the same major usually
        runs through CUDA minor-version compatibility, so it is reported, not refused.
        """
        if self.cuda is None or driver_cuda is None:
            return None
        built, have = version_key(self.cuda)[:2], version_key(driver_cuda)[:2]
        if built[:1] <= have[:1]:
            return None
        needed = driver_for_cuda(self.cuda)
        driver = f"driver >= {needed}" if needed else f"a driver for CUDA {self.cuda}"
        return f"{driver} for torch {self.version} (built for CUDA {self.cuda})"

    def describe(self, driver_cuda: str | None) -> str:
        """``torch 2.11.0+cu130``, with the CUDA build spelled out when it matters."""
        if self.cuda is None:
            return f"torch {self.version} (no CUDA)"
        if driver_cuda is not None and version_key(self.cuda) > version_key(driver_cuda):
            return f"torch {self.version} (built for CUDA {self.cuda} > driver's {driver_cuda})"
        return f"torch {self.version}"


def torch_build() -> TorchBuild | None:
    """torch's build, without importing torch if it is not imported yet; ``None`` if absent."""
    torch = sys.modules.get("torch")
    version_module = getattr(torch, "version", None)
    if version_module is not None:
        return TorchBuild(str(getattr(torch, "__version__", "?")), version_module.cuda)
    from importlib.util import find_spec

    try:
        spec = find_spec("torch")  # locates the package without executing it
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "version.py"
        if path.is_file():
            return _parse_version_file(path)
    return None


def _parse_version_file(path: Path) -> TorchBuild | None:
    values: dict[str, object] = {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            values[target.id] = value.value
    version = values.get("__version__")
    if not isinstance(version, str):
        return None
    cuda = values.get("cuda")
    return TorchBuild(version, cuda if isinstance(cuda, str) else None)
