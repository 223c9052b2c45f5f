"""A plain-pickle reader that builds only data (containers, numbers, strings, bytes).

``pickle.load`` runs whatever callable a file names (``os.system`` included); this reader
refuses every global outside a short list of data types before anything is called, the
way ``torch.load(weights_only=True)`` does for torch files.
"""

from __future__ import annotations

import collections
import pickle
from pathlib import Path
from typing import Any

from pytest_autoglm.models._errors import UnsafePickleError


def _no_size_argument(kind: type[bytes] | type[bytearray]) -> Any:
    """``bytes(n)``/``bytearray(n)`` allocate n zero bytes: a 30-byte pickle could ask for GiBs.

    Real pickles never call them with a number (they carry the bytes themselves), so a
    number is refused instead of allocated.
    """

    def build(*args: Any) -> bytes | bytearray:
        if args and isinstance(args[0], int):
            raise pickle.UnpicklingError(
                f"{kind.__name__}({args[0]}) would allocate {args[0]} bytes from a"
                " size written in the file; real checkpoints store the bytes themselves"
            )
        return kind(*args)

    return build


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """How protocol 2 stores bytes: ``_codecs.encode(text, "latin1")``; no other codec."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with codec {encoding!r} is not plain data")
    return text.encode("latin1")


_SAFE: dict[tuple[str, str], Any] = {
    **{("builtins", t.__name__): t for t in (dict, list, tuple, set, frozenset, int, float,
                                            complex, str, bool, slice)},
    ("builtins", "bytes"): _no_size_argument(bytes),
    ("builtins", "bytearray"): _no_size_argument(bytearray),
    ("_codecs", "encode"): _latin1_bytes,
    ("collections", "OrderedDict"): collections.OrderedDict,
}  # fmt: skip


class _DataOnlyUnpickler(pickle.Unpickler):
    def __init__(self, stream: Any, path: Path) -> None:
        super().__init__(stream)
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 0-2 pickles name Python 2's module; pickle's own find_class maps it too.
        module = "builtins" if module == "__builtin__" else module
        safe = _SAFE.get((module, name))
        if safe is None:
            raise UnsafePickleError(unsafe_message(self._path, f"{module}.{name}"))
        return safe

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(unsafe_message(self._path, f"persistent id {pid!r}"))


def load_data_pickle(path: Path, *, trust_pickle: bool) -> Any:
    with path.open("rb") as stream:
        if trust_pickle:
            return pickle.load(stream)  # the caller opted in: arbitrary code may run
        return _DataOnlyUnpickler(stream, path).load()


def unsafe_message(path: Path, needs: str) -> str:
    return (
        f"refused to load {path}: the pickle needs {needs}, which is not plain data\n"
        "  why: unpickling calls whatever a file names, so a checkpoint from an untrusted "
        "source can run any code on this machine (delete files, steal credentials); it was "
        "not executed\n"
        "  fix: prefer safetensors or a state dict (torch.save(model.state_dict())); load "
        "this file only if you trust its source, with trust_pickle=True "
        "(load_checkpoint(..., trust_pickle=True) or @pytest.mark.autoglm_model(trust_pickle=True))"
    )
