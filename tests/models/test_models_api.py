"""The models capability's public names, and that loading the plugin imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import pytest_autoglm
from pytest_autoglm import models

PUBLIC = {
    "CheckpointFormatError", "CheckpointInfo", "ChecksumMismatch", "CorruptCheckpointError",
    "MissingExtraError", "ModelError", "ModelPathError", "ModelUsageError", "UnsafePickleError",
    "UnsupportedFormatError", "inspect_checkpoint", "load_checkpoint", "write_checkpoint",
    "write_tiny_model",
}  # fmt: skip


def test_models_all_is_the_contract() -> None:
    assert set(models.__all__) == PUBLIC | {
        "CORRUPTIONS",
        "WRITE_FORMATS",
        "Format",
        "resolve_model_path",
    }
    for name in models.__all__:
        assert hasattr(models, name), name


def test_top_level_exports_are_the_same_objects() -> None:
    for name in PUBLIC:
        assert name in pytest_autoglm.__all__, name
        assert getattr(pytest_autoglm, name) is getattr(models, name)


def test_every_error_is_a_model_error_and_keeps_its_builtin_base() -> None:
    for name in PUBLIC:
        value = getattr(models, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, models.ModelError), name
    assert issubclass(models.ModelPathError, FileNotFoundError)
    assert issubclass(models.MissingExtraError, ImportError)
    assert issubclass(models.CorruptCheckpointError, models.CheckpointFormatError)


def test_loading_the_plugin_and_models_package_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest_autoglm.plugin as p, pytest_autoglm.models; p.feature_modules();"
        "print(sorted(m for m in ('torch', 'safetensors', 'onnx', 'transformers', 'numpy')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
