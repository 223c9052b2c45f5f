"""Hooks, options and fixtures of the secrets capability (work lives in ``pytest_autoglm.secrets``).

Env files load in ``pytest_load_initial_conftests`` (tryfirst), before any
``conftest.py`` is imported, so conftests and ``pytest_configure`` see the values.
Reports are redacted where they are made, and again where xdist's controller receives
them from a worker.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

import pytest

from pytest_autoglm._markers import MarkerSpec
from pytest_autoglm._options import Option, flag_option, parse_list
from pytest_autoglm._settings import settings_of
from pytest_autoglm.secrets._apikey import NO_KEY_REASON, ApiKey, find_api_key
from pytest_autoglm.secrets._envfile import EnvFileError, parse_secret_names
from pytest_autoglm.secrets._registry import secret_registry
from pytest_autoglm.secrets._scrub import (
    redact_item_sections,
    redact_log_handlers,
    redact_report,
    redact_terminal,
    redact_warning,
)
from pytest_autoglm.secrets._session import (
    ENV_LOAD_KEY,
    display_path,
    issue_short_secret_warnings,
    load_session_env,
    restore_session_env,
)

ENV_FILE: Option[tuple[str, ...]] = Option(
    name="env-file",
    help=(
        "load environment variables from this .env file before conftest.py is imported; "
        "several files load in order, later ones win (default: .env in the rootdir, if any)"
    ),
    parse=parse_list,
    default=(),
    kind="list",
    metavar="PATH",
    ini_name="autoglm_env_files",
    accepted="a file path (relative to the current directory, or to the ini file for the ini key)",
)
ENV_OVERRIDE: Option[bool] = flag_option(
    name="env-override",
    help="let values from env files replace environment variables that are already set",
)
REQUIRE_KEY: Option[bool] = flag_option(
    name="require-key",
    help="fail, instead of skip, tests that use autoglm_api_key when no API key is set",
)
SECRET_NAMES: Option[tuple[str, ...]] = Option(
    name="secret-names",
    help=(
        "more variable names or glob patterns whose values are redacted from reports, "
        "besides *KEY*, *TOKEN*, *SECRET*, *PASSWORD* in env files"
    ),
    parse=parse_secret_names,
    default=(),
    kind="list",
    metavar="NAME",
    accepted="variable names or glob patterns, e.g. DB_DSN or *_CREDENTIALS",
)

OPTIONS: tuple[Option[Any], ...] = (ENV_FILE, ENV_OVERRIDE, REQUIRE_KEY, SECRET_NAMES)
MARKERS: tuple[MarkerSpec[Any], ...] = ()

_REDACTIONS_FROM_WORKER = "autoglm_secret_redactions"


class _WarningRedactor:
    """Redacts warnings before the terminal, report log or xdist records them.

    A plugin object because ``pytest_warning_recorded`` gets no config; registered in
    ``pytest_load_initial_conftests``, before the terminal reporter exists, so even
    config-time warnings replayed to it later are already redacted.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        redact_warning(warning_message, secret_registry(self.config))


def _register_warning_redactor(config: pytest.Config) -> None:
    name = "autoglm.secrets.warnings"
    if config.pluginmanager.get_plugin(name) is None:
        config.pluginmanager.register(_WarningRedactor(config), name)


class _EarlyConfig:
    """Enough of a Config for ``Option.resolve`` before the command line is fully parsed.

    In ``pytest_load_initial_conftests`` only ``known_args_namespace`` holds the flags.
    """

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def getoption(self, name: str, default: Any = None) -> Any:
        return getattr(self._config.known_args_namespace, name, default)

    def getini(self, name: str) -> Any:
        return self._config.getini(name)


def _env_file_paths(config: pytest.Config, early: pytest.Config) -> tuple[str, tuple[Path, ...]]:
    """Where the env file list came from (for messages) and the files to load."""
    source, names = ENV_FILE.resolve(early)
    if source == "default":
        default = config.rootpath / ".env"
        return "the default .env in the rootdir", (default,) if default.is_file() else ()
    base = config.invocation_params.dir
    if source == "ini" and config.inipath is not None:
        base = config.inipath.parent
    where = {"command line": ENV_FILE.flag, "environment": ENV_FILE.env, "ini": ENV_FILE.ini}
    return where[source], tuple(base / Path(name).expanduser() for name in names)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    _register_warning_redactor(early_config)
    early = cast(pytest.Config, _EarlyConfig(early_config))
    try:
        where, paths = _env_file_paths(early_config, early)
        try:
            load_session_env(
                early_config,
                paths,
                override=ENV_OVERRIDE.resolve(early)[1],
                extra_names=SECRET_NAMES.resolve(early)[1],
            )
        except EnvFileError as exc:
            raise pytest.UsageError(f"{where}: {exc}") from None
    except pytest.UsageError:
        if early_config.known_args_namespace.help:
            return  # --help must work even with a broken .env
        raise


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _register_warning_redactor(config)  # if the plugin was loaded after initial conftests
    issue_short_secret_warnings(config)
    registry = secret_registry(config)
    if config.pluginmanager.get_plugin("terminalreporter") is not None:  # none on xdist workers
        redact_terminal(config.get_terminal_writer(), registry)
    redact_log_handlers(config, registry)


def pytest_unconfigure(config: pytest.Config) -> None:
    restore_session_env(config)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    registry = secret_registry(item.config)
    redact_item_sections(item, registry)  # before the report copies them
    report = yield
    redact_report(report, registry)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    redact_report(report, secret_registry(collector.config))
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_report_from_serializable(config: pytest.Config) -> Generator[None, Any, Any]:
    """Redact reports that xdist's controller rebuilds from a worker (secrets the worker
    registered at run time were already redacted there)."""
    report = yield
    if isinstance(report, pytest.TestReport | pytest.CollectReport):
        redact_report(report, secret_registry(config))
    return report


def pytest_make_parametrize_id(config: pytest.Config, val: object) -> str | None:
    """Keep a secret used as a parameter out of test ids (and so out of every report)."""
    registry = secret_registry(config)
    if isinstance(val, str) and registry.contains_secret(val):
        return registry.redact(val)
    return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller adds this to its count
        workeroutput[_REDACTIONS_FROM_WORKER] = secret_registry(session.config).count


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any) -> None:
    output = getattr(node, "workeroutput", None) or {}
    secret_registry(node.config).add_count(int(output.get(_REDACTIONS_FROM_WORKER, 0)))


@pytest.fixture(scope="session")
def autoglm_api_key(request: pytest.FixtureRequest) -> ApiKey:
    """The model API key from AUTOGLM_API_KEY, else PHONE_AGENT_API_KEY; skips if neither is set.

    The value is the real key (``f"Bearer {key}"`` and ``OpenAI(api_key=key)`` work) with
    a masked ``repr``, and it is redacted from every report. ``--autoglm-require-key``
    turns the skip into a failure, for CI jobs that must run against the real API.
    """
    key = find_api_key(os.environ)
    if key is None:
        if settings_of(request.config)[REQUIRE_KEY]:
            pytest.fail(f"{NO_KEY_REASON}; {REQUIRE_KEY.flag} is set", pytrace=False)
        pytest.skip(NO_KEY_REASON)
    secret_registry(request.config).add(key, name=key.source)
    return key


def pytest_autoglm_header(config: pytest.Config) -> str | None:
    load = config.stash.get(ENV_LOAD_KEY, None)
    registry = secret_registry(config)
    parts = []
    if load is not None and load.files:
        files = ", ".join(display_path(path, config) for path in load.files)
        kept = f", {len(load.kept)} already set" if load.kept else ""
        parts.append(f"env {files} ({len(load.applied)} set{kept})")
    if len(registry):
        parts.append(_plural(len(registry), "secret") + " to redact")
    return "secrets: " + ", ".join(parts) if parts else None


def pytest_autoglm_summary(config: pytest.Config) -> list[str] | None:
    registry = secret_registry(config)
    if not len(registry) and not registry.count:
        return None
    names = ", ".join(registry.names)
    redactions = _plural(registry.count, "redaction")
    return [f"secrets: {redactions} of {_plural(len(registry), 'secret')} ({names})"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
