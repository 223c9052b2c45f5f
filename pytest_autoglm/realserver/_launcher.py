"""Launchers: the seam between the fixture and how a server runs (a process today).

A :class:`Launcher` starts a server and returns a :class:`Running` handle; the fixture
only polls and stops handles. A container launcher (``autoglm_container``) is one more
class with the same two methods.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Protocol

from pytest_autoglm.realserver._spec import LaunchSpec


class Running(Protocol):
    """A started server."""

    #: its process id (``None`` where there is none on this machine)
    pid: int | None

    def exit_code(self) -> int | None:
        """The exit code once it has exited, else ``None``."""
        ...

    def stop(self, grace: float = 30.0) -> None:
        """Stop it and everything it started; idempotent."""
        ...


class Launcher(Protocol):
    def start(self, spec: LaunchSpec, host: str, port: int, log: Path) -> Running: ...


class ProcessRunning:
    """A server process in its own process group (so its workers stop with it)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self.pid: int | None = process.pid

    def exit_code(self) -> int | None:
        return self._process.poll()

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM to the server, wait up to ``grace`` seconds, then SIGKILL its process group."""
        stop_pid(self._process.pid, grace, self._process.wait)


def stop_pid(pid: int, grace: float, wait: object = None) -> None:
    """Terminate ``pid`` (a process-group leader), then kill the group; no error if gone.

    ``wait(timeout)`` reaps a child; for a pid that is not our child (recorded by
    another xdist worker), the group is polled until it is gone or ``grace`` passes.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    if callable(wait):
        with contextlib.suppress(subprocess.TimeoutExpired):
            wait(timeout=grace)
    else:
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # whatever the server started (engine cores, workers)
    if callable(wait):
        with contextlib.suppress(subprocess.TimeoutExpired):
            wait(timeout=5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProcessLauncher:
    """Runs the server as a local process, its output in ``log``."""

    def start(self, spec: LaunchSpec, host: str, port: int, log: Path) -> Running:
        argv = spec.command(host, port)
        env = {**os.environ, **spec.env}
        with log.open("ab") as sink:
            try:
                process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, env=env,
                                           start_new_session=True)  # fmt: skip
            except OSError as exc:
                from pytest_autoglm.realserver._errors import ModelServerError

                raise ModelServerError(f"cannot run {argv[0]!r}: {exc}") from None
        return ProcessRunning(process)
