"""Hooks, options and fixtures of the containers capability.

Fixtures ``autoglm_docker`` (the session's engine connection: ``.run(...)`` for a
container that lives until the session ends) and ``autoglm_container`` (a factory; each
container is removed at the end of the scope it asks for). Option
``--autoglm-require-docker``. The work lives in :mod:`pytest_autoglm.containers`; the
docker SDK is imported only when a test asks for a container.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from pytest_autoglm._options import Option, flag_option
from pytest_autoglm._settings import settings_of

if TYPE_CHECKING:
    from pytest_autoglm.containers import Container, ContainerSession, ContainerSpec

REQUIRE_DOCKER: Option[bool] = flag_option(
    name="require-docker",
    help="Fail, instead of skip, tests that need a container engine when none answers "
    "(for CI runners that are meant to have one).",
)
OPTIONS: tuple[Option[Any], ...] = (REQUIRE_DOCKER,)

T = TypeVar("T")
SESSION_KEY = pytest.StashKey["ContainerSession"]()
#: lines of each live container's log attached to a failed test's report
REPORT_LINES = 200
SCOPES = ("function", "class", "module", "package", "session")


def _skip(reason: str) -> NoReturn:
    """Skip, reported at the test's own location rather than this module's."""
    raise pytest.skip.Exception(reason, _use_item_location=True)


def _progress_writer(config: pytest.Config) -> Callable[[str], None]:
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


def _gpu_gate(config: pytest.Config) -> Callable[[ContainerSpec], None]:
    """GPU containers follow the autoglm_gpu rules: off without --autoglm-gpu, need met."""

    def gate(spec: ContainerSpec) -> None:
        if spec.gpus is None:
            return
        from pytest_autoglm._plugins.gpu import OFF_REASON
        from pytest_autoglm.gpu import GpuRequirement, gpu_mode, inventory

        mode = gpu_mode(config)
        if mode == "off":
            _skip(f"{OFF_REASON}: container {spec.label} asks for gpus={spec.gpus!r}")
        count = 1 if spec.gpus == "all" else int(spec.gpus)
        reason = GpuRequirement(count=count).unmet(inventory(config))
        if reason is not None:
            reason = f"container {spec.label}: {reason}"
            if mode == "required":
                pytest.fail(reason, pytrace=False)
            _skip(reason)

    return gate


class _ReportLogs:
    """Attaches the log of every live container to a failed test's report, as a section."""

    def __init__(self, session: ContainerSession) -> None:
        self.session = session

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed:
            for container in list(self.session.live.values()):
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


def _session_of(config: pytest.Config) -> ContainerSession:
    """This process's container session, opened on first use; skips when no engine answers."""
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        return session
    from pytest_autoglm.containers import ContainerSession, EngineUnavailable

    opened: ContainerSession | str
    try:
        opened = ContainerSession.open()
    except EngineUnavailable as exc:
        opened = f"no container engine: {exc}"
    if isinstance(opened, str):  # outside the except block: no "during handling" chain
        if settings_of(config)[REQUIRE_DOCKER]:
            pytest.fail(f"{opened} [{REQUIRE_DOCKER.flag}]", pytrace=False)
        _skip(opened)
    session = opened
    session.gate = _gpu_gate(config)
    session.progress = _progress_writer(config)
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(_ReportLogs(session), "autoglm.containers.report-logs")
    return session


def _plainly(call: Callable[[], T]) -> T:
    """The kit's container errors fail the test with their message, not the kit's frames;
    a bad argument is raised as itself, pointing at the caller."""
    __tracebackhide__ = True
    from pytest_autoglm.containers import ContainerError, ContainerUsageError

    try:
        return call()
    except ContainerUsageError as exc:
        raise exc.with_traceback(None) from None
    except ContainerError as exc:
        failure = pytest.fail.Exception(str(exc), pytrace=False)
    raise failure  # outside the except block: no "during handling" chain in the report


@pytest.fixture(scope="session")
def autoglm_docker(pytestconfig: pytest.Config) -> Iterator[ContainerSession]:
    """This test process's container engine session; ``.run(image, ...)`` keeps a container
    until the session ends (for your own session-scoped fixtures).

    A :class:`~pytest_autoglm.containers.ContainerSession`: ``.run`` takes the arguments of
    ``autoglm_container``; ``.client`` is the docker SDK client. At first use it sweeps the
    containers left by dead test sessions on this host. Skips with ``no container engine:
    ...`` when no engine answers (fails with --autoglm-require-docker).
    """
    session = _session_of(pytestconfig)
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
    session = autoglm_docker
    node = request.node

    def run(
        image: str,
        command: str | list[str] | None = None,
        *,
        scope: str = "function",
        **kwargs: Any,
    ) -> Container:
        __tracebackhide__ = True
        from pytest_autoglm.containers import ContainerUsageError
        from pytest_autoglm.containers._session import make_spec

        if scope not in SCOPES:
            raise ContainerUsageError(f"scope={scope!r}: expected one of {', '.join(SCOPES)}")
        spec = _plainly(lambda: make_spec(image, command, **kwargs))
        owner = _scope_node(node, scope)
        shared = _shared(request.config)
        key = (owner.nodeid, spec.key())
        existing = shared.get(key) if scope != "function" else None
        if existing is not None and not existing.removed:
            return existing
        container = _plainly(lambda: session.run_spec(spec, test=node.nodeid))
        if scope == "function":
            request.addfinalizer(lambda: session.release(container))
        else:
            shared[key] = container

            def release() -> None:
                shared.pop(key, None)
                session.release(container)

            owner.addfinalizer(release)
        return container

    return run


_SHARED_KEY = pytest.StashKey[dict[tuple[str, str], "Container"]]()


def _shared(config: pytest.Config) -> dict[tuple[str, str], Container]:
    return config.stash.setdefault(_SHARED_KEY, {})


def _scope_node(node: pytest.Item, scope: str) -> pytest.Item | pytest.Collector | pytest.Session:
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


def pytest_autoglm_summary(config: pytest.Config) -> list[str] | None:
    session = config.stash.get(SESSION_KEY, None)
    return (session.summary() or None) if session is not None else None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Whatever a fixture did not remove (an interrupted run), removed here."""
    containers = session.config.stash.get(SESSION_KEY, None)
    if containers is not None:
        containers.disconnect()
