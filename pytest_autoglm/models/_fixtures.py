"""The work of the ``autoglm_model_path``, ``autoglm_model`` and ``autoglm_checkpoint``
fixtures.

Separate from the plugin module (``_plugins/models.py``, which keeps thin fixture stubs)
because that one is imported by every pytest run; this one only when a test asks for a
fixture. The plugin's options and marker come in as arguments: nothing here imports the
wiring.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from pytest_autoglm._reasons import did_you_mean
from pytest_autoglm._settings import settings_of

if TYPE_CHECKING:
    from pytest_autoglm._markers import MarkerSpec
    from pytest_autoglm._options import Option
    from pytest_autoglm.models._marker import ModelMarkerOptions

NO_MODEL = "no model configured (pass --autoglm-model-path or set AUTOGLM_MODEL_PATH)"
#: keyword arguments of the autoglm_checkpoint factory (those of write_checkpoint)
CHECKPOINT_ARGUMENTS = ("corrupt", "saved_on", "seed", "name")


class ModelOptions:
    """The plugin's options and marker the fixtures read (declared in ``_plugins/models.py``)."""

    def __init__(
        self,
        path: Option[str | None],
        require: Option[bool],
        marker: MarkerSpec[ModelMarkerOptions],
    ) -> None:
        self.path = path
        self.require = require
        self.marker = marker


def _missing(config: pytest.Config, options: ModelOptions, reason: str) -> NoReturn:
    """Skip, or fail under --autoglm-require-model (a model runner without a model is broken)."""
    if settings_of(config)[options.require]:
        pytest.fail(f"{reason} [--autoglm-require-model]", pytrace=False)
    pytest.skip(reason)


def _source_name(path: Option[str | None], source: str) -> str:
    """Where --autoglm-model-path's value came from, as the "fix:" line of a wrong path names it."""
    names = {
        "command line": path.flag,
        "environment": path.env,
        "ini": f"the ini key {path.ini}",
        "default": f"{path.flag} or {path.env}",
    }
    return names[source]


def _marker_options(request: pytest.FixtureRequest, options: ModelOptions) -> ModelMarkerOptions:
    node = request.node
    found = options.marker.options_for(node) if isinstance(node, pytest.Item) else None
    if found is None:
        from pytest_autoglm.models._marker import ModelMarkerOptions

        found = ModelMarkerOptions()
    return found


def model_path(request: pytest.FixtureRequest, options: ModelOptions) -> Path:
    """The body of ``autoglm_model_path`` (its docstring is in the plugin module)."""
    from pytest_autoglm.models import ModelError
    from pytest_autoglm.models._paths import existing_model_path

    config = request.config
    settings = settings_of(config)
    given = _marker_options(request, options).path
    source = f"@pytest.mark.autoglm_model(path={given!r})"
    if given is None:
        given = settings[options.path]
        source = _source_name(options.path, settings.source(options.path))
    if given is None:
        _missing(config, options, NO_MODEL)
    try:
        return existing_model_path(given, config.rootpath, source=source)
    except ModelError as exc:
        failure = str(exc)
    pytest.fail(failure, pytrace=False)  # outside except: no chained traceback in the report


def model(request: pytest.FixtureRequest, path: Path, options: ModelOptions) -> Any:
    """The body of ``autoglm_model`` (its docstring is in the plugin module)."""
    from pytest_autoglm.models import MissingExtraError, ModelError, inspect_checkpoint
    from pytest_autoglm.models._cache import cache_of
    from pytest_autoglm.models._load import load_info

    config = request.config
    marked = _marker_options(request, options)
    device: Any = "cpu"
    if "autoglm_torch_device" in request.fixturenames:
        device = request.getfixturevalue("autoglm_torch_device")
    cache = cache_of(config)
    try:
        info = inspect_checkpoint(
            path, root=config.rootpath, sha256=marked.sha256,
            manifest=marked.manifest, digest_cache=cache.digests,
        )  # fmt: skip
        key = (str(info.path), info.mtime_ns, str(device), marked.trust_pickle, marked.transformers)
        return cache.get_or_load(
            key, info.describe(),
            lambda: load_info(
                info, map_location=device, trust_pickle=marked.trust_pickle,
                transformers=marked.transformers,
            ),
        )  # fmt: skip
    except MissingExtraError as exc:
        missing, failure = str(exc), None
    except ModelError as exc:
        missing, failure = None, str(exc)
    # outside the except blocks, so the report shows the message, not a chained traceback
    if missing is not None:
        _missing(config, options, missing)
    pytest.fail(failure or "", pytrace=False)


def checkpoint_factory(tmp_path: Path) -> Callable[..., Path]:
    """The body of ``autoglm_checkpoint`` (its docstring is in the plugin module)."""
    from pytest_autoglm.models import MissingExtraError, ModelUsageError, write_checkpoint

    counter = itertools.count()

    def make(format: str = "safetensors", **kwargs: Any) -> Path:
        __tracebackhide__ = True
        unknown = sorted(set(kwargs) - set(CHECKPOINT_ARGUMENTS))
        if unknown:
            hint = did_you_mean(unknown[0], CHECKPOINT_ARGUMENTS)
            raise TypeError(
                f"autoglm_checkpoint() got an unknown argument {unknown[0]!r}{hint}; "
                f"accepted: format, {', '.join(CHECKPOINT_ARGUMENTS)}"
            )
        try:
            return write_checkpoint(tmp_path / f"checkpoint{next(counter)}", format, **kwargs)  # type: ignore[arg-type]
        except MissingExtraError as exc:
            pytest.skip(str(exc))
        except ModelUsageError as exc:
            # A bad argument is the caller's mistake: show their line, not the writer's.
            raise exc.with_traceback(None) from None

    return make
