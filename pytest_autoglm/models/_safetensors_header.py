"""Validate a safetensors header without the safetensors package: length, JSON, offsets, size.

Layout: 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (plus optional ``__metadata__``), then
the data section, whose length must equal the largest ``end``.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from pytest_autoglm._sizes import format_size
from pytest_autoglm.models._errors import CorruptCheckpointError
from pytest_autoglm.models._sniff import MAX_SAFETENSORS_HEADER

DTYPE_BYTES: dict[str, float] = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F4": 0.5,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8, "C64": 8,
}  # fmt: skip


def read_header(path: Path) -> dict[str, Any]:
    """The parsed header of ``path``; raises CorruptCheckpointError naming what is wrong."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise _corrupt(path, f"only {size} bytes, shorter than the 8-byte header length")
        (header_len,) = struct.unpack("<Q", prefix)
        if header_len > MAX_SAFETENSORS_HEADER:
            raise _corrupt(path, f"header length {header_len} exceeds the 100 MB limit")
        if 8 + header_len > size:
            raise _corrupt(
                path, f"header length {header_len} runs past the end of the {size}-byte file "
                "(truncated download?)",
            )  # fmt: skip
        raw = stream.read(header_len)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, f"header is not valid JSON ({exc})") from None
    except RecursionError:
        # A real header is two levels deep; thousands of '[' are a broken or hostile file.
        raise _corrupt(
            path, "header JSON is nested too deeply to be a safetensors header"
        ) from None
    if not isinstance(header, dict):
        raise _corrupt(path, f"header is a JSON {type(header).__name__}, expected an object")
    _check_entries(path, header, data_size=size - 8 - header_len)
    return header


def _check_entries(path: Path, header: dict[str, Any], data_size: int) -> None:
    end_max = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
            raise _corrupt(path, f"tensor {name!r} lacks dtype, shape or data_offsets: {entry!r}")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in DTYPE_BYTES:
            raise _corrupt(path, f"tensor {name!r} has unknown dtype {dtype!r}")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise _corrupt(path, f"tensor {name!r} has a bad shape {shape!r}")
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1]
        ):
            raise _corrupt(path, f"tensor {name!r} has bad data_offsets {offsets!r}")
        expected = math.ceil(math.prod(shape) * DTYPE_BYTES[dtype])
        if offsets[1] - offsets[0] != expected:
            raise _corrupt(
                path, f"tensor {name!r} ({dtype} {shape}) needs {expected} bytes but its "
                f"data_offsets span {offsets[1] - offsets[0]}",
            )  # fmt: skip
        end_max = max(end_max, offsets[1])
    if end_max > data_size:
        raise _corrupt(
            path, f"the header describes {format_size(end_max)} of tensor data but the file holds "
            f"{format_size(data_size)}: the file is truncated (an incomplete download or copy?)",
        )  # fmt: skip
    if end_max < data_size:
        raise _corrupt(
            path, f"{data_size - end_max} bytes after the last tensor: not a file written by "
            "safetensors (two files concatenated?)",
        )  # fmt: skip


def _corrupt(path: Path, why: str) -> CorruptCheckpointError:
    return CorruptCheckpointError(
        f"bad safetensors file {path}: {why}\n  fix: download or export the file again"
    )
