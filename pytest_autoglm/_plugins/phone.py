"""Marker and fixtures of the fake phone and the agent-loop runner (capability 14).

The work lives in :mod:`pytest_autoglm.phone`; it is imported when a test asks for a fixture.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
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
    from pytest_autoglm.phone import FakePhone
    from pytest_autoglm.phone._config import PhoneConfig
    from pytest_autoglm.phone._timing import zero_delays

    if os.name != "posix":  # the executables are #! scripts talking over a Unix socket
        pytest.skip(f"the fake phone needs a POSIX system (Linux, macOS); found {os.name}")
    config = PHONE_MARKER.options_for(request.node) or PhoneConfig()
    clock = None
    if "autoglm_clock" in request.fixturenames:  # record command times on the virtual clock
        clock = request.getfixturevalue("autoglm_clock").monotonic
    phone = FakePhone(serial=config.serial, size=config.size, **({"clock": clock} if clock else {}))
    if clock is not None:  # hung commands (pull_timeout) pass on the virtual clock too
        from pytest_autoglm.phone._hang import HungCommands, can_patch

        if can_patch():
            virtual = request.getfixturevalue("autoglm_clock")
            phone.hangs = HungCommands(virtual.monotonic, virtual.advance)
            phone.hangs.patch(monkeypatch)
    if config.scenario is not None:
        phone.load(Path(request.node.path).parent / config.scenario)
    if request.node.get_closest_marker("autoglm_cassette"):  # commands go in the cassette too
        cassette = request.getfixturevalue("autoglm_cassette")
        if cassette is not None:
            cassette.attach_phone(phone)
    phone.start()
    monkeypatch.setenv("PATH", f"{phone.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    try:
        if config.zero_delays and clock is None:
            with zero_delays(monkeypatch):
                yield phone
        else:
            yield phone
    finally:
        phone.stop()
        stats = request.config.stash.setdefault(_STATS, _Stats())
        stats.tests += 1
        stats.commands += len(phone.commands)
        stats.unknown += len(phone.unknown_commands)
    if phone.errors:
        pytest.fail("the fake phone failed to answer:\n" + "\n".join(phone.errors), pytrace=False)
    if config.strict and phone.unknown_commands:
        message = (
            phone.unknown_report() + "\n(@pytest.mark.autoglm_phone(strict=False) allows them)"
        )
        pytest.fail(message, pytrace=False)


_RUNNER = pytest.StashKey["AgentRunner"]()


_TRANSCRIPTS = "autoglm.phone.transcripts"


class _Transcripts:
    """A failed test that ran an agent shows its transcripts in a report section.

    Registered by ``autoglm_agent`` on first use: a suite without agents pays nothing per test.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        runner = item.stash.get(_RUNNER, None)
        if report.failed and runner is not None and runner.transcripts:
            text = "\n\n".join(str(t) for t in runner.transcripts)
            report.sections.append(("autoglm agent transcript", text))
        return report


@pytest.fixture
def autoglm_agent(
    request: pytest.FixtureRequest, autoglm_server: FakeServer, autoglm_phone: FakePhone
) -> AgentRunner:
    """Runs an agent against ``autoglm_server`` and ``autoglm_phone``: the whole loop, offline.

    ``autoglm_agent.run(task)`` drives Open-AutoGLM's own, unmodified ``PhoneAgent``
    (``agent=`` takes yours) and returns a transcript: per step the request, the reply,
    the parsed action, the phone commands and the screen, and why the run stopped.
    """
    from pytest_autoglm.phone import AgentRunner

    manager = request.config.pluginmanager
    if manager.get_plugin(_TRANSCRIPTS) is None:
        manager.register(_Transcripts(), _TRANSCRIPTS)
    runner = request.node.stash[_RUNNER] = AgentRunner(autoglm_server, autoglm_phone)
    return runner


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
