"""``ModelServer``: a real model server the tests talk to, started here or already running.

:func:`start_server` runs a :class:`~pytest_autoglm.realserver._spec.LaunchSpec` through a
launcher on a free 127.0.0.1 port, polls ``/health`` and ``/v1/models`` with a deadline,
prints a progress line while it loads, and fails at once with the exit code and the last
50 log lines if the process exits. :func:`connect` uses one that is already running.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_autoglm.realserver._errors import ModelServerError
from pytest_autoglm.realserver._launcher import Launcher, ProcessLauncher, Running
from pytest_autoglm.realserver._spec import LaunchSpec

HOST = "127.0.0.1"
LOG_LINES = 50
Progress = Callable[[str], None]


@dataclass
class ModelServer:
    """A ready model server: ``base_url`` (``.../v1``), the served ``model``, ready clients.

    ``client`` and ``async_client`` are ``openai.OpenAI`` / ``openai.AsyncOpenAI`` bound
    to it (made on first use; the openai package is needed for them). ``log`` is the
    server's output (``None`` for one started elsewhere), ``pid`` its process.
    """

    base_url: str
    model: str
    api_key: str = "EMPTY"
    log: Path | None = None
    pid: int | None = None
    label: str = "model server"
    running: Running | None = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> str:
        """The URL without ``/v1`` (where ``/health`` and ``/version`` answer)."""
        return self.base_url.removesuffix("/v1")

    @property
    def client(self) -> Any:
        if "sync" not in self._clients:
            import openai

            self._clients["sync"] = openai.OpenAI(base_url=self.base_url, api_key=self.api_key)
        return self._clients["sync"]

    @property
    def async_client(self) -> Any:
        if "async" not in self._clients:
            import openai

            self._clients["async"] = openai.AsyncOpenAI(
                base_url=self.base_url, api_key=self.api_key
            )
        return self._clients["async"]

    def log_tail(self, lines: int = LOG_LINES) -> str:
        """The last ``lines`` lines of the server's output."""
        return tail(self.log, lines)

    def stop(self) -> None:
        """Stop the server if it was started here (by pid: terminate, then kill its group)."""
        if self.running is not None:
            self.running.stop()
            self.running = None
        sync = self._clients.pop("sync", None)
        if sync is not None:
            sync.close()
        self._clients.clear()  # an async client is closed by the event loop that used it


def tail(log: Path | None, lines: int = LOG_LINES) -> str:
    if log is None or not log.exists():
        return "(no log)"
    text = log.read_bytes()[-200_000:].decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (the kernel picks it: port 0)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _get(url: str, api_key: str, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (OSError, ValueError):
        return 0, b""


def ready_model(root: str, api_key: str) -> str | None:
    """The served model's id once ``/health`` and ``/v1/models`` answer 200, else ``None``."""
    status, _ = _get(f"{root}/health", api_key)
    if status != 200:
        return None
    status, body = _get(f"{root}/v1/models", api_key)
    if status != 200:
        return None
    try:
        return str(json.loads(body)["data"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def listens_on(pid: int | None, port: int) -> bool | None:
    """Whether ``pid`` or a process it started listens on ``port``; ``None`` where we cannot tell.

    Another process can take the port between :func:`free_port` and the server's bind (the
    kernel hands it out again); its answers must not make our server look ready.
    """
    if pid is None:
        return None  # a container: the engine holds the port for it
    import psutil

    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return False
    for process in family:
        try:
            connections = process.net_connections(kind="tcp")
        except psutil.AccessDenied:
            return None
        except psutil.Error:
            continue
        if any(
            c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections
        ):
            return True
    return False


#: how a server says its port was taken (uvicorn, asyncio, Python's socket errors)
_PORT_TAKEN = ("address already in use", "errno 98")
_PORT_TRIES = 3


def start_server(spec: LaunchSpec, log: Path, *, timeout: float, progress: Progress,
                 launcher: Launcher | None = None, api_key: str = "EMPTY",
                 every: float = 10.0) -> ModelServer:  # fmt: skip
    """Start ``spec`` and wait until it is ready; stop it again on any failure (Ctrl-C too).

    A server that loses its port to another process before binding it is started again on a
    fresh port (up to three times): on a shared machine that race is real.
    """
    for attempt in range(1, _PORT_TRIES + 1):
        try:
            return _start_once(spec, log, timeout=timeout, progress=progress,
                               launcher=launcher or ProcessLauncher(), api_key=api_key,
                               every=every)  # fmt: skip
        except _PortTaken as exc:
            if attempt == _PORT_TRIES:
                raise ModelServerError(str(exc)) from None
            progress(
                f"{spec.label}: port {exc.port} was taken by another process; trying a fresh port"
            )
    raise AssertionError("unreachable")  # pragma: no cover


class _PortTaken(Exception):
    def __init__(self, message: str, port: int) -> None:
        super().__init__(message)
        self.port = port


def _start_once(spec: LaunchSpec, log: Path, *, timeout: float, progress: Progress,
                launcher: Launcher, api_key: str, every: float) -> ModelServer:  # fmt: skip
    port = free_port()
    log_start = log.stat().st_size if log.exists() else 0
    running = launcher.start(spec, HOST, port, log)
    root = f"http://{HOST}:{port}"
    started = time.monotonic()
    next_note = started + every
    try:
        while True:
            code = running.exit_code()
            if code is not None:
                message = (
                    f"{spec.label} exited with code {code} {time.monotonic() - started:.0f} s "
                    f"after start, before it was ready; command: {' '.join(spec.command(HOST, port))}\n"
                    f"last {LOG_LINES} lines of its log ({log}):\n{tail(log)}"
                )
                if _said_port_taken(log, log_start):
                    raise _PortTaken(message, port)
                raise ModelServerError(message)
            model = ready_model(root, api_key)
            if model is not None and listens_on(running.pid, port) is not False:
                return ModelServer(base_url=f"{root}/v1", model=spec.model or model,
                                   api_key=api_key, log=log, pid=running.pid, label=spec.label,
                                   running=running)  # fmt: skip
            now = time.monotonic()
            if now - started > timeout:
                raise ModelServerError(
                    f"{spec.label} was not ready after {timeout:.0f} s (GET {root}/health and "
                    f"/v1/models); raise --autoglm-model-server-timeout if it is just slow\n"
                    f"last {LOG_LINES} lines of its log ({log}):\n{tail(log)}"
                )
            if now >= next_note:
                last = tail(log, 1).strip()[:150]
                progress(f"waiting for {spec.label} ({now - started:.0f} s): {last}")
                next_note = now + every
            time.sleep(0.5)
    except BaseException:
        running.stop()
        raise


def _said_port_taken(log: Path, since: int) -> bool:
    """Whether this start's part of the log says the port was in use."""
    try:
        with log.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace").lower()
    except OSError:
        return False
    return any(sign in text for sign in _PORT_TAKEN)


def connect(url: str, *, api_key: str = "EMPTY", timeout: float = 30.0) -> ModelServer:
    """A server that is already running at ``url`` (with or without ``/v1``)."""
    root = url.rstrip("/").removesuffix("/v1")
    deadline = time.monotonic() + timeout
    while True:
        model = ready_model(root, api_key)
        if model is not None:
            return ModelServer(base_url=f"{root}/v1", model=model, api_key=api_key)
        if time.monotonic() > deadline:
            raise ModelServerError(
                f"no model server answers at {root} (GET /health and /v1/models did not both "
                f"answer 200 within {timeout:.0f} s); check --autoglm-model-server-url"
            )
        time.sleep(0.5)
