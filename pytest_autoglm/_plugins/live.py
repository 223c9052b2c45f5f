"""Options, marker, fixture, header and summary of live runs and cassettes (capability 13).

The work lives in :mod:`pytest_autoglm.cassettes`; the ``autoglm_server`` fixture attaches a
test's cassette (``autoglm_cassette`` fixture) to the fake server when the test is marked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import MarkerSpec, keyword_builder
from pytest_autoglm._options import Option, parse_str
from pytest_autoglm._settings import settings_of

if TYPE_CHECKING:
    from pytest_autoglm.cassettes import CassetteSession

RECORD_MODES = ("none", "once", "new", "all")


def parse_base_url(text: str) -> str:
    """An http(s) URL with a host, without its trailing slash."""
    from urllib.parse import urlsplit

    value = text.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    return value


def parse_record_mode(text: str) -> str:
    value = text.strip().lower()
    if value not in RECORD_MODES:
        raise ValueError("not a known record mode")
    return value


BASE_URL: Option[str | None] = Option(
    "base-url",
    "A live OpenAI-compatible model server (http://gpu-box:8000/v1): tests marked "
    "autoglm_cassette pass their traffic through to it (recording it, per the record mode), "
    "and the deployment check (pytest --pyargs pytest_autoglm.conformance) checks it.",
    parse_base_url,
    None,
    metavar="URL",
    accepted="an http(s) URL such as http://localhost:8000/v1",
)
MODEL: Option[str | None] = Option(
    "model",
    "The model name the live server serves (--served-model-name); requests passed through "
    "carry it. Default: the name each request asks for (autoglm-phone-9b for phone_agent).",
    parse_str,
    None,
    metavar="NAME",
)
RECORD_MODE: Option[str] = Option(
    "record-mode",
    "What tests marked autoglm_cassette do with their cassette: none replays only (a "
    "request not recorded fails; with --autoglm-base-url, everything passes through live and "
    "nothing is written); once records a cassette that does not exist yet; new records "
    "requests the cassette lacks; all records everything again. Recording needs "
    "--autoglm-base-url.",
    parse_record_mode,
    "none",
    metavar="MODE",
    accepted="none, once, new, all",
)
OPTIONS: tuple[Option[Any], ...] = (BASE_URL, MODEL, RECORD_MODE)


@dataclass(frozen=True, kw_only=True)
class CassetteOptions:
    """The arguments of ``@pytest.mark.autoglm_cassette``."""

    name: str
    #: replay timing: 1.0 as recorded, 0 at once, 0.1 ten times faster
    timing: float = 1.0
    #: recorded interactions a replay never asks for do not fail the test
    allow_unused: bool = False

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name={name!r}: expected the cassette's name, e.g. 'login'")
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts:
            raise ValueError(f"name={name!r}: give a name inside the cassettes folder "
                             "(no absolute path, no '..')")  # fmt: skip
        timing = self.timing
        if isinstance(timing, bool) or not isinstance(timing, (int, float)) or timing < 0:
            raise ValueError(f"timing={timing!r}: expected a number >= 0 (1.0: as recorded)")
        if not isinstance(self.allow_unused, bool):
            raise ValueError(f"allow_unused={self.allow_unused!r}: expected True or False")

    def path_for(self, test_file: Path) -> Path:
        name = self.name if self.name.endswith(".jsonl") else self.name + ".jsonl"
        return test_file.parent / "cassettes" / name


CASSETTE_MARKER: MarkerSpec[CassetteOptions] = MarkerSpec(
    name="autoglm_cassette",
    signature="name, *, timing=1.0, allow_unused=False",
    doc="autoglm_server answers from cassettes/<name>.jsonl beside the test file (replay), "
    "or passes through to --autoglm-base-url and records (see --autoglm-record-mode).",
    build=keyword_builder(CassetteOptions, positional=("name",)),
)
MARKERS: tuple[MarkerSpec[Any], ...] = (CASSETTE_MARKER,)


@dataclass
class _Stats:
    replayed: int = 0
    recorded: int = 0
    live: int = 0
    written: int = 0


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
    stats.recorded += len(session.new) if not session.live else 0
    stats.live += len(session.new) if session.live else 0
    stats.replayed += sum(session._used)
    if session.finish() is not None:
        stats.written += 1
    from pytest_autoglm._plugins.server import call_failed

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


def pytest_autoglm_header(config: pytest.Config) -> str | None:
    settings = settings_of(config)
    base_url = settings[BASE_URL]
    mode = settings[RECORD_MODE]
    if base_url is None:
        return None if mode == "none" else f"record mode {mode} (no --autoglm-base-url)"
    from pytest_autoglm.secrets import secret_registry

    shown = secret_registry(config).redact(base_url)
    what = "live" if mode == "none" else f"recording ({mode})"
    return f"{what} {shown}" + (f" model {settings[MODEL]}" if settings[MODEL] else "")


def pytest_autoglm_summary(config: pytest.Config) -> list[str] | None:
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
    return ["cassettes: " + ", ".join(parts)]
