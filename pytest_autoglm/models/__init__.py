"""Find, check and safely load model checkpoints; write tiny ones and tiny servable models for tests.

``load_checkpoint(path)`` detects the format from the content (safetensors, torch zip or
legacy files, plain pickles, TorchScript, ONNX, Hugging Face and sharded directories),
checks the files before loading (exists, non-empty, headers, every shard, sha256 pins),
and loads safely: ``weights_only=True`` for torch files, pickles that need code refused
unless ``trust_pickle=True``, safetensors memory-mapped, tensors on ``map_location``.

Importing this package is cheap; torch, safetensors, onnx and transformers (all
optional) are imported by the load or write that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "CORRUPTIONS": "_write",
    "WRITE_FORMATS": "_write",
    "CheckpointFormatError": "_errors",
    "CheckpointInfo": "_formats",
    "ChecksumMismatch": "_errors",
    "CorruptCheckpointError": "_errors",
    "Format": "_formats",
    "MissingExtraError": "_errors",
    "ModelError": "_errors",
    "ModelPathError": "_errors",
    "ModelUsageError": "_errors",
    "UnsafePickleError": "_errors",
    "UnsupportedFormatError": "_errors",
    "inspect_checkpoint": "_api",
    "load_checkpoint": "_api",
    "resolve_model_path": "_paths",
    "write_checkpoint": "_write",
    "write_tiny_model": "_tiny_model",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.models._api import inspect_checkpoint as inspect_checkpoint
    from pytest_autoglm.models._api import load_checkpoint as load_checkpoint
    from pytest_autoglm.models._errors import CheckpointFormatError as CheckpointFormatError
    from pytest_autoglm.models._errors import ChecksumMismatch as ChecksumMismatch
    from pytest_autoglm.models._errors import CorruptCheckpointError as CorruptCheckpointError
    from pytest_autoglm.models._errors import MissingExtraError as MissingExtraError
    from pytest_autoglm.models._errors import ModelError as ModelError
    from pytest_autoglm.models._errors import ModelPathError as ModelPathError
    from pytest_autoglm.models._errors import ModelUsageError as ModelUsageError
    from pytest_autoglm.models._errors import UnsafePickleError as UnsafePickleError
    from pytest_autoglm.models._errors import UnsupportedFormatError as UnsupportedFormatError
    from pytest_autoglm.models._formats import CheckpointInfo as CheckpointInfo
    from pytest_autoglm.models._formats import Format as Format
    from pytest_autoglm.models._paths import resolve_model_path as resolve_model_path
    from pytest_autoglm.models._tiny_model import write_tiny_model as write_tiny_model
    from pytest_autoglm.models._write import CORRUPTIONS as CORRUPTIONS
    from pytest_autoglm.models._write import WRITE_FORMATS as WRITE_FORMATS
    from pytest_autoglm.models._write import write_checkpoint as write_checkpoint

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
