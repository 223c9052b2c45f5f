"""Hooks, options and fixtures of the containers capability.

Fixtures ``autoglm_docker`` (the session's engine connection: ``.run(...)`` for a
container that lives until the session ends) and ``autoglm_container`` (a factory; each
container is removed at the end of the scope it asks for). Option
``--autoglm-require-docker``. The work lives in :mod:`pytest_autoglm.containers`; the
docker SDK is imported only when a test asks for a container.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm.containers._options import OPTIONS

if TYPE_CHECKING:
    from pytest_autoglm.containers import Container, ContainerSession

__all__ = ["OPTIONS"]  # declared in pytest_autoglm.containers._options


@pytest.fixture(scope="session")
def autoglm_docker(pytestconfig: pytest.Config) -> Iterator[ContainerSession]:
    """This test process's container engine session; ``.run(image, ...)`` keeps a container
    until the session ends (for your own session-scoped fixtures).

    A :class:`~pytest_autoglm.containers.ContainerSession`: ``.run`` takes the arguments of
    ``autoglm_container``; ``.client`` is the docker SDK client. At first use it sweeps the
    containers left by dead test sessions on this host. Skips with ``no container engine:
    ...`` when no engine answers (fails with --autoglm-require-docker).
    """
    from pytest_autoglm.containers._in_pytest import session_of

    session = session_of(pytestconfig)
    yield session
    session.close()


@pytest.fixture
def autoglm_container(
    request: pytest.FixtureRequest, autoglm_docker: ContainerSession
) -> Callable[..., Container]:
    """A factory: ``autoglm_container(image, command=None, ports={8000: None}, ready=http("/health"), ...)``
    starts a hardened container, waits until it is ready and returns its handle.

    Read-only root with a tmpfs ``/tmp``, ``cap_drop=["ALL"]``, no-new-privileges, an init
    process, a pids limit, ports on 127.0.0.1 (random host port, read back: ``.port(8000)``,
    ``.url("/v1")``); each opted out of by one argument. Never pulls. ``scope="module"`` or
    ``"session"`` shares one container among the tests that ask for the same arguments;
    the default removes it after the test. See the containers how-to for every argument.
    """
    from pytest_autoglm.containers._in_pytest import container_factory

    return container_factory(request, autoglm_docker)


_STATE = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, the controller keeps the run's session-scoped containers (one per run)."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        from pytest_autoglm.containers._shared import make_state_dir

        config.stash[_STATE] = make_state_dir()


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        from pytest_autoglm.containers._shared import remove_shared

        remove_shared(state)


def _opened(config: pytest.Config) -> ContainerSession | None:
    # No session was opened unless the module is loaded (no import for a suite without one).
    glue = sys.modules.get("pytest_autoglm.containers._in_pytest")
    return config.stash.get(glue.SESSION_KEY, None) if glue is not None else None


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    session = _opened(config)
    return (session.summary() or None) if session is not None else None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Whatever a fixture did not remove (an interrupted run), removed here."""
    containers = _opened(session.config)
    if containers is not None:
        containers.disconnect()


__dir__ = plugin_dir(globals())
