"""The fake phone's Unix-socket server: one short connection per ``adb``/``hdc`` run.

Why a server in the test process rather than a state file: every rule (scenarios, faults,
Python callables in ``on_tap``) and every record stays in one place, times come from the
test's clock (``autoglm_clock`` included), and the executable stays a 60-line client that
imports nothing but ``_socket``, ``os`` and ``sys``: its start-up is the whole cost of a
command. A Unix socket needs no port, so parallel workers never collide.
"""

from __future__ import annotations

import os
import socketserver
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Request:
    tool: str
    cwd: str
    argv: tuple[str, ...]
    pid: int = 0  #: the executable's process id


@dataclass(frozen=True)
class Answer:
    """What a fake command prints and returns; ``hang`` seconds pass before it exits.

    With ``release`` (a hang on the virtual clock, see :mod:`._hang`) the executable
    closes its output and exits when the event is set (at the latest ``hang`` real
    seconds later).
    """

    code: int = 0
    stdout: bytes = b""
    stderr: bytes = b""
    hang: float = 0.0
    release: threading.Event | None = field(default=None, compare=False)

    def encode(self) -> bytes:
        hang = -1.0 if self.release is not None else self.hang
        head = f"{self.code} {len(self.stdout)} {len(self.stderr)} {hang!r}\n".encode()
        return head + self.stdout + self.stderr


Handler = Callable[[Request], Answer]


def decode_request(data: bytes) -> Request:
    """``TOOL\\0PID\\0CWD\\0ARG...`` as the executable sends it."""
    parts = [os.fsdecode(p) for p in data.split(b"\0")]
    if len(parts) < 3 or not parts[1].isdigit():
        return Request("adb", "/", ())
    return Request(parts[0], parts[2], tuple(parts[3:]), int(parts[1]))


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    handler: Handler


class _Connection(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        chunks = []
        while True:
            chunk = self.request.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        server = self.server
        assert isinstance(server, _Server)
        answer = server.handler(decode_request(b"".join(chunks)))
        self.request.sendall(answer.encode())
        if answer.release is not None:  # the executable waits for the close
            answer.release.wait(answer.hang)


class ControlServer:
    """Serves ``handler`` on a Unix socket in a fresh temporary folder until :meth:`stop`."""

    def __init__(self, handler: Handler) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="autoglm-phone-"))
        self.address = str(self.folder / "phone.sock")
        self._server = _Server(self.address, _Connection)
        self._server.handler = handler
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="autoglm-phone", daemon=True
        )

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)
