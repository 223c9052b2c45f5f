"""Who owns a container: the labels every kit container carries, and the sweep of the dead.

Each test process (each pytest-xdist worker too) is one owner: a random session id, the
host name, and its pid with the pid's start time (so a reused pid is not mistaken for the
owner). At its first container a process removes the containers whose owner ran on this
host and is gone; a live owner's containers (another worker, another suite running now)
are never touched, and containers of other hosts are left alone.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "io.pytest-autoglm"
SESSION = f"{PREFIX}.session"
HOST = f"{PREFIX}.host"
PID = f"{PREFIX}.pid"
PID_STARTED = f"{PREFIX}.pid-started"
WORKER = f"{PREFIX}.worker"
TEST = f"{PREFIX}.test"

#: seconds two readings of one process's start time may differ by: Linux derives it from
#: the boot time in /proc/stat, which steps by a whole second now and then (clock
#: adjustments), so a live owner must not be taken for a reused pid over that step
START_TIME_SLACK = 2.0


def _process_started(pid: int) -> str | None:
    """The start time of ``pid`` as psutil reports it, or ``None`` if there is no such process."""
    import psutil

    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


@dataclass(frozen=True)
class Owner:
    """The labels that tie a container to the test process that started it."""

    session: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    worker: str = field(default_factory=lambda: os.environ.get("PYTEST_XDIST_WORKER", "main"))

    def labels(self) -> dict[str, str]:
        return {
            SESSION: self.session,
            HOST: self.host,
            PID: str(self.pid),
            PID_STARTED: _process_started(self.pid) or "",
            WORKER: self.worker,
        }


def owner_alive(labels: Mapping[str, str]) -> bool | None:
    """Whether the process named by a container's labels still runs on this host.

    ``None`` when it cannot be told (another host, labels missing or malformed).
    """
    if labels.get(HOST) != socket.gethostname():
        return None
    try:
        pid = int(labels.get(PID, ""))
    except ValueError:
        return None
    started = _process_started(pid)
    if started is None:
        return False
    recorded = labels.get(PID_STARTED)
    if not recorded:
        return True
    try:
        return abs(float(recorded) - float(started)) <= START_TIME_SLACK
    except ValueError:
        return recorded == started


def sweep(client: Any, owner: Owner) -> list[str]:
    """Remove the kit's containers whose owner process on this host is gone; return their names."""
    removed = []
    # ignore_removed: another process may remove a listed container before it is inspected
    listed = client.containers.list(all=True, filters={"label": SESSION}, ignore_removed=True)
    for container in listed:
        labels = container.labels or {}
        if labels.get(SESSION) == owner.session or owner_alive(labels) is not False:
            continue
        try:
            container.remove(force=True, v=True)
        except Exception:  # removed meanwhile by another sweeping worker, or being removed
            continue
        removed.append(container.name)
    return removed
