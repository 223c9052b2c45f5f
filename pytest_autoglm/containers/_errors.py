"""The exceptions of the containers capability: one base class, one subclass per pitfall.

Every message names the container (or image), what was expected, what was found and the
fix; an error about a container that ran includes its exit code and last log lines.
"""

from __future__ import annotations


class ContainerError(Exception):
    """Base class of every error the container fixtures raise."""


class EngineUnavailable(ContainerError):
    """No container engine answers: the docker SDK is missing or the engine is unreachable.

    The fixtures turn it into a skip (``no container engine: ...``), or a failure under
    ``--autoglm-require-docker``.
    """


class ContainerUsageError(ContainerError, ValueError):
    """A bad argument to the container factory: names the argument and the accepted forms."""


class ImageMissingError(ContainerError):
    """The image is not on the engine; the kit never pulls. Names the ``docker pull`` to run."""


class ContainerStartError(ContainerError):
    """The engine refused to start the container (the created container was removed)."""


class GpuRuntimeError(ContainerStartError):
    """GPUs were requested but the engine has no GPU runtime (NVIDIA Container Toolkit)."""


class ContainerExitedError(ContainerError):
    """The container exited before it was ready; the message holds its exit code and logs."""


class ContainerNotReadyError(ContainerError):
    """The container was still running but not ready when the deadline passed."""


class HardeningError(ContainerError, AssertionError):
    """``assert_container_hardened`` found violations; the message lists every one."""

    def __init__(self, message: str, violations: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations


# Shown as pytest_autoglm.containers.X in reports: where users import them from.
for _error in (ContainerError, EngineUnavailable, ContainerUsageError, ImageMissingError,
               ContainerStartError, GpuRuntimeError, ContainerExitedError,
               ContainerNotReadyError, HardeningError):  # fmt: skip
    _error.__module__ = "pytest_autoglm.containers"
