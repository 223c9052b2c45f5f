"""What the secrets plugin does once per session: load env files, register secret values."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_autoglm._workers import is_xdist_worker
from pytest_autoglm.secrets._apikey import KEY_VARIABLES
from pytest_autoglm.secrets._registry import secret_registry

if TYPE_CHECKING:  # the env file reader loads only when there is a file to read
    from pytest_autoglm.secrets._envfile import EnvLoad

ENV_LOAD_KEY = pytest.StashKey["EnvLoad"]()
PENDING_WARNINGS_KEY = pytest.StashKey[list[Warning]]()


def register_secrets(
    config: pytest.Config,
    load: EnvLoad | None,
    environ: Mapping[str, str],
    extra_names: Iterable[str],
) -> None:
    """Register secret-looking env-file values, the API key variables and named variables.

    Short values are reported as config-time warnings (visible in the warnings summary,
    subject to the user's ``filterwarnings``); the value itself is never in the message.
    They are kept until :func:`issue_short_secret_warnings`, when pytest knows whether
    this process is an xdist worker: each worker loads the same files, and xdist would
    show a worker's warning once more per worker. ``load`` is ``None`` when no env file
    was read: then only the environment's variables are looked at.
    """
    registry = secret_registry(config)
    extra = tuple(extra_names)
    pending = config.stash.setdefault(PENDING_WARNINGS_KEY, [])
    with registry.warnings_to(pending.append):
        if load is not None and load.values:
            from pytest_autoglm.secrets._envfile import looks_secret

            files = ", ".join(display_path(path, config) for path in load.files)
            for name, value in load.values.items():
                if looks_secret(name, extra):
                    registry.add(value, name=f"{name} ({files})")
                    if environ.get(name, value) != value:  # the environment's value won
                        registry.add(environ[name], name=name)
        for name in KEY_VARIABLES:
            registry.add(environ.get(name, ""), name=name)
        for name, value in environ.items():
            if any(fnmatch.fnmatchcase(name.upper(), p.upper()) for p in extra):
                registry.add(value, name=name)


def issue_short_secret_warnings(config: pytest.Config) -> None:
    """Show the warnings :func:`register_secrets` kept, in the controller only."""
    pending = config.stash.get(PENDING_WARNINGS_KEY, [])
    if not is_xdist_worker(config):  # an xdist worker: the controller warned
        for warning in pending:
            config.issue_config_time_warning(warning, stacklevel=2)
    pending.clear()


def display_path(path: Path, config: pytest.Config) -> str:
    """``path`` relative to the rootdir when it is inside it (for messages and the header)."""
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)


def load_session_env(
    config: pytest.Config,
    paths: Iterable[Path],
    *,
    override: bool,
    extra_names: Iterable[str],
    environ: MutableMapping[str, str] | None = None,
) -> EnvLoad:
    """Load ``paths`` into the environment, register the secrets, remember it for restore."""
    from pytest_autoglm.secrets._envfile import load_env_files

    environ = os.environ if environ is None else environ
    load = load_env_files(paths, environ, override=override)
    config.stash[ENV_LOAD_KEY] = load
    register_secrets(config, load, environ, extra_names)
    return load


def restore_session_env(config: pytest.Config) -> None:
    """Put the environment back as it was before the env files were loaded."""
    load = config.stash.get(ENV_LOAD_KEY, None)
    if load is not None:
        load.restore(os.environ)
        del config.stash[ENV_LOAD_KEY]
