"""What to run, with the safe defaults, and the engine arguments it becomes.

Every safe default is one keyword argument to opt out of: ``read_only=False``,
``tmpfs={}``, ``cap_drop=()``, ``no_new_privileges=False``, ``init=False``,
``pids_limit=None``, ``host="0.0.0.0"``, ``privileged=True``, ``host_network=True``,
``docker_socket=True``. Bind mounts are read-only unless a volume says ``mode="rw"``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_autoglm.containers._errors import ContainerUsageError
from pytest_autoglm.containers._ready import AllOf, Http, Log, check_probe

#: the engine sockets a container must not see (plus the one DOCKER_HOST names)
SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock")
_PORT = re.compile(r"(\d{1,5})(/(tcp|udp|sctp))?")
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_.-]+")


def engine_sockets() -> set[str]:
    found = set(SOCKETS)
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        found.add(host[len("unix://") :])
    return {os.path.realpath(path) for path in found} | found


def exposes_engine_socket(host_path: str) -> bool:
    """Whether mounting ``host_path`` gives the container an engine socket."""
    path = os.path.realpath(os.path.expanduser(host_path))
    if os.path.basename(path).endswith(".sock") and "docker" in os.path.basename(path):
        return True
    return any(sock == path or sock.startswith(path.rstrip("/") + "/") for sock in engine_sockets())


def short_label(image: str) -> str:
    """``vllm/vllm-openai:v0.12.0`` -> ``vllm-openai``: the name in progress lines and errors."""
    base = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return _NAME_CHARS.sub("-", base).strip("-.") or "container"


def _port_key(port: object) -> str:
    text = str(port)
    match = _PORT.fullmatch(text)
    if isinstance(port, bool) or match is None or not 1 <= int(match.group(1)) <= 65535:
        raise ContainerUsageError(
            f"ports: {port!r} is not a container port; expected 8000 or '8000/tcp'"
        )
    return text if match.group(2) else f"{text}/tcp"


@dataclass(frozen=True, kw_only=True)
class ContainerSpec:
    """The arguments of ``autoglm_container(...)``, checked; see the how-to for each."""

    image: str
    command: str | Sequence[str] | None = None
    ports: Mapping[int | str, int | None] = field(default_factory=lambda: {8000: None})
    env: Mapping[str, str] | None = None
    gpus: int | str | None = None
    volumes: Mapping[str, Any] | None = None
    ready: Http | Log | AllOf | None = None
    timeout: float = 120.0
    name: str | None = None
    labels: Mapping[str, str] | None = None
    entrypoint: str | Sequence[str] | None = None
    user: str | None = None
    working_dir: str | None = None
    shm_size: str | None = None
    mem_limit: str | None = None
    # safe defaults: one argument each to opt out
    read_only: bool = True
    tmpfs: Mapping[str, str] = field(default_factory=lambda: {"/tmp": "rw,nosuid,nodev,size=256m"})
    cap_drop: tuple[str, ...] = ("ALL",)
    cap_add: tuple[str, ...] = ()
    no_new_privileges: bool = True
    init: bool = True
    pids_limit: int | None = 1024
    host: str = "127.0.0.1"
    privileged: bool = False
    host_network: bool = False
    docker_socket: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.image, str) or not self.image.strip():
            raise ContainerUsageError(
                f"image={self.image!r}: expected an image name such as 'busybox:1.36'"
            )
        for name in ("command", "entrypoint"):
            value = getattr(self, name)
            if value is None or isinstance(value, str):
                continue
            if not isinstance(value, Sequence) or not all(isinstance(a, str) for a in value):
                raise ContainerUsageError(
                    f"{name}={value!r}: expected a string or a list of strings"
                )
            object.__setattr__(self, name, tuple(value))
        for name in ("cap_drop", "cap_add"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            if not all(isinstance(cap, str) for cap in value):
                raise ContainerUsageError(
                    f"{name}={value!r}: expected capability names such as 'NET_BIND_SERVICE'"
                )
            object.__setattr__(self, name, tuple(value))
        if not isinstance(self.ports, Mapping):
            raise ContainerUsageError(
                f"ports={self.ports!r}: expected a mapping such as {{8000: None}} (None: a random host port)"
            )
        for port, host_port in self.ports.items():
            _port_key(port)
            if host_port is not None and (
                isinstance(host_port, bool)
                or not isinstance(host_port, int)
                or not 0 <= host_port <= 65535
            ):
                raise ContainerUsageError(
                    f"ports[{port!r}]={host_port!r}: expected None (a random host port) or a port number"
                )
        if self.gpus is not None and not (
            self.gpus == "all"
            or (isinstance(self.gpus, int) and not isinstance(self.gpus, bool) and self.gpus >= 1)
        ):
            raise ContainerUsageError(
                f"gpus={self.gpus!r}: expected a whole number >= 1, 'all', or None"
            )
        if self.env is not None and not (
            isinstance(self.env, Mapping) and all(isinstance(k, str) for k in self.env)
        ):
            raise ContainerUsageError(
                f"env={self.env!r}: expected a mapping of variable names to values"
            )
        check_probe(self.ready)
        if (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, int | float)
            or self.timeout <= 0
        ):
            raise ContainerUsageError(f"timeout={self.timeout!r}: expected seconds > 0")
        if self.pids_limit is not None and (
            isinstance(self.pids_limit, bool)
            or not isinstance(self.pids_limit, int)
            or self.pids_limit < 1
        ):
            raise ContainerUsageError(
                f"pids_limit={self.pids_limit!r}: expected a whole number >= 1, or None for no limit"
            )
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            raise ContainerUsageError(
                f"host={self.host!r}: expected an IP address such as '127.0.0.1'"
            ) from None
        for host_path, bind in self.bind_mounts().items():
            if exposes_engine_socket(host_path) and not self.docker_socket:
                raise ContainerUsageError(
                    f"volumes: {host_path!r} (mounted at {bind['bind']!r}) gives the container the "
                    "container engine's socket, i.e. root on the host; pass docker_socket=True "
                    "if that is really wanted"
                )

    def port_keys(self) -> tuple[str, ...]:
        return tuple(_port_key(port) for port in self.ports)

    def bind_mounts(self) -> dict[str, dict[str, str]]:
        """``volumes`` in the engine's form; a bare target means read-only."""
        if self.volumes is None:
            return {}
        if not isinstance(self.volumes, Mapping):
            raise ContainerUsageError(
                f"volumes={self.volumes!r}: expected a mapping such as {{'/host/models': '/models'}} "
                "or {'/host/cache': {'bind': '/cache', 'mode': 'rw'}}"
            )
        mounts = {}
        for source, target in self.volumes.items():
            if isinstance(target, str):
                mounts[str(source)] = {"bind": target, "mode": "ro"}
            elif isinstance(target, Mapping) and isinstance(target.get("bind"), str):
                mounts[str(source)] = {
                    "bind": target["bind"],
                    "mode": str(target.get("mode", "ro")),
                }
            else:
                raise ContainerUsageError(
                    f"volumes[{source!r}]={target!r}: expected a container path, or "
                    "{'bind': PATH, 'mode': 'ro' or 'rw'}"
                )
        return mounts

    @property
    def label(self) -> str:
        return self.name or short_label(self.image)

    def create_kwargs(self, name: str, labels: Mapping[str, str]) -> dict[str, Any]:
        """Keyword arguments of ``client.containers.create`` (never ``run``: it would pull)."""
        kwargs: dict[str, Any] = {
            "image": self.image,
            "command": list(self.command) if isinstance(self.command, tuple) else self.command,
            "name": name,
            "detach": True,
            "labels": {**(self.labels or {}), **labels},
            "environment": {k: str(v) for k, v in (self.env or {}).items()},
            "read_only": self.read_only,
            "tmpfs": dict(self.tmpfs),
            "cap_drop": list(self.cap_drop),
            "cap_add": list(self.cap_add),
            "security_opt": ["no-new-privileges:true"] if self.no_new_privileges else [],
            "init": self.init,
            "privileged": self.privileged,
            "volumes": self.bind_mounts(),
        }
        if self.pids_limit is not None:
            kwargs["pids_limit"] = self.pids_limit
        if self.host_network:
            kwargs["network_mode"] = "host"
        else:
            kwargs["ports"] = {
                key: (self.host, host_port)
                for key, host_port in zip(self.port_keys(), self.ports.values(), strict=True)
            }
        if self.gpus is not None:
            import docker.types

            count = -1 if self.gpus == "all" else int(self.gpus)
            kwargs["device_requests"] = [
                docker.types.DeviceRequest(count=count, capabilities=[["gpu"]])
            ]
        for key in ("entrypoint", "user", "working_dir", "shm_size", "mem_limit"):
            value = getattr(self, key)
            if value is not None:
                kwargs[key] = list(value) if isinstance(value, tuple) else value
        return kwargs

    def key(self) -> str:
        """A stable text of every argument: containers shared by scope are reused when equal."""
        return repr(sorted((k, repr(v)) for k, v in self.__dict__.items()))


def spec_arguments() -> tuple[str, ...]:
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(ContainerSpec))
