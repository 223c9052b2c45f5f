"""The work of the ``autoglm_phone`` and ``autoglm_agent`` fixtures, and the agent's report
section.

Separate from the plugin module (``_plugins/phone.py``, which keeps thin fixture stubs
and the run's counters) because that one is imported by every pytest run; this one only
when a test asks for a fixture. The marker and the counter come in as arguments: nothing
here imports the wiring.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_autoglm._markers import MarkerSpec
    from pytest_autoglm.phone import AgentRunner, FakePhone
    from pytest_autoglm.server import FakeServer


def fake_phone(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    marker: MarkerSpec[Any],
    count: Callable[[pytest.Config, FakePhone], None],
) -> Iterator[FakePhone]:
    """The body of ``autoglm_phone`` (its docstring is in the plugin module); ``count``
    adds a finished phone to the run's counters."""
    from pytest_autoglm.phone import FakePhone
    from pytest_autoglm.phone._config import PhoneConfig
    from pytest_autoglm.phone._timing import zero_delays

    if os.name != "posix":  # the executables are #! scripts talking over a Unix socket
        pytest.skip(f"the fake phone needs a POSIX system (Linux, macOS); found {os.name}")
    config = marker.options_for(request.node) or PhoneConfig()
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
        count(request.config, phone)
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


def agent_runner(
    request: pytest.FixtureRequest, server: FakeServer, phone: FakePhone
) -> AgentRunner:
    """The body of ``autoglm_agent`` (its docstring is in the plugin module)."""
    from pytest_autoglm.phone import AgentRunner

    manager = request.config.pluginmanager
    if manager.get_plugin(_TRANSCRIPTS) is None:
        manager.register(_Transcripts(), _TRANSCRIPTS)
    runner = request.node.stash[_RUNNER] = AgentRunner(server, phone)
    return runner
