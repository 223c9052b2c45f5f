"""Marker and fixtures of the fake phone and the agent-loop runner (capability 14).

The work lives in :mod:`pytest_autoglm.phone`; it is imported when a test asks for a fixture.
The fixtures' bodies, and the agent transcript's report section, are in ``phone/_fixtures.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import MarkerSpec, keyword_builder
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._workers import received_counts, send_counts

if TYPE_CHECKING:
    from pytest_autoglm.phone import AgentRunner, FakePhone
    from pytest_autoglm.phone._config import PhoneConfig
    from pytest_autoglm.server import FakeServer


def _build_config(*args: Any, **kwargs: Any) -> PhoneConfig:
    from pytest_autoglm.phone._config import PhoneConfig

    return keyword_builder(PhoneConfig)(*args, **kwargs)


PHONE_MARKER: MarkerSpec[Any] = MarkerSpec(
    name="autoglm_phone",
    signature="*, serial='emulator-5554', size=(1080, 2400), scenario=None, zero_delays=True, "
    "strict=True",
    doc="configure the autoglm_phone fixture for this test, class or module (nearest wins).",
    build=_build_config,
)
OPTIONS: tuple[Any, ...] = ()
MARKERS: tuple[MarkerSpec[Any], ...] = (PHONE_MARKER,)


class _Stats:
    """Counters for the summary line (a plain class: a dataclass costs ~2 M instructions
    at startup, in every run)."""

    def __init__(self) -> None:
        self.tests = 0
        self.commands = 0
        self.unknown = 0


_STATS = pytest.StashKey[_Stats]()


def _count(config: pytest.Config, phone: FakePhone) -> None:
    """Add a finished test's phone to the run's counters (``autoglm_phone``'s teardown)."""
    stats = config.stash.setdefault(_STATS, _Stats())
    stats.tests += 1
    stats.commands += len(phone.commands)
    stats.unknown += len(phone.unknown_commands)


@pytest.fixture
def autoglm_phone(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakePhone]:
    """A fake Android phone: ``adb`` and ``hdc`` first on ``PATH`` while the test runs.

    Any process the test starts (phone_agent, your adb wrapper, a CLI) talks to it. Build
    screens with ``phone.screen(...)``/``phone.on_tap(...)`` or ``phone.load(file)``, switch
    faults on with ``phone.fault.*``, and check ``phone.taps``, ``.typed``, ``.launched``,
    ``phone.assert_tapped(...)``. phone_agent's ``PHONE_AGENT_*_DELAY`` settings are zero
    for the test, here and in child processes (with ``autoglm_clock`` they keep their real
    values and its sleeps pass on the virtual clock instead). At
    teardown the test fails if a command the fake does not know was run.
    """
    from pytest_autoglm.phone._fixtures import fake_phone

    yield from fake_phone(request, monkeypatch, PHONE_MARKER, _count)


@pytest.fixture
def autoglm_agent(
    request: pytest.FixtureRequest, autoglm_server: FakeServer, autoglm_phone: FakePhone
) -> AgentRunner:
    """Runs an agent against ``autoglm_server`` and ``autoglm_phone``: the whole loop, offline.

    ``autoglm_agent.run(task)`` drives Open-AutoGLM's own, unmodified ``PhoneAgent``
    (``agent=`` takes yours) and returns a transcript: per step the request, the reply,
    the parsed action, the phone commands and the screen, and why the run stopped.
    """
    from pytest_autoglm.phone._fixtures import agent_runner

    return agent_runner(request, autoglm_server, autoglm_phone)


_STATS_FROM_WORKER = "autoglm_phone_stats"


def pytest_sessionfinish(session: pytest.Session) -> None:
    stats = session.config.stash.get(_STATS, None)
    if stats is not None:  # in an xdist worker: the controller adds the counts up
        send_counts(session.config, _STATS_FROM_WORKER, vars(stats).copy())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any) -> None:
    counts = received_counts(node, _STATS_FROM_WORKER)
    if counts:
        stats = node.config.stash.setdefault(_STATS, _Stats())
        for name, value in counts.items():
            setattr(stats, name, getattr(stats, name) + value)


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    stats = config.stash.get(_STATS, None)
    if stats is None or stats.tests == 0:
        return None
    line = f"fake phone: {stats.commands} command(s) in {stats.tests} test(s)"
    return [line + (f", {stats.unknown} unknown" if stats.unknown else "")]


__dir__ = plugin_dir(globals())
