"""Hardened containers on a real engine (docker SDK, the ``[docker]`` extra).

``autoglm_container(image, ...)`` (the fixture) and :class:`ContainerSession` (outside
pytest) run containers read-only, with every capability dropped, ``no-new-privileges``,
an init process, a pids limit and ports on 127.0.0.1 only; they never pull, and always
remove what they create. ``http()``/``log()`` say when a container is ready;
``assert_container_hardened`` checks any running container against the same rules.
Names load lazily; the docker SDK is imported only when a container is started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    "CHECKS": "_hardening",
    "Container": "_handle",
    "ContainerError": "_errors",
    "ContainerExitedError": "_errors",
    "ContainerNotReadyError": "_errors",
    "ContainerSession": "_session",
    "ContainerSpec": "_spec",
    "ContainerStartError": "_errors",
    "ContainerUsageError": "_errors",
    "EngineUnavailable": "_errors",
    "GpuRuntimeError": "_errors",
    "HardeningError": "_errors",
    "ImageMissingError": "_errors",
    "assert_container_hardened": "_hardening",
    "http": "_ready",
    "log": "_ready",
    "violations": "_hardening",
}

__all__ = [
    "CHECKS",
    "Container",
    "ContainerError",
    "ContainerExitedError",
    "ContainerNotReadyError",
    "ContainerSession",
    "ContainerSpec",
    "ContainerStartError",
    "ContainerUsageError",
    "EngineUnavailable",
    "GpuRuntimeError",
    "HardeningError",
    "ImageMissingError",
    "assert_container_hardened",
    "http",
    "log",
    "violations",
]

if TYPE_CHECKING:
    from pytest_autoglm.containers._errors import (
        ContainerError,
        ContainerExitedError,
        ContainerNotReadyError,
        ContainerStartError,
        ContainerUsageError,
        EngineUnavailable,
        GpuRuntimeError,
        HardeningError,
        ImageMissingError,
    )
    from pytest_autoglm.containers._handle import Container
    from pytest_autoglm.containers._hardening import CHECKS, assert_container_hardened, violations
    from pytest_autoglm.containers._ready import http, log
    from pytest_autoglm.containers._session import ContainerSession
    from pytest_autoglm.containers._spec import ContainerSpec

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
