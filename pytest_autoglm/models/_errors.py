"""The exceptions of the models capability: one base class, one subclass per pitfall.

Every message names the path as given, the absolute path it resolved to, what was
expected, what was found, and the fix.
"""

from __future__ import annotations


class ModelError(Exception):
    """Base class of every error raised while finding, checking or loading a checkpoint."""


class ModelPathError(ModelError, FileNotFoundError):
    """The model path does not exist or cannot be read."""


class CheckpointFormatError(ModelError, ValueError):
    """The content is not a checkpoint format the kit recognises."""


class UnsupportedFormatError(CheckpointFormatError):
    """A recognised format that this kit cannot load (GGUF, TensorFlow, HDF5, ...)."""


class CorruptCheckpointError(CheckpointFormatError):
    """A recognised format whose content is damaged: truncated, bad header, missing shard."""


class UnsafePickleError(ModelError):
    """A pickle that needs arbitrary code to load, refused because ``trust_pickle`` is off."""


class ChecksumMismatch(ModelError):
    """A file whose sha256 differs from its pin (marker argument or manifest)."""


class MissingExtraError(ModelError, ImportError):
    """An optional package needed for this format is not installed; names the install command."""


class ModelUsageError(ModelError, ValueError):
    """A bad argument to a models function: an unknown format, an invalid sha256 pin."""


INSTALL = {
    "torch": "pip install pytest-autoglm[torch]",
    "safetensors": "pip install pytest-autoglm[safetensors]",
    "onnx": "pip install pytest-autoglm[onnx]",
    "transformers": "pip install transformers",
    "tokenizers": "pip install pytest-autoglm[tokenizers]",
}


def require(package: str, purpose: str) -> None:
    """Raise :class:`MissingExtraError` naming the install command when ``package`` is absent."""
    if not importable(package):
        raise MissingExtraError(
            f"{purpose} needs the optional package {package!r}, which is not installed; "
            f"install it with: {INSTALL[package]}"
        )


def importable(package: str) -> bool:
    """Whether ``import package`` would find it (a module already in ``sys.modules`` counts)."""
    import importlib.util
    import sys

    if package in sys.modules:
        return sys.modules[package] is not None
    return importlib.util.find_spec(package) is not None
