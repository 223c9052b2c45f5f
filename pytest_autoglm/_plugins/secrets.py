"""Hooks, options and fixtures of the secrets capability (work lives in ``pytest_autoglm.secrets``).

Env files load in ``pytest_load_initial_conftests`` (tryfirst), before any
``conftest.py`` is imported, so conftests and ``pytest_configure`` see the values.
Reports are redacted where they are made, and again where xdist's controller receives
them from a worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, cast

import pytest
from _pytest.config import ConftestImportFailure  # not re-exported by pytest; stable since 3

from pytest_autoglm._markers import MarkerSpec
from pytest_autoglm._options import Option, flag_option, parse_list
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._reasons import cut_list, plural
from pytest_autoglm._settings import settings_of
from pytest_autoglm._workers import worker_output
from pytest_autoglm.secrets._apikey import NO_KEY_REASON, ApiKey, find_api_key
from pytest_autoglm.secrets._registry import secret_registry
from pytest_autoglm.secrets._session import (
    ENV_LOAD_KEY,
    display_path,
    issue_short_secret_warnings,
    load_session_env,
    register_secrets,
    restore_session_env,
)


def parse_secret_names(text: str) -> tuple[str, ...]:
    """Names or glob patterns (the env file reader loads only when the option is given)."""
    from pytest_autoglm.secrets._envfile import parse_secret_names as parse

    return parse(text)


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
SUMMARY_NAMES = 5  # secret names listed in the summary line before "...and N more"
_UNDO_STREAMS_KEY = pytest.StashKey[Callable[[], None]]()


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
        from pytest_autoglm.secrets._scrub import redact_warning

        redact_warning(warning_message, secret_registry(self.config))


def _register_warning_redactor(config: pytest.Config) -> None:
    name = "autoglm.secrets.warnings"
    if config.pluginmanager.get_plugin(name) is None:
        config.pluginmanager.register(_WarningRedactor(config), name)


def _activate(config: pytest.Config) -> None:
    """Add the redaction hooks (once the first secret is registered)."""
    name = "autoglm.secrets.redaction"
    if config.pluginmanager.get_plugin(name) is None:
        from pytest_autoglm.secrets._redaction import Redaction

        registry = secret_registry(config)
        config.pluginmanager.register(Redaction(registry, _UNDO_STREAMS_KEY), name)


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


def _load_env(early_config: pytest.Config) -> None:
    early = cast(pytest.Config, _EarlyConfig(early_config))
    try:
        where, paths = _env_file_paths(early_config, early)
        override = ENV_OVERRIDE.resolve(early)[1]
        extra_names = SECRET_NAMES.resolve(early)[1]
        if not paths:  # no file to read (nor its reader to import): only the environment
            register_secrets(early_config, None, os.environ, extra_names)
            return
        from pytest_autoglm.secrets._envfile import EnvFileError

        try:
            load_session_env(early_config, paths, override=override, extra_names=extra_names)
        except EnvFileError as exc:
            raise pytest.UsageError(f"{where}: {exc}") from None
    except pytest.UsageError:
        if early_config.known_args_namespace.help:
            return  # --help must work even with a broken .env
        raise


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None, None, None]:
    """Load the env files before pytest starts capturing and imports any ``conftest.py``.

    When they hold a secret, ``sys.stdout`` and ``sys.stderr`` are wrapped now, so what
    capturing restores, tees to (``--capture=tee-sys``) or lets through (``-s``,
    ``capsys.disabled()``) is redacted.
    """
    _register_warning_redactor(early_config)
    _load_env(early_config)
    registry = secret_registry(early_config)
    if registry.active:
        from pytest_autoglm.secrets._scrub import redact_std_streams

        early_config.stash[_UNDO_STREAMS_KEY] = redact_std_streams(registry)
    registry.when_active(lambda: _activate(early_config))
    try:
        yield
    except ConftestImportFailure as exc:  # pytest prints it after our cleanup: redact now
        from pytest_autoglm.secrets._scrub import redacted_conftest_failure

        raise redacted_conftest_failure(exc, registry) from None
    if registry.active:
        from pytest_autoglm.secrets._scrub import re_emit_captured

        re_emit_captured(early_config, registry)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, Any, Any]:
    """A ``UsageError`` is printed by pytest after the session's cleanup: redact it here."""
    try:
        return (yield)
    except pytest.UsageError as exc:
        registry = secret_registry(config)
        args = [registry.redact(arg) if isinstance(arg, str) else arg for arg in exc.args]
        if args == list(exc.args):
            raise
        raise pytest.UsageError(*args) from None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _register_warning_redactor(config)  # if the plugin was loaded after initial conftests
    issue_short_secret_warnings(config)
    secret_registry(config).when_active(lambda: _activate(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    restore_session_env(config)
    undo = config.stash.get(_UNDO_STREAMS_KEY, None)
    if undo is not None:
        undo()
        del config.stash[_UNDO_STREAMS_KEY]


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = worker_output(session.config)
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


def autoglm_header(config: pytest.Config) -> str | None:
    load = config.stash.get(ENV_LOAD_KEY, None)
    registry = secret_registry(config)
    parts = []
    if load is not None and load.files:
        files = ", ".join(display_path(path, config) for path in load.files)
        kept = f", {len(load.kept)} already set" if load.kept else ""
        parts.append(f"env {files} ({len(load.applied)} set{kept})")
    if len(registry):
        parts.append(plural(len(registry), "secret") + " to redact")
    return "secrets: " + ", ".join(parts) if parts else None


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    registry = secret_registry(config)
    if not len(registry) and not registry.count:
        return None
    names = ", ".join(cut_list(registry.names, SUMMARY_NAMES))
    redactions = plural(registry.count, "redaction")
    return [f"secrets: {redactions} of {plural(len(registry), 'secret')} ({names})"]


__dir__ = plugin_dir(globals())
