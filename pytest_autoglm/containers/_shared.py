"""``scope="session"`` under pytest-xdist: one container for the whole run, not one per worker.

The controller makes a state folder and exports its path in ``AUTOGLM_CONTAINER_STATE``
before the workers start. The first worker that asks for a session-scoped container with
given arguments takes a file lock there, starts it and writes its id (or the start-up
error) to ``<key>.json``; the others wait on the lock and use the same container. The
container is labelled with the controller as its owner, no worker removes it, and the
controller removes every recorded one in ``pytest_unconfigure``, after all workers are
done (Ctrl-C included); if the controller itself is killed, the next session's sweep does.
POSIX only (``fcntl`` locks).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_autoglm.containers._errors import ContainerError, ContainerStartError
from pytest_autoglm.containers._handle import Container
from pytest_autoglm.containers._owner import Owner

if TYPE_CHECKING:
    from pytest_autoglm.containers._session import ContainerSession
    from pytest_autoglm.containers._spec import ContainerSpec

STATE_ENV = "AUTOGLM_CONTAINER_STATE"


def make_state_dir() -> Path:
    """The controller's state folder, exported for the workers it starts."""
    path = Path(tempfile.mkdtemp(prefix="autoglm-containers-"))
    os.environ[STATE_ENV] = str(path)
    return path


def run_owner(state: Path) -> Owner:
    """The controller (the workers' parent process) as the owner of the run's containers."""
    return Owner(session=f"run-{state.name}", pid=os.getppid(), worker="controller")


def shared_container(
    state: Path, session: ContainerSession, spec: ContainerSpec, test: str
) -> Container:
    """The run's container for ``spec``: started by the first worker that asks, reused by the rest."""
    import fcntl

    key = hashlib.sha256(spec.key().encode()).hexdigest()[:16]
    info = state / f"{key}.json"
    with (state / f"{key}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if info.exists():
                data = json.loads(info.read_text())
                if "error" in data:
                    raise ContainerStartError(data["error"])
                raw = session.client.containers.get(data["id"])
                container = Container(
                    raw, label=spec.label, image=spec.image, ports=spec.port_keys()
                )
            else:
                try:
                    container = session.run_spec(spec, test=test, owner=run_owner(state))
                except ContainerError as exc:
                    info.write_text(json.dumps({"error": str(exc)}))
                    raise
                session.live.pop(container.name, None)  # the controller removes it, at the end
                info.write_text(json.dumps({"id": container.id, "name": container.name}))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    session.borrowed[container.name] = container
    return container


def remove_shared(state: Path) -> None:
    """The controller's clean-up: remove every recorded container, then the folder."""
    try:
        ids = []
        for path in state.glob("*.json"):
            with contextlib.suppress(ValueError, OSError):
                ids.extend([json.loads(path.read_text()).get("id")])
        ids = [i for i in ids if i]
        if ids:
            from pytest_autoglm.containers._engine import connect
            from pytest_autoglm.containers._handle import remove_quietly

            client = connect()
            try:
                for container_id in ids:
                    with contextlib.suppress(Exception):  # gone already
                        remove_quietly(client.containers.get(container_id))
            finally:
                client.close()
    finally:
        shutil.rmtree(state, ignore_errors=True)
        os.environ.pop(STATE_ENV, None)
