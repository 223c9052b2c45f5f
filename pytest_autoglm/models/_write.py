"""Tiny checkpoints in every supported form, whole or damaged, for tests of loading code.

The model is a two-layer MLP (``Linear(8, 16) -> ReLU -> Linear(16, 4)``, 212 float32
weights) whose values come from ``random.Random(seed)``, so the same seed gives the same
bytes. safetensors files are written by hand (no package needed); torch formats need
torch, ``onnx`` needs onnx.
"""

from __future__ import annotations

import json
import random
import struct
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pytest_autoglm.models._errors import ModelUsageError, require

WriteFormat = Literal[
    "safetensors", "pt", "state_dict", "legacy", "torchscript", "onnx", "hf_dir", "sharded"
]
Corruption = Literal["truncated", "bad_header", "missing_shard"]
WRITE_FORMATS: tuple[str, ...] = get_args(WriteFormat)
CORRUPTIONS: tuple[str, ...] = get_args(Corruption)

#: tensor name -> shape, in the naming torch.nn.Sequential gives the MLP.
SHAPES: dict[str, tuple[int, ...]] = {
    "0.weight": (16, 8), "0.bias": (16,), "2.weight": (4, 16), "2.bias": (4,),
}  # fmt: skip
_DEFAULT_NAMES: dict[str, str] = {
    "safetensors": "model.safetensors", "pt": "model.pt", "state_dict": "state_dict.pt",
    "legacy": "legacy.pt", "torchscript": "scripted.pt", "onnx": "model.onnx",
    "hf_dir": "hf_model", "sharded": "sharded_model",
}  # fmt: skip
_ZIP_FORMATS = ("pt", "state_dict")
HF_CONFIG = {
    "architectures": ["TinyAutoGLMTestMLP"],
    "model_type": "tiny-autoglm-test",
    "hidden_sizes": [8, 16, 4],
    "torch_dtype": "float32",
}


def _plain_name(name: str | None, format: str) -> str:
    """``name`` as one path component, so the checkpoint stays inside ``directory``."""
    if name is None:
        return _DEFAULT_NAMES[format]
    if not isinstance(name, str):
        raise ModelUsageError(f"name must be a file name (str), not {type(name).__name__}")
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ModelUsageError(
            f"name={name!r} is not a plain file name: it must not be empty, '.', '..', or hold"
            " '/', '\\' or NUL (the checkpoint is written inside the test's own folder)"
        )
    return name


def write_checkpoint(
    directory: str | Path,
    format: WriteFormat = "safetensors",
    *,
    corrupt: Corruption | None = None,
    saved_on: str | None = None,
    seed: int = 0,
    name: str | None = None,
) -> Path:
    """Write a tiny random checkpoint under ``directory`` and return its path.

    ``corrupt`` damages it the way downloads break; ``saved_on="cuda:0"`` records that
    location in a torch zip file, as if it were saved on a GPU.
    """
    if format not in WRITE_FORMATS:
        raise ModelUsageError(
            f"unknown checkpoint format {format!r}; accepted: {', '.join(WRITE_FORMATS)}"
        )
    if corrupt is not None and corrupt not in CORRUPTIONS:
        raise ModelUsageError(
            f"unknown corruption {corrupt!r}; accepted: None, {', '.join(CORRUPTIONS)}"
        )
    if corrupt == "missing_shard" and format != "sharded":
        raise ModelUsageError(f"corrupt='missing_shard' needs format='sharded', not {format!r}")
    if saved_on is not None and format not in _ZIP_FORMATS:
        raise ModelUsageError(
            f"saved_on applies to torch zip formats ({', '.join(_ZIP_FORMATS)}), not {format!r}"
        )
    target = Path(directory) / _plain_name(name, format)
    if target.exists():
        raise ModelUsageError(f"{target} already exists; pass another name= or directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    weights = tiny_weights(seed)
    _WRITERS[format](target, weights)
    if saved_on is not None:
        _relocate(target, saved_on)
    if corrupt is not None:
        _damage(target, format, corrupt)
    return target


def tiny_weights(seed: int = 0) -> dict[str, list[float]]:
    """The MLP's weights as flat float lists (row-major), the same for the same seed."""
    rng = random.Random(seed)
    sizes = {name: _numel(shape) for name, shape in SHAPES.items()}
    return {name: [rng.uniform(-0.5, 0.5) for _ in range(n)] for name, n in sizes.items()}


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for dim in shape:
        count *= dim
    return count


def safetensors_bytes(
    weights: dict[str, list[float]], shapes: Mapping[str, tuple[int, ...]] = SHAPES
) -> bytes:
    """A safetensors file of float32 tensors, written by hand (no safetensors package)."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    data = bytearray()
    for tensor_name in sorted(weights):
        packed = struct.pack(f"<{len(weights[tensor_name])}f", *weights[tensor_name])
        header[tensor_name] = {
            "dtype": "F32", "shape": list(shapes[tensor_name]),
            "data_offsets": [len(data), len(data) + len(packed)],
        }  # fmt: skip
        data += packed
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the reference writer pads the header to 8 bytes
    return struct.pack("<Q", len(text)) + text + bytes(data)


def _write_safetensors(target: Path, weights: dict[str, list[float]]) -> None:
    target.write_bytes(safetensors_bytes(weights))


def _torch() -> Any:
    require("torch", "writing a torch checkpoint")
    import torch

    return torch


def _torch_module(weights: dict[str, list[float]]) -> Any:
    torch = _torch()

    module = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    state = {k: torch.tensor(v, dtype=torch.float32).reshape(SHAPES[k]) for k, v in weights.items()}
    module.load_state_dict(state)
    return module


def _write_pt(target: Path, weights: dict[str, list[float]]) -> None:
    torch = _torch()
    torch.save(_torch_module(weights), target)


def _write_state_dict(target: Path, weights: dict[str, list[float]]) -> None:
    torch = _torch()
    torch.save(_torch_module(weights).state_dict(), target)


def _write_legacy(target: Path, weights: dict[str, list[float]]) -> None:
    torch = _torch()
    state = _torch_module(weights).state_dict()
    torch.save(state, target, _use_new_zipfile_serialization=False)


def _write_torchscript(target: Path, weights: dict[str, list[float]]) -> None:
    torch = _torch()
    module = _torch_module(weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated upstream
        torch.jit.script(module).save(str(target))


def _write_onnx(target: Path, weights: dict[str, list[float]]) -> None:
    require("onnx", "writing an ONNX model")
    from onnx import TensorProto, helper, save_model

    inits = [
        helper.make_tensor(k, TensorProto.FLOAT, SHAPES[k], v) for k, v in sorted(weights.items())
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "0.weight", "0.bias"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "2.weight", "2.bias"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_autoglm_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        initializer=inits,
    )  # fmt: skip
    model = helper.make_model(
        graph, producer_name="pytest-autoglm", opset_imports=[helper.make_opsetid("", 13)]
    )
    save_model(model, str(target))


def _write_hf_dir(target: Path, weights: dict[str, list[float]]) -> None:
    target.mkdir()
    (target / "config.json").write_text(json.dumps(HF_CONFIG, indent=2))
    _write_safetensors(target / "model.safetensors", weights)


def _write_sharded(target: Path, weights: dict[str, list[float]]) -> None:
    target.mkdir()
    (target / "config.json").write_text(json.dumps(HF_CONFIG, indent=2))
    names = sorted(weights)
    shards = [names[: len(names) // 2], names[len(names) // 2 :]]
    weight_map = {}
    for number, shard in enumerate(shards, 1):
        file_name = f"model-{number:05d}-of-{len(shards):05d}.safetensors"
        _write_safetensors(target / file_name, {k: weights[k] for k in shard})
        weight_map.update(dict.fromkeys(shard, file_name))
    index = {
        "metadata": {"total_size": 4 * sum(len(v) for v in weights.values())},
        "weight_map": weight_map,
    }
    (target / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))


_WRITERS = {
    "safetensors": _write_safetensors, "pt": _write_pt, "state_dict": _write_state_dict,
    "legacy": _write_legacy, "torchscript": _write_torchscript, "onnx": _write_onnx,
    "hf_dir": _write_hf_dir, "sharded": _write_sharded,
}  # fmt: skip


def _relocate(target: Path, location: str) -> None:
    """Rewrite the storage locations in ``data.pkl`` from ``cpu`` to ``location``.

    torch records each storage's device as a pickled string; a file saved on a GPU holds
    ``cuda:0`` there, and loading it without ``map_location`` fails on a CPU-only machine.
    """
    cpu = b"X\x03\x00\x00\x00cpu"  # BINUNICODE 'cpu' in a protocol-2 pickle
    where = b"X" + struct.pack("<I", len(location.encode())) + location.encode()
    with zipfile.ZipFile(target) as archive:
        records = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for info, content in records:
            patched = (
                content.replace(cpu, where) if info.filename.endswith("/data.pkl") else content
            )
            archive.writestr(info, patched)


def _damage(target: Path, format: str, corrupt: str) -> None:
    if format in ("hf_dir", "sharded"):
        shards = sorted(target.glob("*.safetensors"))
        if corrupt == "missing_shard":
            shards[-1].unlink()
            return
        target, format = shards[-1], "safetensors"
    data = target.read_bytes()
    if format == "safetensors":
        (length,) = struct.unpack("<Q", data[:8])
        body = 8 + length
        if corrupt == "truncated":  # keep the header whole; lose half the tensor data
            target.write_bytes(data[: body + (len(data) - body) // 2])
        else:  # keep '{' so the content still reads as safetensors
            target.write_bytes(data[:9] + b"\x00" * (length - 1) + data[body:])
    elif corrupt == "truncated":
        target.write_bytes(data[: len(data) // 2])
    else:
        target.write_bytes(b"\x00" * 8 + data[8:])
