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

#: public name -> private module that defines it (loaded on first access)
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
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.containers._errors import ContainerError as ContainerError
    from pytest_autoglm.containers._errors import ContainerExitedError as ContainerExitedError
    from pytest_autoglm.containers._errors import ContainerNotReadyError as ContainerNotReadyError
    from pytest_autoglm.containers._errors import ContainerStartError as ContainerStartError
    from pytest_autoglm.containers._errors import ContainerUsageError as ContainerUsageError
    from pytest_autoglm.containers._errors import EngineUnavailable as EngineUnavailable
    from pytest_autoglm.containers._errors import GpuRuntimeError as GpuRuntimeError
    from pytest_autoglm.containers._errors import HardeningError as HardeningError
    from pytest_autoglm.containers._errors import ImageMissingError as ImageMissingError
    from pytest_autoglm.containers._handle import Container as Container
    from pytest_autoglm.containers._hardening import CHECKS as CHECKS
    from pytest_autoglm.containers._hardening import (
        assert_container_hardened as assert_container_hardened,
    )
    from pytest_autoglm.containers._hardening import violations as violations
    from pytest_autoglm.containers._ready import http as http
    from pytest_autoglm.containers._ready import log as log
    from pytest_autoglm.containers._session import ContainerSession as ContainerSession
    from pytest_autoglm.containers._spec import ContainerSpec as ContainerSpec

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
