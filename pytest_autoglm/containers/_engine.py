"""Connecting to the container engine, and why it failed, in one line.

Imports the docker SDK (the ``[docker]`` extra) only when called.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from pytest_autoglm.containers._errors import EngineUnavailable

DEFAULT_HOST = "unix:///var/run/docker.sock"
INSTALL_SDK = "pip install 'pytest-autoglm[docker]'"
HOW_TO_FIX = "start dockerd (or Docker Desktop), or set DOCKER_HOST to a running engine"


def engine_address() -> str:
    """Where the docker SDK will look: ``DOCKER_HOST``, else the default socket."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def _cause(exc: BaseException) -> str:
    """The innermost useful reason of a connection error (``No such file or directory``)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException):
                current = arg
                break
        else:
            current = current.__cause__ or current.__context__
    innermost = seen[-1]
    text = getattr(innermost, "strerror", None) or str(innermost) or type(innermost).__name__
    return " ".join(str(text).split())


def _knock(address: str) -> None:
    """Try a unix socket ourselves first: the SDK leaks the socket of a failed connect."""
    if not address.startswith("unix://"):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(5)
        try:
            probe.connect(address[len("unix://") :])
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise EngineUnavailable(f"cannot reach {address}: {reason} ({HOW_TO_FIX})") from None


def connect(timeout: float = 30.0) -> Any:
    """A ``docker.DockerClient`` that answered a ping, or :class:`EngineUnavailable`.

    ``timeout`` is the SDK's per-request timeout in seconds (container start and removal
    can take a few seconds on a loaded machine).
    """
    try:
        import docker
    except ImportError:
        raise EngineUnavailable(f"the docker SDK is not installed (run: {INSTALL_SDK})") from None
    address = engine_address()
    _knock(address)
    client = None
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except Exception as exc:  # DockerException, or requests'/urllib3's errors of a transport
        if client is not None:
            client.close()
        raise EngineUnavailable(f"cannot reach {address}: {_cause(exc)} ({HOW_TO_FIX})") from None
    return client


def describe_engine(client: Any) -> str:
    """``docker 20.10.24 (API 1.41) at unix:///...``, for the summary and errors."""
    try:
        version = client.version()
    except Exception:
        return f"engine at {engine_address()}"
    return (
        f"docker {version.get('Version', '?')} (API {version.get('ApiVersion', '?')}) "
        f"at {engine_address()}"
    )
