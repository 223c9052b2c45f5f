"""Safe loading of each format: weights-only torch, memory-mapped safetensors, refused pickles.

Needs torch for every format but ONNX; safetensors and onnx where their formats are
loaded; transformers only for a Hugging Face directory, and only when it is installed.
Each is imported here, when a load asks for it.
"""

from __future__ import annotations

import importlib
import json
import pickle
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_autoglm.models._errors import (
    CorruptCheckpointError,
    ModelError,
    ModelUsageError,
    UnsafePickleError,
    importable,
    require,
)
from pytest_autoglm.models._formats import CheckpointInfo
from pytest_autoglm.models._sniff import sniff
from pytest_autoglm.models._unpickle import load_data_pickle, unsafe_message

_REFUSED_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


def load_info(
    info: CheckpointInfo, *, map_location: Any, trust_pickle: bool, transformers: bool | None
) -> Any:
    """Load a checkpoint already found and checked by :func:`detect`."""
    fmt = info.format
    if fmt == "onnx":
        require("onnx", "loading an ONNX model")
        import onnx

        return _guarded(info, lambda: onnx.load(str(info.path)))
    if fmt == "pickle":  # plain data needs no torch
        return _guarded(info, lambda: load_data_pickle(info.path, trust_pickle=trust_pickle))
    require("torch", f"loading a {fmt} checkpoint")
    if fmt == "safetensors":
        return _load_safetensors(info.path, map_location)
    if fmt in ("torch", "torch_legacy"):
        return _load_torch(info.path, map_location, trust_pickle, fmt)
    if fmt == "torchscript":
        return _load_torchscript(info, map_location)
    if fmt == "hf_dir" and _use_transformers(info, transformers):
        return _load_transformers(info, map_location)
    if transformers and fmt == "sharded":
        raise ModelUsageError(
            f"transformers=True needs a Hugging Face directory with config.json; {info.path} has none"
        )
    tensors: dict[str, Any] = {}
    for shard in info.files:
        part = (
            _load_safetensors(shard, map_location)
            if shard.name.endswith(".safetensors")
            else _load_torch(shard, map_location, trust_pickle, _torch_kind(shard))
        )
        tensors.update(part)
    return tensors


def _load_safetensors(path: Path, map_location: Any) -> Any:
    require("safetensors", "loading a safetensors file")
    from safetensors.torch import load_file

    # load_file memory-maps the file: pages are read when a tensor is first touched.
    return _guarded_path(path, "safetensors", lambda: load_file(path, device=str(map_location)))


def _load_torch(path: Path, map_location: Any, trust_pickle: bool, fmt: str = "torch") -> Any:
    import torch

    # zip files memory-map onto the CPU, so a large state dict is not copied into private memory
    mmap = fmt == "torch" and str(map_location) == "cpu"
    try:
        return torch.load(path, map_location=map_location, weights_only=not trust_pickle, mmap=mmap)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "Weights only load failed" not in text:
            raise _failure(path, fmt, exc) from None
        refused = _REFUSED_GLOBAL.search(text)
        needs = (
            f"the global {refused.group(1)}" if refused else "objects outside torch's allow-list"
        )
        raise UnsafePickleError(unsafe_message(path, needs)) from None
    except Exception as exc:
        raise _failure(path, fmt, exc) from None


def _torch_kind(shard: Path) -> str:
    return "torch" if sniff(shard) == "zip" else "torch_legacy"


def _load_torchscript(info: CheckpointInfo, map_location: Any) -> Any:
    import torch

    with warnings.catch_warnings():
        # torch.jit is deprecated in recent torch; loading existing archives still works.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _guarded(info, lambda: torch.jit.load(str(info.path), map_location=map_location))  # type: ignore[no-untyped-call]


def _use_transformers(info: CheckpointInfo, wanted: bool | None) -> bool:
    if wanted is False:
        return False
    if wanted:
        require("transformers", "loading a Hugging Face directory with transformers=True")
        return True
    if not importable("transformers"):
        return False
    # Without trust_remote_code only model types transformers knows can load; others as tensors.
    known = importlib.import_module("transformers").CONFIG_MAPPING
    return _model_type(info) in known


def _model_type(info: CheckpointInfo) -> str | None:
    assert info.config is not None
    try:
        value = json.loads(info.config.read_text("utf-8")).get("model_type")
    except (ValueError, AttributeError) as exc:
        raise CorruptCheckpointError(f"bad {info.config}: not a JSON object ({exc})") from None
    return value if isinstance(value, str) else None


def _load_transformers(info: CheckpointInfo, map_location: Any) -> Any:
    auto_model = importlib.import_module("transformers").AutoModel

    def load() -> Any:
        model = auto_model.from_pretrained(
            str(info.path), local_files_only=True, trust_remote_code=False, torch_dtype="auto"
        )
        return model.to(map_location)

    return _guarded(info, load)


def _guarded(info: CheckpointInfo, load: Callable[[], Any]) -> Any:
    return _guarded_path(info.path, info.format, load)


def _guarded_path(path: Path, fmt: str, load: Callable[[], Any]) -> Any:
    try:
        return load()
    except ModelError:
        raise
    except Exception as exc:
        raise _failure(path, fmt, exc) from None


def _failure(path: Path, fmt: str, exc: BaseException) -> ModelError:
    text = f"{type(exc).__name__}: {exc}".strip()
    lowered = text.lower()
    truncated = isinstance(exc, EOFError | zipfile.BadZipFile) or any(
        hint in lowered for hint in _TRUNCATED_HINTS
    )
    cls = CorruptCheckpointError if truncated else ModelError
    why = " (the file looks truncated: an incomplete download or copy?)" if truncated else ""
    fix = ""
    if "cuda" in lowered:
        fix = (
            "\n  fix: this machine cannot place tensors on that CUDA device; load with "
            "map_location='cpu' or a device it has"
        )
    return cls(f"loading {path} as {fmt} failed{why}\n  {text.splitlines()[0]}{fix}")


_TRUNCATED_HINTS = (
    "truncated",
    "unexpected end",
    "unexpected eof",
    "failed finding central",
    "corrupted",
)
