"""Options, marker, fixture, header and summary of the fake model server (capability 1-3, 12).

The work lives in :mod:`pytest_autoglm.server`; it is imported when a test first asks
for the fixture, never at plugin load (it would pull in respx and httpx). So is the
fixture's body, ``server/_fixture.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import MarkerSpec, keyword_builder
from pytest_autoglm._options import Option
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._settings import settings_of
from pytest_autoglm._workers import received_counts, send_counts

if TYPE_CHECKING:
    from pytest_autoglm.server import FakeServer, ServerConfig
    from pytest_autoglm.server._clock import VirtualClock

_TRANSPORTS = ("respx", "http")
_FLAVOURS = ("vllm", "sglang", "bigmodel", "openai")


def _choice(what: str, choices: tuple[str, ...]) -> Any:
    """A parser of one of ``choices`` (any case); the option adds the accepted values."""

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"not a known {what}")
        return value

    return parse


def parse_seed(text: str) -> int:
    """A non-negative integer."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError("not a whole number") from None
    if value < 0:
        raise ValueError("negative")
    return value


SERVER_TRANSPORT: Option[str] = Option(
    "server-transport",
    "How the autoglm_server fixture serves: 'respx' intercepts httpx and httpx2 clients "
    "in-process (fastest); 'http' runs a real server on 127.0.0.1 for other processes "
    "and HTTP stacks. A test's @pytest.mark.autoglm_server(transport=...) wins.",
    _choice("transport", _TRANSPORTS),
    "respx",
    metavar="respx|http",
    accepted="respx, http",
)
SERVER_FLAVOUR: Option[str] = Option(
    "server-flavour",
    "Which real server the fake imitates in its error bodies and messages: vllm (the "
    "default), sglang, bigmodel (BigModel/z.ai) or openai.",
    _choice("flavour", _FLAVOURS),
    "vllm",
    metavar="FLAVOUR",
    accepted="vllm, sglang, bigmodel, openai",
)


def parse_version(text: str) -> str:
    """A release number as ``GET /version`` answers it (``0.12.0``); empty: the flavour's default."""
    from packaging.version import InvalidVersion, Version

    value = text.strip()
    if value:
        try:
            Version(value)
        except InvalidVersion:
            raise ValueError("not a version number") from None
    return value


SERVER_VERSION: Option[str] = Option(
    "server-version",
    "Which release of the real server the fake imitates (texts, validation, /version): "
    "the nearest known profile at or below it. vLLM: 0.12.0 (default, from source) or "
    "0.32.0 (verified against a real vLLM). A test's @pytest.mark.autoglm_server(version=...) wins.",
    parse_version,
    "",
    metavar="VERSION",
    accepted="a version number such as 0.12.0 or 0.32.0",
)
SERVER_SEED: Option[int] = Option(
    "server-seed",
    "Seed of the fake server's stream chunking; change it to split replies at other "
    "token boundaries.",
    parse_seed,
    0,
    metavar="N",
    accepted="a whole number >= 0",
)


def parse_allow_hosts(text: str) -> tuple[str, ...]:
    """Comma-separated hosts (``api.example.com``, ``api.example.com:443``, ``*``)."""
    from pytest_autoglm.server._hosts import parse_allow_hosts as parse

    return parse(text)  # a ServerConfigError is a ValueError: the option names itself


SERVER_ALLOW_HOSTS: Option[tuple[str, ...]] = Option(
    "server-allow-hosts",
    "Hosts that in-process httpx/httpx2 clients may reach while autoglm_server is active "
    "(every other host is refused, so no request or key leaves the test); comma-separated, "
    "'*' for all. Adds to a test's @pytest.mark.autoglm_server(allow_hosts=[...]).",
    parse_allow_hosts,
    (),
    metavar="HOST[:PORT],...",
    accepted="host names or host:port, comma-separated, or '*'",
)

OPTIONS: tuple[Option[Any], ...] = (
    SERVER_TRANSPORT, SERVER_FLAVOUR, SERVER_VERSION, SERVER_SEED, SERVER_ALLOW_HOSTS,
)  # fmt: skip


def _build_config(*args: Any, **kwargs: Any) -> ServerConfig:
    from pytest_autoglm.server import ServerConfig

    return keyword_builder(ServerConfig)(*args, **kwargs)


SERVER_MARKER: MarkerSpec[Any] = MarkerSpec(
    name="autoglm_server",
    signature="*, transport='respx', flavour='vllm', version='0.12.0', model='autoglm-phone-9b', "
    "api_key='EMPTY', "
    "base_url=<Open-AutoGLM default URL>, max_model_len=25480, max_images=10, validate=True, "
    "strict=True, seed=0, export_env=True, allow_hosts=(), ...",
    doc="configure the autoglm_server fixture for this test, class or module (nearest wins).",
    build=_build_config,
)
MARKERS: tuple[MarkerSpec[Any], ...] = (SERVER_MARKER,)


class _Stats:
    """Counters for the summary line (a plain class: a dataclass costs ~2 M instructions
    at startup, in every run)."""

    def __init__(self) -> None:
        self.tests = 0
        self.requests = 0
        self.faults = 0
        self.unexpected = 0


_STATS = pytest.StashKey[_Stats]()


def _stats(config: pytest.Config) -> _Stats:
    stats = config.stash.get(_STATS, None)
    if stats is None:
        stats = config.stash[_STATS] = _Stats()
    return stats


def _count(config: pytest.Config, server: FakeServer) -> None:
    """Add a stopped server's calls to the run's counters (``autoglm_server``'s teardown)."""
    stats = _stats(config)
    stats.tests += 1
    requests, faults, unexpected = server.calls.tally()  # counted as calls arrived
    stats.requests += requests
    stats.faults += faults
    stats.unexpected += unexpected


def server_config_for(item: pytest.Item) -> ServerConfig:
    """The effective configuration of a test: marker keywords over the session options."""
    from pytest_autoglm.server import ServerConfig

    settings = settings_of(item.config)
    merged = SERVER_MARKER.merged_arguments(item)
    kwargs = merged[1] if merged else {}
    defaults = {
        "transport": settings[SERVER_TRANSPORT],
        "flavour": settings[SERVER_FLAVOUR],
        "seed": settings[SERVER_SEED],
        "version": settings[SERVER_VERSION] or None,
    }
    config = ServerConfig(**{**defaults, **kwargs})
    allowed = settings[SERVER_ALLOW_HOSTS]
    if allowed:  # the session's hosts add to the marker's
        config = config.with_(allow_hosts=(*config.allow_hosts, *allowed))
    return config


@pytest.fixture
def autoglm_server(request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    """A fake AutoGLM model server (vLLM's API) for this test; script replies and faults on it.

    Answers at ``http://localhost:8000/v1`` (in-process, respx) or on a free loopback
    port (``transport="http"``), with Open-AutoGLM's model name and key, and exports
    ``PHONE_AGENT_BASE_URL``/``_MODEL``/``_API_KEY`` while the test runs. At teardown
    it fails the test for requests that matched nothing and for scripted replies that
    were never used (``optional=True`` opts out; ``strict=False`` turns both off;
    after a test that failed, only the unmatched requests are reported).
    ``@pytest.mark.autoglm_server(api_key="autoglm_api_key")`` makes it require, and
    export, the key of the ``autoglm_api_key`` fixture, without writing it in the marker.
    """
    from pytest_autoglm.server._fixture import fake_server

    yield from fake_server(request, server_config_for, _count)


@pytest.fixture
def autoglm_clock() -> Iterator[VirtualClock]:
    """A virtual clock: ``time.sleep`` and ``anyio.sleep`` return at once and advance it.

    Retry code (the openai SDK's included) then runs its real backoff policy without the
    test waiting; ``autoglm_server`` records call times on this clock, so
    ``calls.assert_backoff(...)`` checks the waits that were asked for.
    ``clock.slept`` lists them; ``clock.advance(s)`` moves time forward by hand.
    """
    from pytest_autoglm.server._clock import VirtualClock

    clock = VirtualClock().start()
    try:
        yield clock
    finally:
        clock.stop()


_STATS_FROM_WORKER = "autoglm_server_stats"


def pytest_sessionfinish(session: pytest.Session) -> None:
    stats = session.config.stash.get(_STATS, None)
    if stats is not None:  # in an xdist worker: the controller sums
        send_counts(session.config, _STATS_FROM_WORKER, vars(stats))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any) -> None:
    counts = received_counts(node, _STATS_FROM_WORKER)
    if counts:
        stats = _stats(node.config)
        for name, value in counts.items():
            setattr(stats, name, getattr(stats, name) + int(value))


def autoglm_header(config: pytest.Config) -> str | None:
    from pytest_autoglm.server._profiles import ProfileError, profile_for

    settings = settings_of(config)
    try:
        profile = profile_for(settings[SERVER_FLAVOUR], settings[SERVER_VERSION] or None).label()
    except ProfileError as exc:
        raise pytest.UsageError(f"{SERVER_VERSION.flag}: {exc}") from None
    return f"fake server {settings[SERVER_TRANSPORT]}/{profile}"


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    stats = config.stash.get(_STATS, None)
    if stats is None or stats.tests == 0:
        return None
    line = (f"fake server: {stats.requests} request(s) in {stats.tests} test(s), "
            f"{stats.faults} answered with a fault or error")  # fmt: skip
    if stats.unexpected:
        line += f", {stats.unexpected} unexpected"
    return [line]


__dir__ = plugin_dir(globals())
