"""The handle a test gets for a running container: ports read back, URLs, logs, removal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pytest_autoglm.containers._errors import ContainerError, ContainerUsageError
from pytest_autoglm.containers._follow import LogFollower


def _port_key(port: int | str) -> str:
    return port if isinstance(port, str) and "/" in port else f"{port}/tcp"


class Container:
    """A started container (``autoglm_container(...)`` returns one).

    ``port(8000)`` is the host port the engine chose for container port 8000 (read back
    after start); ``url("/v1")`` is ``http://127.0.0.1:<that port>/v1``; ``logs()`` is its
    output so far; ``raw`` is the docker SDK ``Container``, for everything else. The kit
    removes it (it was created in a ``try``/``finally``); ``remove()`` does it earlier.
    """

    def __init__(self, raw: Any, *, label: str, image: str, ports: tuple[str, ...]) -> None:
        self.raw = raw
        self.label = label
        self.image = image
        self._ports = ports
        self._follower: LogFollower | None = None
        self.removed = False
        #: seconds from create to ready, and from the removal request to removed
        self.ready_seconds: float | None = None
        self.remove_seconds: float | None = None

    def __repr__(self) -> str:
        state = "removed" if self.removed else "live"
        return f"<Container {self.name} ({self.image}) {state}>"

    # -- identity and state -------------------------------------------------------------
    @property
    def id(self) -> str:
        return str(self.raw.id)

    @property
    def name(self) -> str:
        return str(self.raw.name)

    @property
    def attrs(self) -> dict[str, Any]:
        """The engine's ``inspect`` of the container, as last read."""
        return dict(self.raw.attrs)

    def status(self) -> str:
        """``created``, ``running``, ``exited``, ... read from the engine now."""
        if self.removed:
            return "removed"
        self.raw.reload()
        return str(self.raw.status)

    @property
    def exit_code(self) -> int | None:
        state = self.raw.attrs.get("State", {})
        return None if state.get("Running") else state.get("ExitCode")

    # -- ports --------------------------------------------------------------------------
    @property
    def host(self) -> str:
        """The host address the ports are published on (``127.0.0.1`` unless opted out)."""
        port = self._ports[0] if self._ports else None
        bindings = self._bindings(port) if port else []
        address = bindings[0].get("HostIp", "") if bindings else ""
        return "127.0.0.1" if address in ("", "0.0.0.0", "::") else address

    def _bindings(self, key: str) -> list[dict[str, str]]:
        ports = self.raw.attrs.get("NetworkSettings", {}).get("Ports") or {}
        return list(ports.get(key) or [])

    def port(self, container_port: int | str | None = None) -> int:
        """The host port published for ``container_port`` (default: the first one asked for)."""
        if container_port is None:
            if not self._ports:
                raise ContainerUsageError(
                    f"container {self.label} publishes no ports (pass ports={{8000: None}})"
                )
            key = self._ports[0]
        else:
            key = _port_key(container_port)
        if key not in self._ports:
            published = ", ".join(self._ports) or "none"
            raise ContainerUsageError(
                f"container {self.label}: port {container_port!r} was not published "
                f"(published: {published}); add it to ports="
            )
        bindings = self._bindings(key)
        if not bindings:
            self.raw.reload()
            bindings = self._bindings(key)
        if not bindings:
            raise ContainerError(
                f"container {self.label}: the engine reports no host port for {key} "
                f"(status {self.raw.status})"
            )
        return int(bindings[0]["HostPort"])

    def url(self, path: str = "", *, port: int | str | None = None, scheme: str = "http") -> str:
        """``http://127.0.0.1:<host port><path>`` for a published ``port`` (default: the first)."""
        return f"{scheme}://{self.host}:{self.port(port)}{path}"

    # -- logs ---------------------------------------------------------------------------
    def follow_logs(self) -> None:
        if self._follower is None:
            self._follower = LogFollower(self.raw)

    def log_matches(self, pattern: str) -> bool:
        self.follow_logs()
        assert self._follower is not None
        return self._follower.matches(pattern)

    def tee_logs(self, path: Path) -> None:
        """Append the container's output to ``path`` as it arrives (what came so far first)."""
        self.follow_logs()
        assert self._follower is not None
        self._follower.tee(path)

    def wait_logs(self, timeout: float = 5.0) -> None:
        """After the container stopped: wait until its last output has been read."""
        if self._follower is not None:
            self._follower.wait(timeout)

    def stop_following(self) -> None:
        if self._follower is not None:
            self._follower.stop()

    def last_log_line(self) -> str | None:
        return self._follower.last_line() if self._follower else None

    def logs(self, tail: int | None = None) -> str:
        """stdout and stderr so far, interleaved as written (``tail``: only the last lines)."""
        if self.removed:
            return ""
        try:
            data = self.raw.logs(stdout=True, stderr=True, tail="all" if tail is None else tail)
        except Exception as exc:
            return f"(logs unavailable: {exc})"
        return bytes(data).decode("utf-8", "replace")

    def exec(self, command: str | list[str]) -> tuple[int, str]:
        """Run ``command`` inside the container; return its exit code and output."""
        result = self.raw.exec_run(command)
        return int(result.exit_code), bytes(result.output).decode("utf-8", "replace")

    # -- removal ------------------------------------------------------------------------
    def remove(self) -> None:
        """Kill and remove the container and its anonymous volumes (idempotent)."""
        if self.removed:
            return
        started = time.monotonic()
        remove_quietly(self.raw)
        self.removed = True
        self.stop_following()
        self.remove_seconds = time.monotonic() - started

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def remove_quietly(raw: Any) -> None:
    """``docker rm -f -v``; a container already gone is not an error.

    A connection error is retried once on a fresh connection: a Ctrl-C that interrupted
    a request half-way can leave the pooled connection unusable for the next one.
    """
    import docker.errors

    for attempt in (1, 2):
        try:
            raw.remove(force=True, v=True)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            if "already in progress" in str(exc) or "No such container" in str(exc):
                return
            raise
        except Exception:
            if attempt == 2:
                raise
            raw.client.api.close()  # drop the pooled connections; the next call reconnects
            continue
        return
