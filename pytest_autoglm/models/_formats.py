"""Which checkpoint a path holds, and whether it is whole, checked before anything is loaded.

A file's format comes from its content (:mod:`._sniff`); a directory is a Hugging Face
directory (``config.json`` plus weights), a sharded checkpoint (an index and its shards),
or a TensorFlow SavedModel (named as unsupported).
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pytest_autoglm._reasons import cut_list
from pytest_autoglm._sizes import format_size
from pytest_autoglm.models._errors import (
    CheckpointFormatError,
    CorruptCheckpointError,
    UnsupportedFormatError,
)
from pytest_autoglm.models._safetensors_header import read_header
from pytest_autoglm.models._sniff import NOT_WEIGHTS, UNSUPPORTED, Kind, sniff, top_level_complete

Format = Literal[
    "hf_dir", "sharded", "safetensors", "torch", "torch_legacy", "pickle", "torchscript", "onnx"
]
#: Hugging Face weight files, in the order transformers prefers them.
HF_WEIGHTS = (
    "model.safetensors.index.json",
    "model.safetensors",
    "pytorch_model.bin.index.json",
    "pytorch_model.bin",
)


@dataclass(frozen=True)
class CheckpointInfo:
    """What :func:`inspect_checkpoint` found: the format and the files that hold the weights."""

    path: Path
    format: Format
    files: tuple[Path, ...]
    detail: str
    config: Path | None = None

    @property
    def size(self) -> int:
        """Total bytes of the weight files."""
        return sum(f.stat().st_size for f in self.files)

    @property
    def mtime_ns(self) -> int:
        """Latest modification time of the path and its weight files (the cache key)."""
        paths = [self.path, *self.files, *([self.config] if self.config else [])]
        return max(p.stat().st_mtime_ns for p in paths)

    def describe(self) -> str:
        """``safetensors, 1.2 GiB`` for headers and summaries."""
        return f"{self.format}, {format_size(self.size)}"


def detect(path: Path) -> CheckpointInfo:
    """Detect and check the checkpoint at the resolved ``path`` (file or directory)."""
    if path.is_dir():
        return _detect_dir(path)
    return _detect_file(path, sniff(path))


def _detect_file(path: Path, kind: Kind) -> CheckpointInfo:
    if kind in NOT_WEIGHTS:
        cls = CorruptCheckpointError if kind == "empty" else CheckpointFormatError
        raise cls(f"{path} is {NOT_WEIGHTS[kind]}")
    if kind in UNSUPPORTED:
        raise UnsupportedFormatError(f"cannot load {path}: it is {UNSUPPORTED[kind]}")
    if kind == "safetensors":
        read_header(path)
        return CheckpointInfo(path, "safetensors", (path,), "safetensors file")
    if kind == "zip":
        return _detect_zip(path)
    if kind == "torch_legacy":
        return CheckpointInfo(path, "torch_legacy", (path,), "legacy (pre-1.6) torch.save file")
    if kind == "pickle":
        return CheckpointInfo(path, "pickle", (path,), "plain pickle")
    if kind == "onnx":
        if not top_level_complete(path):
            raise CorruptCheckpointError(
                f"bad ONNX file {path}: a top-level field runs past the end of the "
                f"{path.stat().st_size}-byte file (truncated download?)\n"
                "  fix: download or export the file again"
            )
        return CheckpointInfo(path, "onnx", (path,), "ONNX model")
    with path.open("rb") as stream:
        head = stream.read(16)
    raise CheckpointFormatError(
        f"unrecognised content in {path} (first bytes {head.hex(' ')}): expected safetensors, "
        "a torch.save file (zip or legacy pickle), TorchScript, ONNX, or a Hugging Face "
        "directory (config.json plus weights)\n"
        "  the format is judged from the content, not the file name; a damaged header or a "
        "wrong file (an archive, a text file) looks like this"
    )


def _detect_zip(path: Path) -> CheckpointInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise CorruptCheckpointError(
            f"bad zip checkpoint {path}: {exc}; the zip directory at the end of the file is "
            "missing or damaged: the file is truncated (an incomplete download or copy?)\n"
            "  fix: download or save the file again"
        ) from None
    records = {name.split("/", 1)[1] for name in names if "/" in name}
    if "constants.pkl" in records and any(r.startswith("code/") for r in records):
        return CheckpointInfo(path, "torchscript", (path,), "TorchScript archive")
    if "data.pkl" in records:
        return CheckpointInfo(path, "torch", (path,), "torch.save zip (state dict or object)")
    raise CheckpointFormatError(
        f"{path} is a zip archive but not a torch checkpoint: no <archive>/data.pkl inside "
        f"(holds {', '.join(cut_list(names, 5))})"
    )


def _detect_dir(path: Path) -> CheckpointInfo:
    entries = sorted(os.listdir(path))
    if "saved_model.pb" in entries or "saved_model.pbtxt" in entries:
        raise UnsupportedFormatError(f"cannot load {path}: it is {UNSUPPORTED['tf_saved_model']}")
    config = path / "config.json" if "config.json" in entries else None
    indexes = [e for e in entries if e.endswith(".index.json")]
    weights = next((w for w in HF_WEIGHTS if w in entries), None)
    if weights is None and indexes:
        weights = indexes[0]
    if weights is None:
        what = (
            "a Hugging Face directory without weights" if config else "not a checkpoint directory"
        )
        raise CheckpointFormatError(
            f"{path} is {what}: expected config.json with one of {', '.join(HF_WEIGHTS)} "
            f"(or an *.index.json with its shards); found: {', '.join(cut_list(entries, 10)) or 'nothing'}"
        )
    if config is None and not weights.endswith(".index.json"):
        return _detect_file(path / weights, sniff(path / weights))  # a folder around one file
    fmt: Format = "hf_dir" if config else "sharded"
    if weights.endswith(".index.json"):
        shards = _shards(path / weights)
        detail = f"{len(shards)} shards listed in {weights}"
    else:
        shards = (path / weights,)
        detail = weights
    for shard in shards:
        _check_shard(shard)
    return CheckpointInfo(path, fmt, shards, detail, config)


def _shards(index: Path) -> tuple[Path, ...]:
    try:
        weight_map = json.loads(index.read_text("utf-8"))["weight_map"]
        names = sorted(set(weight_map.values()))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptCheckpointError(
            f"bad shard index {index}: expected JSON with a 'weight_map' of tensor -> file ({exc!r})"
        ) from None
    missing = [n for n in names if not (index.parent / n).is_file()]
    if missing:
        raise CorruptCheckpointError(
            f"missing shard(s) in {index.parent}: {', '.join(cut_list(missing, 5))}\n"
            f"  {index.name} lists {len(names)} shard(s); {len(missing)} not found (an "
            "interrupted download?)\n  fix: download the missing shards"
        )
    return tuple(index.parent / n for n in names)


def _check_shard(shard: Path) -> None:
    kind = sniff(shard)
    if kind == "safetensors":
        read_header(shard)
    elif kind == "zip":
        _detect_zip(shard)
    elif kind not in ("torch_legacy", "pickle"):
        _detect_file(shard, kind)  # raises with the reason
