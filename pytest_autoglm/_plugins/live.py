"""Options, marker, fixture, header and summary of live runs and cassettes (capability 13).

The work lives in :mod:`pytest_autoglm.cassettes`; the ``autoglm_server`` fixture attaches a
test's cassette (``autoglm_cassette`` fixture) to the fake server when the test is marked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import KIT_MARKS_KEY, MarkerSpec, marks_in_use
from pytest_autoglm._options import Option
from pytest_autoglm._outcome import call_failed, track_call_outcome
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._settings import settings_of
from pytest_autoglm.cassettes._options import BASE_URL, CASSETTE_MARKER, MODEL, RECORD_MODE

if TYPE_CHECKING:
    from pytest_autoglm.cassettes import CassetteSession

OPTIONS: tuple[Option[Any], ...] = (BASE_URL, MODEL, RECORD_MODE)
MARKERS: tuple[MarkerSpec[Any], ...] = (CASSETTE_MARKER,)


class _Stats:
    """Counters for the summary line (a plain class: a dataclass costs ~2 M instructions
    at startup, in every run)."""

    def __init__(self) -> None:
        self.replayed = 0
        self.recorded = 0
        self.live = 0
        self.written = 0
        self.commands = 0


_STATS = pytest.StashKey[_Stats]()


def pytest_configure(config: pytest.Config) -> None:
    settings = settings_of(config)
    mode = settings[RECORD_MODE]
    if mode == "all" and settings[BASE_URL] is None:
        raise pytest.UsageError(
            f"{RECORD_MODE.flag}=all records every cassette again, from a live server: "
            f"give it with {BASE_URL.flag} URL"
        )
    config.stash[_STATS] = _Stats()


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test marked ``autoglm_cassette`` gets the ``autoglm_server`` it needs, asked for or not
    (a test that drives an unmodified ``phone_agent`` never names the fixture); without it
    the marker would do nothing and the test would reach for a real server."""
    if not marks_in_use(session.config, (CASSETTE_MARKER,)):
        return
    for item in session.items:
        names = getattr(item, "fixturenames", None)
        if (isinstance(names, list) and "autoglm_server" not in names
                and CASSETTE_MARKER.name in item.stash.get(KIT_MARKS_KEY, ())):  # fmt: skip
            names.append("autoglm_server")


@pytest.fixture
def autoglm_cassette(request: pytest.FixtureRequest) -> Iterator[CassetteSession | None]:
    """The test's cassette (``@pytest.mark.autoglm_cassette``), or None when it has none.

    ``autoglm_server`` attaches it to the fake server; at teardown a recorded cassette is
    written (secrets redacted), and recorded requests a replay never made fail the test.
    """
    options = CASSETTE_MARKER.options_for(request.node)
    if options is None:
        yield None
        return
    track_call_outcome(request.config)
    from pytest_autoglm.cassettes import CassetteError, CassetteSession, Upstream
    from pytest_autoglm.secrets import find_api_key, secret_registry

    settings = settings_of(request.config)
    registry = secret_registry(request.config)
    upstream = None
    base_url = settings[BASE_URL]
    if base_url is not None:
        key = find_api_key(os.environ)
        if key is not None:
            registry.add(key, name=key.source)
        upstream = Upstream(base_url, api_key=key, model=settings[MODEL])
    from pytest_autoglm._plugins.server import server_config_for

    prefix = server_config_for(request.node).api_prefix
    try:
        session = CassetteSession(
            options.path_for(Path(str(request.node.path))), settings[RECORD_MODE],
            upstream=upstream, redact=registry.redact, timing=options.timing, fake_prefix=prefix,
        )  # fmt: skip
    except CassetteError as exc:
        pytest.fail(f"{type(exc).__name__}: {exc}", pytrace=False)
    yield session
    stats = request.config.stash.get(_STATS, None) or _Stats()
    stats.recorded += len(session.new)
    stats.live += session.passed_live
    stats.replayed += sum(session._used)
    stats.commands += session.commands_seen
    if session.finish() is not None:
        stats.written += 1
    report = session.command_report(allow_unused=options.allow_unused or call_failed(request.node))
    if report:
        pytest.fail(report, pytrace=False)
    unused = session.unused()
    if unused and not options.allow_unused and not call_failed(request.node):
        from pytest_autoglm._reasons import cut_list

        lines = "\n".join("  " + line for line in cut_list(unused))
        pytest.fail(
            f"CassetteError: {len(unused)} recorded request(s) in {session.path} were never "
            f"made (the code under test now makes fewer requests?):\n{lines}\n"
            "re-record with --autoglm-record-mode all, or mark the test "
            "autoglm_cassette(..., allow_unused=True)",
            pytrace=False,
        )


def autoglm_header(config: pytest.Config) -> str | None:
    settings = settings_of(config)
    base_url = settings[BASE_URL]
    mode = settings[RECORD_MODE]
    if base_url is None:
        return None if mode == "none" else f"record mode {mode} (no --autoglm-base-url)"
    from pytest_autoglm.secrets import secret_registry

    shown = secret_registry(config).redact(base_url)
    what = "live" if mode == "none" else f"recording ({mode})"
    return f"{what} {shown}" + (f" model {settings[MODEL]}" if settings[MODEL] else "")


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    stats = config.stash.get(_STATS, None)
    if stats is None or not (stats.replayed or stats.recorded or stats.live):
        return None
    parts = []
    if stats.replayed:
        parts.append(f"{stats.replayed} request(s) replayed")
    if stats.recorded or stats.written:
        parts.append(f"{stats.recorded} recorded ({stats.written} cassette(s) written)")
    if stats.live:
        parts.append(f"{stats.live} passed through live")
    if stats.commands:
        parts.append(f"{stats.commands} device command(s) checked or recorded")
    return ["cassettes: " + ", ".join(parts)]


__dir__ = plugin_dir(globals())
