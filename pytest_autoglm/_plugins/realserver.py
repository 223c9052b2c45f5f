"""Options, fixture, header and report section of the real model server (capability 9).

The work lives in :mod:`pytest_autoglm.realserver`; this module only wires it. Under
pytest-xdist one server serves the whole run (see ``realserver/_shared.py``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator
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

_STARTED = pytest.StashKey["ModelServer | None"]()
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


def _unavailable(config: pytest.Config, reason: str) -> None:
    if settings_of(config)[REQUIRE_MODEL_SERVER]:
        pytest.fail(f"{reason} ({REQUIRE_MODEL_SERVER.flag} is set)", pytrace=False)
    pytest.skip(reason)


def _progress(config: pytest.Config) -> Any:
    def write(line: str) -> None:
        reporter = config.pluginmanager.getplugin("terminalreporter")
        capture = config.pluginmanager.getplugin("capturemanager")
        if reporter is None:
            return
        paused = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with paused:
            reporter.write_line(line)

    return write


def _start(config: pytest.Config, text: str) -> ModelServer:
    from pytest_autoglm.realserver import LaunchSpec, parse_spec, start_server
    from pytest_autoglm.realserver._spec import (
        SGLANG_INSTALL,
        VLLM_INSTALL,
        missing_module,
        server_python,
    )

    image: str = settings_of(config)[MODEL_SERVER_IMAGE]
    kind = text.strip().partition(":")[0]
    python = server_python(kind, config.rootpath)
    # checked at configure time; only an image: the image's own command
    spec = parse_spec(text, python) if text else LaunchSpec("image", (image,))
    if not image and spec.kind in ("vllm", "sglang") and missing_module(python, spec.kind):
        install = VLLM_INSTALL if spec.kind == "vllm" else SGLANG_INSTALL
        _unavailable(config, f"needs {spec.label} ({spec.kind} importable); found none in {python}; "
                             f"install: {install} (and set AUTOGLM_VLLM_VENV to that venv)")  # fmt: skip
    log_dir = Path(os.environ.get("AUTOGLM_MODEL_SERVER_LOGS") or config.rootpath / ".autoglm")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"model-server-{os.getpid()}.log"
    log.write_bytes(b"")
    timeout = settings_of(config)[MODEL_SERVER_TIMEOUT]
    launcher = None
    if image:  # the container mode: skips without an engine, like autoglm_container
        from pytest_autoglm.containers._in_pytest import session_of
        from pytest_autoglm.realserver._container import ContainerLauncher

        launcher = ContainerLauncher(session_of(config), image)
    return start_server(spec, log, timeout=timeout, progress=_progress(config), launcher=launcher)


@pytest.fixture(scope="session")
def autoglm_model_server(request: pytest.FixtureRequest) -> Iterator[ModelServer]:
    """A real model server for the session: ``base_url``, ``model``, ``client``, ``async_client``.

    Started from ``--autoglm-model-server`` (``vllm:PATH``, ``sglang:PATH`` or a command
    line) on a free 127.0.0.1 port and stopped at session end, or the one at
    ``--autoglm-model-server-url``. Skips (fails with ``--autoglm-require-model-server``)
    when none is configured or vLLM is not installed. One per run under xdist.
    """
    from pytest_autoglm.realserver import ModelServerError, connect

    config = request.config
    settings = settings_of(config)
    url, text = settings[MODEL_SERVER_URL], settings[MODEL_SERVER]
    image = settings[MODEL_SERVER_IMAGE]
    if not url and not text and not image:
        _unavailable(config, f"model-server tests are off (pass {MODEL_SERVER.flag}=vllm:PATH "
                             f"or {MODEL_SERVER_URL.flag}=URL)")  # fmt: skip
    server: ModelServer | None = None
    failure = ""
    try:
        if url:
            server = connect(url)
        else:
            state = os.environ.get("AUTOGLM_MODEL_SERVER_STATE")
            # a container belongs to its worker's container session: one per worker
            if state and hasattr(config, "workerinput") and not image:
                from pytest_autoglm.realserver._shared import shared_server

                server = shared_server(Path(state), lambda: _start(config, text))
            else:
                server = _start(config, text)
    except ModelServerError as exc:
        failure = f"{type(exc).__name__}: {exc}"
    if server is None:  # failed outside the except block: no chained traceback in the report
        pytest.fail(failure, pytrace=False)
    config.stash[_STARTED] = server
    if config.pluginmanager.get_plugin(_SERVER_LOG) is None:
        config.pluginmanager.register(_ServerLog(), _SERVER_LOG)
    try:
        yield server
    finally:
        server.stop()


_SERVER_LOG = "autoglm.realserver.log"


class _ServerLog:
    """A failed test that used the model server shows the server's log tail.

    Registered once the server has started: a suite without it pays nothing per test.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed and "autoglm_model_server" in getattr(item, "fixturenames", ()):
            server = item.config.stash.get(_STARTED, None)
            if server is not None and server.log is not None:
                report.sections.append((f"autoglm model server log (last 50 lines of {server.log})",
                                        server.log_tail()))  # fmt: skip
        return report


__dir__ = plugin_dir(globals())
