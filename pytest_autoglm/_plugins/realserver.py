"""Options, fixture, header and report section of the real model server (capability 9).

The work lives in :mod:`pytest_autoglm.realserver`; this module only wires it. The
fixture's body, and the report section of a failed test's server log, are in
``realserver/_fixture.py``, imported only when a test asks for the fixture. Under
pytest-xdist one server serves the whole run (see ``realserver/_shared.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._options import Option, flag_option
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._settings import settings_of

if TYPE_CHECKING:
    from pytest_autoglm.realserver import ModelServer


def _parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number of seconds") from None
    if not 0 < value < 1e6:
        raise ValueError("out of range")
    return value


MODEL_SERVER: Option[str] = Option(
    "model-server",
    "Start a real model server for autoglm_model_server: vllm:PATH or sglang:PATH (a model "
    "folder, e.g. from write_tiny_model; Open-AutoGLM's flags) or a command line ({host} and "
    "{port} are filled in, else --host/--port are appended).",
    str, "", metavar="vllm:PATH|sglang:PATH|COMMAND",
    accepted="vllm:PATH, sglang:PATH or a command line",
)  # fmt: skip
MODEL_SERVER_URL: Option[str] = Option(
    "model-server-url",
    "Use the model server already running at this URL for autoglm_model_server.",
    str, "", metavar="URL", accepted="an http(s) URL",
)  # fmt: skip
MODEL_SERVER_TIMEOUT: Option[float] = Option(
    "model-server-timeout",
    "Seconds a started model server may take to become ready (vLLM on 2 CPU cores: ~80-200).",
    _parse_seconds, 900.0, metavar="SECONDS", accepted="a number of seconds > 0",
)  # fmt: skip
MODEL_SERVER_IMAGE: Option[str] = Option(
    "model-server-image",
    "Run the model server for autoglm_model_server in this container image (hardened, never "
    "pulled; a bare flag means vllm/vllm-openai:v0.12.0, the image Open-AutoGLM's README "
    "names); with --autoglm-model-server=vllm:PATH the model folder is mounted read-only.",
    str, "", metavar="IMAGE", const="vllm/vllm-openai:v0.12.0",
    accepted="an image the engine has, e.g. vllm/vllm-openai:v0.12.0",
)  # fmt: skip
REQUIRE_MODEL_SERVER = flag_option(
    "require-model-server",
    "Fail, rather than skip, tests that use autoglm_model_server when none is configured or "
    "vLLM/SGLang is not installed (a CI job that must test the real server).",
)
OPTIONS: tuple[Option[Any], ...] = (MODEL_SERVER, MODEL_SERVER_URL, MODEL_SERVER_TIMEOUT,
                                    MODEL_SERVER_IMAGE, REQUIRE_MODEL_SERVER)  # fmt: skip

_STATE = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    text: str = settings_of(config)[MODEL_SERVER]
    if text:  # a bad value is a usage error before any test runs
        from pytest_autoglm.realserver import ModelServerError, parse_spec

        try:
            parse_spec(text)
        except ModelServerError as exc:
            raise pytest.UsageError(str(exc)) from None
    xdist_controller = getattr(config.option, "numprocesses", None) and not hasattr(
        config, "workerinput"
    )
    spec: str = settings_of(config)[MODEL_SERVER]
    if xdist_controller and spec:
        from pytest_autoglm.realserver._shared import make_state_dir

        config.stash[_STATE] = make_state_dir()


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        from pytest_autoglm.realserver._shared import stop_shared

        stop_shared(state)


@pytest.fixture(scope="session")
def autoglm_model_server(request: pytest.FixtureRequest) -> Iterator[ModelServer]:
    """A real model server for the session: ``base_url``, ``model``, ``client``, ``async_client``.

    Started from ``--autoglm-model-server`` (``vllm:PATH``, ``sglang:PATH`` or a command
    line) on a free 127.0.0.1 port and stopped at session end, or the one at
    ``--autoglm-model-server-url``. Skips (fails with ``--autoglm-require-model-server``)
    when none is configured or vLLM is not installed. One per run under xdist.
    """
    from pytest_autoglm.realserver._fixture import ServerOptions, model_server

    options = ServerOptions(spec=MODEL_SERVER, url=MODEL_SERVER_URL, timeout=MODEL_SERVER_TIMEOUT,
                            image=MODEL_SERVER_IMAGE, require=REQUIRE_MODEL_SERVER)  # fmt: skip
    yield from model_server(request, options)


__dir__ = plugin_dir(globals())
