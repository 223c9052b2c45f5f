"""The work of the ``autoglm_server`` fixture: build, start, stop and verify the fake.

Separate from the plugin module (``_plugins/server.py``, which keeps a thin fixture stub,
the options and the run's counters) because that one is imported by every pytest run;
this one only when a test asks for the fixture. The test's configuration and the counter
come in as arguments: nothing here imports the wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_autoglm._outcome import call_failed, track_call_outcome

if TYPE_CHECKING:
    from pytest_autoglm.server import FakeServer, ServerConfig


def fake_server(
    request: pytest.FixtureRequest,
    config_for: Callable[[pytest.Item], ServerConfig],
    count: Callable[[pytest.Config, FakeServer], None],
) -> Iterator[FakeServer]:
    """The body of ``autoglm_server`` (its docstring is in the plugin module): ``config_for``
    gives a test's configuration, ``count`` adds a stopped server to the run's counters."""
    from pytest_autoglm.server import FakeServer

    track_call_outcome(request.config)
    clock = None
    if "autoglm_clock" in request.fixturenames:  # record call times on the virtual clock
        clock = request.getfixturevalue("autoglm_clock").monotonic
    from pytest_autoglm.secrets import secret_registry

    config = config_for(request.node)
    from pytest_autoglm.server._config import KEY_FROM_FIXTURE

    if config.api_key == KEY_FROM_FIXTURE:  # the real key, never written in the marker
        config = config.with_(api_key=str(request.getfixturevalue("autoglm_api_key")))
    server = FakeServer(
        config,
        clock=clock,  # type: ignore[arg-type,unused-ignore]
        redact=secret_registry(request.config).redact,
    )
    # The cassette plugin (``_plugins/live.py``) builds on this one, not the other way round:
    # ask for its marker by name.
    if request.node.get_closest_marker("autoglm_cassette"):
        server.use_cassette(request.getfixturevalue("autoglm_cassette"))  # replay or live
    server.start()
    try:
        yield server
    finally:
        server.stop()
        count(request.config, server)
    if server.config.strict:
        from pytest_autoglm.server import UnexpectedRequestsError

        message = None
        try:  # after a failed test, its unused replies are noise: that failure is the news
            server.verify(unused=not call_failed(request.node))
        except UnexpectedRequestsError as exc:
            message = f"{type(exc).__name__}: {exc}"
        if message is not None:  # the message says it all: no traceback of the plugin
            pytest.fail(message, pytrace=False)
