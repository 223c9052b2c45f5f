"""One test process's containers: the engine connection, the sweep, every live container.

``ContainerSession.open()`` connects and sweeps containers that dead sessions left on
this host; ``run(image, ...)`` launches one (names and labels tie it to this process);
``close()`` removes whatever is still there. The pytest fixtures hold one per process
(one per xdist worker); code outside pytest can use it as a context manager::

    with ContainerSession.open() as containers:
        server = containers.run("my/server:local", ready=http("/health"))
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from typing import Any

from pytest_autoglm.containers._engine import connect, describe_engine
from pytest_autoglm.containers._errors import ContainerUsageError
from pytest_autoglm.containers._handle import Container
from pytest_autoglm.containers._launch import launch
from pytest_autoglm.containers._owner import TEST, Owner, sweep
from pytest_autoglm.containers._spec import ContainerSpec, spec_arguments


def make_spec(image: str, command: Any = None, **kwargs: Any) -> ContainerSpec:
    """A checked :class:`ContainerSpec`; an unknown argument names itself and the accepted ones."""
    import difflib

    accepted = spec_arguments()
    for name in kwargs:
        if name not in accepted:
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ContainerUsageError(
                f"unknown argument {name!r}{hint}; accepted: {', '.join(accepted)}"
            )
    return ContainerSpec(image=image, command=command, **kwargs)


class ContainerSession:
    """The containers of one test process, removed at :meth:`close` whatever happened."""

    def __init__(self, client: Any, owner: Owner | None = None) -> None:
        self.client = client
        self.owner = owner or Owner()
        self.live: dict[str, Container] = {}
        #: containers this process uses but another removes (xdist's run-wide session scope)
        self.borrowed: dict[str, Container] = {}
        self.swept: list[str] = []
        self.ready_seconds: list[float] = []
        self.remove_seconds: list[float] = []
        self.leftovers: list[str] = []
        self._numbers = itertools.count(1)
        #: the engine's version and address, read when the session opened
        self.engine = "container engine"
        #: called with each spec before launch (the plugin gates GPU containers here)
        self.gate: Callable[[ContainerSpec], None] = lambda spec: None
        #: where progress lines go while a container starts
        self.progress: Callable[[str], None] = lambda line: None

    @classmethod
    def open(cls, *, timeout: float = 30.0, sweep_dead: bool = True) -> ContainerSession:
        """Connect to the engine (``DOCKER_HOST`` or the default socket) and sweep the dead."""
        session = cls(connect(timeout))
        session.engine = describe_engine(session.client)
        if sweep_dead:
            session.swept = sweep(session.client, session.owner)
        return session

    def run(
        self, image: str, command: str | list[str] | None = None, *, test: str | None = None,
        **kwargs: Any,
    ) -> Container:  # fmt: skip
        """Launch a container (arguments as ``autoglm_container``) and wait until it is ready."""
        return self.run_spec(make_spec(image, command, **kwargs), test=test)

    def run_spec(
        self, spec: ContainerSpec, *, test: str | None = None, owner: Owner | None = None
    ) -> Container:
        """Launch ``spec``; ``owner`` labels it for another process (xdist's controller)."""
        self.gate(spec)
        name = f"autoglm-{spec.label}-{self.owner.session}-{next(self._numbers)}"
        labels = (owner or self.owner).labels()
        if test:
            labels[TEST] = test[:1000]
        try:
            container = launch(
                self.client, spec, name=name, labels=labels, progress=self.progress,
                on_created=lambda handle: self.live.__setitem__(name, handle),
            )  # fmt: skip
        except BaseException:
            failed = self.live.get(name)
            if failed is not None and failed.removed:  # else close() tries again
                del self.live[name]
            raise
        if container.ready_seconds is not None:
            self.ready_seconds.append(container.ready_seconds)
        return container

    def release(self, container: Container) -> None:
        """Remove ``container`` now (idempotent)."""
        try:
            container.remove()
        finally:
            self.live.pop(container.name, None)
        if container.remove_seconds is not None:
            self.remove_seconds.append(container.remove_seconds)

    def close(self) -> None:
        """Remove every container this session still has; note the ones that resisted."""
        for container in list(self.live.values()):
            try:
                self.release(container)
            except Exception as exc:
                self.leftovers.append(f"{container.name}: {exc}")

    def disconnect(self) -> None:
        """Remove what is left, then close the connection to the engine."""
        self.close()
        self.client.close()

    def __enter__(self) -> ContainerSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def summary(self) -> list[str]:
        """Lines for the ``autoglm`` terminal summary."""
        lines = []
        if self.ready_seconds:
            median = statistics.median(self.ready_seconds)
            lines.append(
                f"containers: {len(self.ready_seconds)} started on {self.engine}, "
                f"median start-to-ready {median:.2f} s"
            )
        if self.swept:
            lines.append(
                f"containers: swept {len(self.swept)} left by dead sessions: {', '.join(self.swept)}"
            )
        lines.extend(f"container NOT removed: {line}" for line in self.leftovers)
        return lines
