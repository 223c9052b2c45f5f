"""The containers capability inside a pytest run: one session per process, skips, GPU
gating, progress on the terminal, container logs on failed reports, scope sharing.

The plugin module (``_plugins/containers.py``) only wires these into fixtures and hooks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from pytest_autoglm._settings import settings_of
from pytest_autoglm.containers._errors import ContainerUsageError
from pytest_autoglm.containers._options import REQUIRE_DOCKER
from pytest_autoglm.containers._session import make_spec
from pytest_autoglm.containers._shared import STATE_ENV, shared_container

if TYPE_CHECKING:
    from pytest_autoglm.containers._handle import Container
    from pytest_autoglm.containers._session import ContainerSession
    from pytest_autoglm.containers._spec import ContainerSpec

T = TypeVar("T")
SESSION_KEY = pytest.StashKey["ContainerSession"]()
#: lines of each live container's log attached to a failed test's report
REPORT_LINES = 200
SCOPES = ("function", "class", "module", "package", "session")


def skip_here(reason: str) -> NoReturn:
    """Skip, reported at the test's own location rather than this module's."""
    raise pytest.skip.Exception(reason, _use_item_location=True)


def progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """Progress lines on the terminal, past output capture (none on xdist workers: logged)."""
    import logging

    logger = logging.getLogger("pytest_autoglm.containers")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        logger.info(line)
        if reporter is None:
            return
        if capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"autoglm: {line}")
        else:
            reporter.write_line(f"autoglm: {line}")

    return write


def gpu_gate(config: pytest.Config) -> Callable[[ContainerSpec], None]:
    """GPU containers follow the autoglm_gpu rules: off without --autoglm-gpu, need met."""

    def gate(spec: ContainerSpec) -> None:
        if spec.gpus is None:
            return
        from pytest_autoglm.gpu import GpuRequirement, gpu_mode, inventory
        from pytest_autoglm.gpu._options import OFF_REASON

        mode = gpu_mode(config)
        if mode == "off":
            skip_here(f"{OFF_REASON}: container {spec.label} asks for gpus={spec.gpus!r}")
        count = 1 if spec.gpus == "all" else int(spec.gpus)
        reason = GpuRequirement(count=count).unmet(inventory(config))
        if reason is not None:
            reason = f"container {spec.label}: {reason}"
            if mode == "required":
                pytest.fail(reason, pytrace=False)
            skip_here(reason)

    return gate


class ReportLogs:
    """Attaches the log of every live container to a failed test's report, as a section."""

    def __init__(self, session: ContainerSession) -> None:
        self.session = session

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed:
            for container in [*self.session.live.values(), *self.session.borrowed.values()]:
                if container.removed:
                    continue
                lines = container.logs().splitlines()
                cut = len(lines) - REPORT_LINES
                shown = lines[-REPORT_LINES:]
                if cut > 0:
                    shown.insert(0, f"...first {cut} lines cut")
                report.sections.append(
                    (f"container log: {container.name} ({container.image})", "\n".join(shown))
                )
        return report


def session_of(config: pytest.Config) -> ContainerSession:
    """This process's container session, opened on first use; skips when no engine answers."""
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        return session
    from pytest_autoglm.containers._errors import EngineUnavailable
    from pytest_autoglm.containers._session import ContainerSession

    opened: ContainerSession | str
    try:
        opened = ContainerSession.open()
    except EngineUnavailable as exc:
        opened = f"no container engine: {exc}"
    if isinstance(opened, str):  # outside the except block: no "during handling" chain
        if settings_of(config)[REQUIRE_DOCKER]:
            pytest.fail(f"{opened} [{REQUIRE_DOCKER.flag}]", pytrace=False)
        skip_here(opened)
    session = opened
    session.gate = gpu_gate(config)
    session.progress = progress_writer(config)
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(ReportLogs(session), "autoglm.containers.report-logs")
    return session


def plainly(call: Callable[[], T]) -> T:
    """The kit's container errors fail the test with their message, not the kit's frames;
    a bad argument is raised as itself, pointing at the caller."""
    __tracebackhide__ = True
    from pytest_autoglm.containers._errors import ContainerError

    try:
        return call()
    except ContainerUsageError as exc:
        raise exc.with_traceback(None) from None
    except ContainerError as exc:
        failure = pytest.fail.Exception(str(exc), pytrace=False)
    raise failure  # outside the except block: no "during handling" chain in the report


SHARED_KEY = pytest.StashKey[dict[tuple[str, str], "Container"]]()


def shared(config: pytest.Config) -> dict[tuple[str, str], Container]:
    return config.stash.setdefault(SHARED_KEY, {})


def scope_node(node: pytest.Item, scope: str) -> pytest.Item | pytest.Collector | pytest.Session:
    if scope == "function":
        return node
    if scope == "session":
        return node.session
    kinds: dict[str, type[pytest.Collector]] = {
        "class": pytest.Class,
        "module": pytest.Module,
        "package": pytest.Package,
    }
    parent = node.getparent(kinds[scope])
    return parent if parent is not None else node.session


def container_factory(
    request: pytest.FixtureRequest, session: ContainerSession
) -> Callable[..., Container]:
    """The ``autoglm_container`` factory: containers removed at the end of their scope;
    ``scope`` other than ``function`` reuses a live container started with equal arguments."""
    node = request.node

    def run(
        image: str,
        command: str | list[str] | None = None,
        *,
        scope: str = "function",
        **kwargs: Any,
    ) -> Container:
        __tracebackhide__ = True
        if scope not in SCOPES:
            raise ContainerUsageError(f"scope={scope!r}: expected one of {', '.join(SCOPES)}")
        spec = plainly(lambda: make_spec(image, command, **kwargs))
        owner = scope_node(node, scope)
        pool = shared(request.config)
        key = (owner.nodeid, spec.key())
        existing = pool.get(key) if scope != "function" else None
        if existing is not None and not existing.removed:
            return existing
        state = os.environ.get(STATE_ENV)
        if scope == "session" and state and hasattr(request.config, "workerinput"):
            run_wide = plainly(lambda: shared_container(Path(state), session, spec, node.nodeid))
            pool[key] = run_wide
            return run_wide
        container = plainly(lambda: session.run_spec(spec, test=node.nodeid))
        if scope == "function":
            request.addfinalizer(lambda: session.release(container))
        else:
            pool[key] = container

            def release() -> None:
                pool.pop(key, None)
                session.release(container)

            owner.addfinalizer(release)
        return container

    return run
