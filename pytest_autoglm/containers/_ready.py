"""Readiness: an HTTP path, a log pattern, or both, awaited with a deadline.

``http("/health")`` is ready when a GET on the published port answers with the status;
``log(r"Uvicorn running")`` when a log line matches; ``http(...) & log(...)`` when both
are. While waiting, a progress line goes out every few seconds
(``waiting for vllm (37 s): last log line: ...``); a container that exits fails at once
with its exit code and last log lines, and one still not ready at the deadline fails with
the same details.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pytest_autoglm.containers._errors import (
    ContainerExitedError,
    ContainerNotReadyError,
    ContainerUsageError,
)

if TYPE_CHECKING:
    from pytest_autoglm.containers._handle import Container

#: lines of log shown when a container exits early or misses its deadline
TAIL_LINES = 50
#: seconds between progress lines
PROGRESS_EVERY = 5.0
#: seconds between readiness polls
POLL = 0.05


class Probe(Protocol):
    def ready(self, container: Container) -> bool: ...
    def describe(self) -> str: ...


class _Combinable:
    def __and__(self, other: object) -> AllOf:
        if not isinstance(other, _Combinable):
            return NotImplemented
        mine = self.probes if isinstance(self, AllOf) else (self,)
        theirs = other.probes if isinstance(other, AllOf) else (other,)
        return AllOf((*mine, *theirs))


@dataclass(frozen=True)
class Http(_Combinable):
    """Ready when ``GET http://127.0.0.1:<published port><path>`` answers ``status``."""

    path: str = "/health"
    port: int | None = None
    status: int = 200

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise ContainerUsageError(
                f"http(path={self.path!r}): expected a path such as '/health'"
            )
        if not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise ContainerUsageError(f"http(status={self.status!r}): expected an HTTP status")

    def ready(self, container: Container) -> bool:
        url = container.url(self.path, port=self.port)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == self.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code == self.status
        except (OSError, ValueError):  # refused, reset, timed out, not HTTP yet
            return False

    def describe(self) -> str:
        port = f" on port {self.port}" if self.port is not None else ""
        return f"GET {self.path}{port} answering {self.status}"


@dataclass(frozen=True)
class Log(_Combinable):
    """Ready when a log line (stdout or stderr) matches ``pattern`` (``re.search``)."""

    pattern: str

    def __post_init__(self) -> None:
        if not isinstance(self.pattern, str):
            raise ContainerUsageError(
                f"log({self.pattern!r}): expected a regular expression string"
            )
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ContainerUsageError(
                f"log({self.pattern!r}): not a regular expression: {exc}"
            ) from None

    def ready(self, container: Container) -> bool:
        return container.log_matches(self.pattern)

    def describe(self) -> str:
        return f"a log line matching {self.pattern!r}"


@dataclass(frozen=True)
class AllOf(_Combinable):
    """Ready when every probe is (``http(...) & log(...)``)."""

    probes: tuple[Http | Log, ...]

    def ready(self, container: Container) -> bool:
        return all(probe.ready(container) for probe in self.probes)

    def describe(self) -> str:
        return " and ".join(probe.describe() for probe in self.probes)


def http(path: str = "/health", *, port: int | None = None, status: int = 200) -> Http:
    """Readiness by HTTP: ``GET path`` on the published ``port`` (default: the first) answers ``status``."""
    return Http(path, port, status)


def log(pattern: str) -> Log:
    """Readiness by log: a line of the container's output matches the regular expression."""
    return Log(pattern)


def check_probe(ready: object) -> None:
    if ready is not None and not isinstance(ready, Http | Log | AllOf):
        raise ContainerUsageError(
            f"ready={ready!r}: expected http('/health'), log(r'pattern'), "
            "http(...) & log(...), or None (ready once running)"
        )


def exit_details(container: Container) -> str:
    """Exit code and the last log lines, for an error message."""
    code = container.exit_code
    lines = container.logs(tail=TAIL_LINES).splitlines()
    shown = "\n".join(f"    {line}" for line in lines) if lines else "    (no output)"
    return f"exit code {code}; last {len(lines)} log line(s):\n{shown}"


def wait_ready(
    container: Container,
    probe: Probe | None,
    timeout: float,
    progress: Callable[[str], None],
    *,
    every: float | None = None,
) -> float:
    """Wait until ``probe`` says ready; return the seconds it took.

    Raises :class:`ContainerExitedError` as soon as the container stops running, and
    :class:`ContainerNotReadyError` at the deadline.
    """
    every = PROGRESS_EVERY if every is None else every
    start = time.monotonic()
    deadline = start + timeout
    next_progress = start + every
    what = probe.describe() if probe is not None else "the container to run"
    while True:
        status = container.status()
        if status not in ("created", "running", "restarting"):
            raise ContainerExitedError(
                f"container {container.label} ({container.image}) exited while waiting for "
                f"{what}: {exit_details(container)}"
            )
        if status == "running" and (probe is None or probe.ready(container)):
            return time.monotonic() - start
        now = time.monotonic()
        if now >= deadline:
            lines = container.logs(tail=TAIL_LINES).splitlines()
            shown = "\n".join(f"    {line}" for line in lines) if lines else "    (no output)"
            raise ContainerNotReadyError(
                f"container {container.label} ({container.image}) not ready after "
                f"{timeout:g} s: waited for {what}; it is still running (pass a longer "
                f"timeout= if it is only slow); last {len(lines)} log line(s):\n{shown}"
            )
        if now >= next_progress:
            last = container.last_log_line() or "(no output yet)"
            progress(f"waiting for {container.label} ({now - start:.0f} s): last log line: {last}")
            next_progress += every
        time.sleep(min(POLL, max(0.0, deadline - now)))
