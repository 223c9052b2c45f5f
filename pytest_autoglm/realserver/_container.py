"""The container launcher: the model server runs in an image on the container engine.

``ContainerLauncher(session, image)`` has the :class:`~pytest_autoglm.realserver._launcher.Launcher`
shape, so :func:`~pytest_autoglm.realserver.start_server` polls and stops it as it does a
process. The container is a hardened :mod:`pytest_autoglm.containers` one (read-only root,
``cap_drop=ALL``, no-new-privileges, never pulled, always removed), its port 8000 published
on the 127.0.0.1 port ``start_server`` chose, its output copied to the server log.

- ``vllm:PATH`` / ``sglang:PATH``: the image's own entrypoint (``vllm/vllm-openai`` runs the
  OpenAI server) gets Open-AutoGLM's flags, the model folder mounted read-only at
  ``/model``, and every GPU (``gpus="all"``, so the ``autoglm_gpu`` rules apply);
- a command line: run in the image as given (``{host}``/``{port}`` are ``0.0.0.0``/``8000``);
- no ``--autoglm-model-server``: the image's own command, serving on port 8000.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_autoglm.realserver._spec import LaunchSpec

#: the image Open-AutoGLM's README names for vLLM (PROTOCOL.md)
DEFAULT_IMAGE = "vllm/vllm-openai:v0.12.0"
PORT = 8000
MODEL_MOUNT = "/model"
#: where vLLM and its compilers write, on a read-only root
WRITABLE = {
    "/tmp": "rw,nosuid,nodev,size=1g",
    "/root/.cache": "rw,nosuid,nodev,size=4g",
    "/root/.config": "rw,nosuid,nodev,size=64m",
}
_MODEL_FLAGS = ("--model", "--model-path")


def container_command(spec: LaunchSpec) -> tuple[list[str] | None, str | None]:
    """The container's command for ``spec`` and the host model folder to mount (if any)."""
    if spec.kind == "image":
        return None, None
    if spec.kind not in ("vllm", "sglang"):
        return spec.command("0.0.0.0", PORT), None
    argv = list(spec.argv)
    # [python, -m, module, flags...]: the image's entrypoint is the server itself
    flags = argv[argv.index("-m") + 2 :] if "-m" in argv else argv[1:]
    model = None
    for index, flag in enumerate(flags[:-1]):
        if flag in _MODEL_FLAGS:
            model, flags[index + 1] = flags[index + 1], MODEL_MOUNT
    return [*flags, "--host", "0.0.0.0", "--port", str(PORT)], model


class ContainerRunning:
    """A server container: ``exit_code()`` from the engine, ``stop()`` removes it."""

    pid: int | None = None

    def __init__(self, session: Any, container: Any) -> None:
        self._session = session
        self.container = container

    def exit_code(self) -> int | None:
        if self.container.status() in ("created", "running", "restarting"):
            return None
        self.container.wait_logs()  # the last lines reach the log before it is read
        code = self.container.exit_code
        return -1 if code is None else int(code)

    def stop(self, grace: float = 30.0) -> None:
        self._session.release(self.container)


class ContainerLauncher:
    """Starts the server in ``image`` through a :class:`~pytest_autoglm.containers.ContainerSession`."""

    def __init__(self, session: Any, image: str = DEFAULT_IMAGE) -> None:
        self.session = session
        self.image = image

    def start(self, spec: LaunchSpec, host: str, port: int, log: Path) -> ContainerRunning:
        from pytest_autoglm.containers import ContainerError
        from pytest_autoglm.realserver._errors import ModelServerError

        command, model = container_command(spec)
        server = spec.kind in ("vllm", "sglang")
        try:
            container = self.session.run(
                self.image, command,
                name=spec.kind if server else None,
                ports={PORT: port}, host=host, env=dict(spec.env),
                volumes={model: MODEL_MOUNT} if model else None,
                gpus="all" if server else None,
                tmpfs=WRITABLE, shm_size="2g" if server else None,
                ready=None, timeout=120,
            )  # fmt: skip
        except ContainerError as exc:
            raise ModelServerError(str(exc)) from None
        container.tee_logs(log)
        return ContainerRunning(self.session, container)
