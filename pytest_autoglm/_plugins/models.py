"""Hooks, options, markers and fixtures of the models capability.

Options ``--autoglm-model-path`` and ``--autoglm-require-model``; marker
``autoglm_model``; fixtures ``autoglm_model_path``, ``autoglm_model`` and the
``autoglm_checkpoint`` factory. The work lives in :mod:`pytest_autoglm.models`; torch
and the other optional packages are imported only when a model is loaded or written. The
fixtures' bodies are in ``models/_fixtures.py``, imported when a test asks for a fixture.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import MarkerSpec, keyword_builder
from pytest_autoglm._options import Option, flag_option
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._settings import settings_of

if TYPE_CHECKING:
    from pytest_autoglm.models._fixtures import ModelOptions
    from pytest_autoglm.models._marker import ModelMarkerOptions


def _parse_model_path(text: str) -> str | None:
    return text.strip() or None


MODEL_PATH: Option[str | None] = Option(
    name="model-path",
    help="Checkpoint file or directory for the autoglm_model fixture; relative paths resolve "
    "against the rootdir, never the current directory.",
    parse=_parse_model_path,
    default=None,
    metavar="PATH",
    accepted="a file or directory path; relative to the rootdir; ~ expands",
)
REQUIRE_MODEL: Option[bool] = flag_option(
    name="require-model",
    help="Fail, instead of skip, tests that need a model when none is configured or its "
    "format's optional package is missing.",
)


def _build_marker(*args: Any, **kwargs: Any) -> ModelMarkerOptions:
    from pytest_autoglm.models._marker import ModelMarkerOptions

    return keyword_builder(ModelMarkerOptions, positional=("path",))(*args, **kwargs)


MODEL_MARKER: MarkerSpec[ModelMarkerOptions] = MarkerSpec(
    name="autoglm_model",
    signature="path=None, *, sha256=None, manifest=None, trust_pickle=False, transformers=None",
    doc="Choose, pin (sha256 or a sha256sum manifest) and load the checkpoint the autoglm_model fixture gives this test.",
    build=_build_marker,
)

OPTIONS: tuple[Option[Any], ...] = (MODEL_PATH, REQUIRE_MODEL)
MARKERS: tuple[MarkerSpec[Any], ...] = (MODEL_MARKER,)


def _options() -> ModelOptions:
    from pytest_autoglm.models._fixtures import ModelOptions

    return ModelOptions(path=MODEL_PATH, require=REQUIRE_MODEL, marker=MODEL_MARKER)


@pytest.fixture
def autoglm_model_path(request: pytest.FixtureRequest) -> Path:
    """The resolved model path (marker ``path``, else ``--autoglm-model-path``); skips if none.

    Relative paths resolve against the rootdir and ``~`` expands. A path that does not
    exist is a test error naming the given path, the resolved path, the directory it was
    resolved from and near-miss names there. Under ``--autoglm-require-model`` a missing
    configuration fails instead of skipping.
    """
    from pytest_autoglm.models._fixtures import model_path

    return model_path(request, _options())


@pytest.fixture
def autoglm_model(request: pytest.FixtureRequest, autoglm_model_path: Path) -> Any:
    """The configured checkpoint, checked and safely loaded, cached for the session.

    Loads with ``weights_only=True`` (pickles that need code are refused unless the
    marker says ``trust_pickle=True``), memory-maps safetensors, and places tensors on
    ``cpu``, or on the test's torch device when it also uses ``autoglm_torch_device``.
    The object is shared by every test that loads the same path, modification time and
    device: copy it before changing it. A format whose optional package is missing
    skips with the install command.
    """
    from pytest_autoglm.models._fixtures import model

    return model(request, autoglm_model_path, _options())


@pytest.fixture
def autoglm_checkpoint(tmp_path: Path) -> Callable[..., Path]:
    """A factory that writes a tiny random checkpoint under ``tmp_path`` and returns its path.

    ``autoglm_checkpoint(format="safetensors" | "pt" | "state_dict" | "legacy" |
    "torchscript" | "onnx" | "hf_dir" | "sharded", corrupt=None | "truncated" |
    "bad_header" | "missing_shard", saved_on=None | "cuda:0", seed=0, name=None)``.
    Each call writes into a fresh folder. A format whose optional package (torch, onnx)
    is missing skips with the install command.
    """
    from pytest_autoglm.models._fixtures import checkpoint_factory

    return checkpoint_factory(tmp_path)


def autoglm_header(config: pytest.Config) -> str | None:
    """``model: models/x.safetensors (safetensors, 1.2 GiB)``; nothing when none is configured."""
    settings = settings_of(config)
    given = settings[MODEL_PATH]
    if given is None:
        return "model: required, none configured" if settings[REQUIRE_MODEL] else None
    from pytest_autoglm.models import ModelError, inspect_checkpoint

    try:
        info = inspect_checkpoint(given, root=config.rootpath)
    except (ModelError, OSError) as exc:
        return f"model: {given} ({type(exc).__name__}: see the failing tests)"
    shown = given if os.fspath(info.path) == given else f"{given} -> {info.path}"
    return f"model: {shown} ({info.describe()})"


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    """One line per model loaded this session, with its load time, and the cache hits."""
    if "pytest_autoglm.models._cache" not in sys.modules:
        return None  # nothing loaded a model; importing the package to find out costs ~7 ms
    from pytest_autoglm.models._cache import CACHE_KEY

    cache = config.stash.get(CACHE_KEY, None)
    if cache is None or not cache.loads:
        return None
    lines = [
        f"model loaded: {path} ({what}) in {seconds:.2f} s" for path, what, seconds in cache.loads
    ]
    lines.append(f"model cache: {len(cache.loads)} load(s), {cache.hits} reuse(s)")
    return lines


__dir__ = plugin_dir(globals())
