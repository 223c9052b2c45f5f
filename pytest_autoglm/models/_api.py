"""``inspect_checkpoint`` and ``load_checkpoint``: resolve, detect, check (and load) a checkpoint."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from pytest_autoglm.models._formats import CheckpointInfo, detect
from pytest_autoglm.models._load import load_info
from pytest_autoglm.models._paths import existing_model_path
from pytest_autoglm.models._pins import Pins, manifest_path, verify

PathArg = str | os.PathLike[str]


def inspect_checkpoint(
    path: PathArg,
    *,
    root: PathArg | None = None,
    sha256: Pins | None = None,
    manifest: PathArg | None = None,
    digest_cache: MutableMapping[tuple[str, int, int], str] | None = None,
) -> CheckpointInfo:
    """Resolve, detect and check a checkpoint without loading it.

    Relative paths join ``root`` (the fixtures pass the pytest rootdir; ``None`` means
    the current directory). ``sha256`` pins one file (a hex string) or several (a
    mapping of file name to hex); ``manifest`` names a ``sha256sum``-style file (a
    relative name is looked up in the model folder first, then under ``root``). Every
    file the pins list is checked, ``config.json`` and tokenizer files included.
    """
    resolved = existing_model_path(path, root)
    info = detect(resolved)
    if sha256 is not None or manifest is not None:
        listed = manifest_path(manifest, resolved, root) if manifest is not None else None
        verify(info, sha256, listed, digest_cache)
    return info


def load_checkpoint(
    path: PathArg,
    *,
    map_location: Any = "cpu",
    trust_pickle: bool = False,
    sha256: Pins | None = None,
    manifest: PathArg | None = None,
    root: PathArg | None = None,
    transformers: bool | None = None,
) -> Any:
    """Check and load the checkpoint at ``path``; return what it holds.

    A state dict (dict of tensors) for safetensors, torch state-dict files and
    directories loaded as tensors; the object for a torch file holding a module; a
    ``ScriptModule`` for TorchScript; an ``onnx.ModelProto`` for ONNX; a transformers
    model for a Hugging Face directory when ``transformers`` is installed and knows the
    ``model_type`` (``transformers=False`` forces tensors, ``True`` requires it).
    ``map_location`` is a torch device or its name (``"cpu"``, ``"cuda:0"``).
    safetensors and torch zip files are memory-mapped on the CPU, so loading adds
    little private memory; a pickle that needs code raises UnsafePickleError unless
    ``trust_pickle=True``.
    """
    info = inspect_checkpoint(path, root=root, sha256=sha256, manifest=manifest)
    return load_info(
        info, map_location=map_location, trust_pickle=trust_pickle, transformers=transformers
    )
