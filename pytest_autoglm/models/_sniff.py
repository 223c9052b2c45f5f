"""What a single file holds, judged from its first bytes, never from its name.

Standard library only: this runs before any optional package is imported, so a wrong
file is named even where torch, safetensors or onnx are missing.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Literal

Kind = Literal[
    "empty", "safetensors", "zip", "torch_legacy", "pickle", "onnx", "tf_graphdef",
    "tf_saved_model", "gguf", "hdf5", "npy", "lfs_pointer", "html", "unknown",
]  # fmt: skip

#: torch's legacy (pre-1.6) files start with a protocol-2 pickle of this magic number.
TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
#: the safetensors reference implementation refuses headers above 100 MB.
MAX_SAFETENSORS_HEADER = 100_000_000
#: ModelProto top-level fields (onnx.proto3) and their protobuf wire types.
_ONNX_FIELDS = {1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2}
_MAX_FIELDS = 4096

#: Why each unsupported kind cannot be loaded, and what to do instead.
UNSUPPORTED: dict[str, str] = {
    "gguf": "GGUF (llama.cpp) weights: torch, safetensors and onnx cannot read them; "
    "test with the original safetensors checkpoint, or load GGUF with llama-cpp-python",
    "tf_saved_model": "a TensorFlow SavedModel: this kit loads PyTorch, safetensors and ONNX; "
    "export it to ONNX (tf2onnx) or safetensors first",
    "tf_graphdef": "a TensorFlow GraphDef (.pb): this kit loads PyTorch, safetensors and ONNX; "
    "export it to ONNX (tf2onnx) first",
    "hdf5": "HDF5 (Keras .h5) weights: this kit loads PyTorch, safetensors and ONNX; "
    "convert them to safetensors first",
    "npy": "a single NumPy array (.npy), not a checkpoint: load it with numpy.load",
}

#: Files that are not weights at all, with the likely cause.
NOT_WEIGHTS: dict[str, str] = {
    "lfs_pointer": "a Git LFS pointer, not the weights: the repository was cloned without "
    "LFS; run `git lfs pull` in its directory",
    "html": "an HTML page, not weights: the download fetched an error or login page; "
    "download it again (with a token if the model is gated)",
    "empty": "empty (0 bytes): an interrupted download or copy; fetch the file again",
}


def sniff(path: Path) -> Kind:
    """The kind of content in ``path`` (a regular file)."""
    with path.open("rb") as stream:
        head = stream.read(64)
        if not head:
            return "empty"
        size = path.stat().st_size
        return _classify(head, stream, size)


def _classify(head: bytes, stream: BinaryIO, size: int) -> Kind:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(TORCH_LEGACY_MAGIC):
        return "torch_legacy"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    if head.startswith(b"GGUF"):
        return "gguf"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"version https://git-lfs"):
        return "lfs_pointer"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    if len(head) >= 9 and head[8:9] == b"{":
        (header_len,) = struct.unpack("<Q", head[:8])
        if 0 < header_len <= MAX_SAFETENSORS_HEADER:
            return "safetensors"
    return _classify_protobuf(stream, size)


def _classify_protobuf(stream: BinaryIO, size: int) -> Kind:
    """ONNX ModelProto, TensorFlow SavedModel / GraphDef, or unknown, from the top-level fields."""
    fields, complete = _top_level_fields(stream, size)
    if not fields:
        return "unknown"
    first_field, first_type = fields[0]
    numbers = {number for number, _ in fields}
    if first_field == 1 and first_type == 0:
        onnx_like = all(_ONNX_FIELDS.get(n) == t for n, t in fields)
        if onnx_like and (7 in numbers or 8 in numbers or not complete):
            return "onnx"
        if complete and numbers <= {1, 2}:
            return "tf_saved_model"  # saved_model_schema_version, meta_graphs
        return "unknown"
    if first_field == 1 and first_type == 2 and complete:
        return "tf_graphdef"  # repeated NodeDef node = 1
    return "unknown"


def _top_level_fields(stream: BinaryIO, size: int) -> tuple[list[tuple[int, int]], bool]:
    """(field number, wire type) of each top-level protobuf field; ``complete`` if parsed to EOF.

    Length-delimited fields are skipped with a seek, so a multi-GB ONNX file costs a few reads.
    """
    stream.seek(0)
    fields: list[tuple[int, int]] = []
    while len(fields) < _MAX_FIELDS:
        position = stream.tell()
        if position == size:
            return fields, True
        tag = _varint(stream)
        if tag is None or tag >> 3 == 0:
            return ([], False) if not fields else (fields, False)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            if _varint(stream) is None:
                return fields, False
        elif wire == 2:
            length = _varint(stream)
            if length is None:
                return fields, False
            end = stream.tell() + length
            if end > size:
                fields.append((number, wire))
                return fields, False  # truncated inside this field
            stream.seek(end)
        elif wire in (1, 5):
            stream.seek(8 if wire == 1 else 4, 1)
            if stream.tell() > size:
                return fields, False
        else:
            return ([], False) if not fields else (fields, False)
        fields.append((number, wire))
    return fields, True


def _varint(stream: BinaryIO) -> int | None:
    result = 0
    for shift in range(0, 70, 7):
        byte = stream.read(1)
        if not byte:
            return None
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return result
    return None


def top_level_complete(path: Path) -> bool:
    """Whether the protobuf's top-level fields parse to exactly the end of the file."""
    with path.open("rb") as stream:
        return _top_level_fields(stream, path.stat().st_size)[1]
