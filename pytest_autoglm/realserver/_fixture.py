"""The ``autoglm_model_server`` fixture's work: start or connect, stop, log tail on failure.

Separate from the plugin module (``_plugins/realserver.py``, which keeps a thin fixture
stub) because that one is imported by every pytest run; this one only when a test asks
for the fixture. The plugin's options come in as arguments: nothing here imports the
wiring.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_autoglm._options import Option
from pytest_autoglm._settings import settings_of

if TYPE_CHECKING:
    from pytest_autoglm.realserver import ModelServer

_STARTED = pytest.StashKey["ModelServer | None"]()
_SERVER_LOG = "autoglm.realserver.log"


class ServerOptions:
    """The plugin's options the fixture reads (declared in ``_plugins/realserver.py``)."""

    def __init__(
        self,
        spec: Option[str],
        url: Option[str],
        timeout: Option[float],
        image: Option[str],
        require: Option[bool],
    ) -> None:
        self.spec = spec
        self.url = url
        self.timeout = timeout
        self.image = image
        self.require = require


def _unavailable(config: pytest.Config, options: ServerOptions, reason: str) -> None:
    if settings_of(config)[options.require]:
        pytest.fail(f"{reason} ({options.require.flag} is set)", pytrace=False)
    pytest.skip(reason)


def _progress(config: pytest.Config) -> Callable[[str], None]:
    def write(line: str) -> None:
        reporter = config.pluginmanager.getplugin("terminalreporter")
        capture = config.pluginmanager.getplugin("capturemanager")
        if reporter is None:
            return
        paused = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with paused:
            reporter.write_line(line)

    return write


def _start(config: pytest.Config, options: ServerOptions, text: str) -> ModelServer:
    from pytest_autoglm.realserver import LaunchSpec, parse_spec, start_server
    from pytest_autoglm.realserver._spec import (
        SGLANG_INSTALL,
        VLLM_INSTALL,
        missing_module,
        server_python,
    )

    image: str = settings_of(config)[options.image]
    kind = text.strip().partition(":")[0]
    python = server_python(kind, config.rootpath)
    # checked at configure time; only an image: the image's own command
    spec = parse_spec(text, python) if text else LaunchSpec("image", (image,))
    if not image and spec.kind in ("vllm", "sglang") and missing_module(python, spec.kind):
        install = VLLM_INSTALL if spec.kind == "vllm" else SGLANG_INSTALL
        _unavailable(config, options, f"needs {spec.label} ({spec.kind} importable); found none "
                                      f"in {python}; install: {install} (and set "
                                      f"AUTOGLM_VLLM_VENV to that venv)")  # fmt: skip
    log_dir = Path(os.environ.get("AUTOGLM_MODEL_SERVER_LOGS") or config.rootpath / ".autoglm")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"model-server-{os.getpid()}.log"
    log.write_bytes(b"")
    timeout = settings_of(config)[options.timeout]
    launcher = None
    if image:  # the container mode: skips without an engine, like autoglm_container
        from pytest_autoglm.containers._in_pytest import session_of
        from pytest_autoglm.realserver._container import ContainerLauncher

        launcher = ContainerLauncher(session_of(config), image)
    return start_server(spec, log, timeout=timeout, progress=_progress(config), launcher=launcher)


def model_server(request: pytest.FixtureRequest, options: ServerOptions) -> Iterator[ModelServer]:
    """The body of ``autoglm_model_server`` (its docstring is in the plugin module)."""
    from pytest_autoglm.realserver import ModelServerError, connect

    config = request.config
    settings = settings_of(config)
    url, text = settings[options.url], settings[options.spec]
    image = settings[options.image]
    if not url and not text and not image:
        _unavailable(config, options, f"model-server tests are off (pass {options.spec.flag}="
                                      f"vllm:PATH or {options.url.flag}=URL)")  # fmt: skip
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

                server = shared_server(Path(state), lambda: _start(config, options, text))
            else:
                server = _start(config, options, text)
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
