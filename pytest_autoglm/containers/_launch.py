"""Create, start, await readiness; remove on every way out that is not success.

``launch`` is the one place a kit container comes to life. The image must already be on
the engine (never pulled: the error names the ``docker pull`` to run). The container is
created, then started inside ``try``/``finally``: a failed start (which leaves a
"created" container behind otherwise), a container that exits early, a missed deadline
and a Ctrl-C all end with the container removed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from pytest_autoglm.containers._errors import (
    ContainerStartError,
    GpuRuntimeError,
    ImageMissingError,
)
from pytest_autoglm.containers._handle import Container, remove_quietly
from pytest_autoglm.containers._ready import wait_ready
from pytest_autoglm.containers._spec import ContainerSpec

#: the engine's words when a device request finds no GPU runtime
_NO_GPU_RUNTIME = "could not select device driver"
GPU_FIX = (
    "install the NVIDIA Container Toolkit on the engine's host and configure the engine "
    "with it (nvidia-ctk runtime configure --runtime=docker), then restart the engine"
)


def check_image(client: Any, image: str) -> None:
    """The image is on the engine, or :class:`ImageMissingError` with the pull command."""
    import docker.errors

    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        raise ImageMissingError(
            f"image {image!r} is not on the container engine, and the kit never pulls "
            f"implicitly; run:\n    docker pull {image}"
        ) from None


def start_error(spec: ContainerSpec, exc: Exception) -> ContainerStartError:
    """The engine's refusal to start, in plain words (a missing GPU runtime named as such)."""
    explanation = getattr(exc, "explanation", None) or str(exc)
    if spec.gpus is not None and _NO_GPU_RUNTIME in str(explanation):
        return GpuRuntimeError(
            f"container {spec.label} ({spec.image}) asked for gpus={spec.gpus!r}, but the "
            f"container engine has no GPU runtime; {GPU_FIX} (engine said: {explanation})"
        )
    return ContainerStartError(
        f"container {spec.label} ({spec.image}) could not start; engine said: {explanation}"
    )


def launch(
    client: Any,
    spec: ContainerSpec,
    *,
    name: str,
    labels: Mapping[str, str],
    progress: Callable[[str], None] = lambda line: None,
    on_created: Callable[[Container], None] = lambda container: None,
) -> Container:
    """Run ``spec`` as container ``name`` and wait until it is ready; return its handle.

    ``on_created`` sees the handle right after creation (the session records it there, so
    that even an interruption between two lines here leaves nothing behind at exit).
    """
    import docker.errors

    check_image(client, spec.image)
    began = time.monotonic()
    try:
        raw = client.containers.create(**spec.create_kwargs(name, labels))
    except docker.errors.APIError as exc:
        raise start_error(spec, exc) from None
    container = Container(raw, label=spec.label, image=spec.image, ports=spec.port_keys())
    ready = False
    try:
        on_created(container)
        try:
            raw.start()
        except docker.errors.APIError as exc:
            raise start_error(spec, exc) from None
        container.follow_logs()
        wait_ready(container, spec.ready, spec.timeout, progress)
        container.ready_seconds = time.monotonic() - began
        ready = True
        return container
    finally:
        if not ready:
            try:
                remove_quietly(raw)
                container.removed = True
                container.stop_following()
            except Exception:  # the session retries at exit; keep the first error
                pass
