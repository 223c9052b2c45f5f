"""The loopback transport: the same core served over real HTTP/1.1 on 127.0.0.1, a free port.

For clients in other processes and other HTTP stacks (requests, aiohttp, curl). A
stdlib ``ThreadingHTTPServer`` with keep-alive and ``TCP_NODELAY`` on every accepted
socket (without it Nagle's algorithm and delayed ACKs add about 40 ms to each small
response). Faults are real: a reset sends RST (``SO_LINGER`` 0), a stall holds the
socket silent until its time is up, the client hangs up or the server stops, a cut
stream closes the connection before the last chunk.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from pytest_autoglm.server._config import DEFAULT_BASE_URL
from pytest_autoglm.server._core import Core, Plan, Request
from pytest_autoglm.server._errors import ServerConfigError

_POLL = 0.05  # how often a waiting handler checks whether the client hung up


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many clients connect at once; the default 5 drops some

    def __init__(self, core: Core, address: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.core = core
        self.stopping = threading.Event()
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is normal for a fake that injects faults; say nothing.

        Anything else is a bug in the fake: keep it so :meth:`FakeServer.verify` reports it.
        """
        import sys
        import traceback

        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        self.core.internal_errors.append("".join(traceback.format_exc()))

    def close_all(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "uvicorn"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    server: _Server
    _headers_buffer: list[bytes]

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays clean
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # -- waiting ----------------------------------------------------------------------
    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False when the server stops or the client hangs up first."""
        stopping = self.server.stopping
        remaining = seconds
        while remaining > 0:
            step = min(_POLL, remaining)
            if stopping.wait(step):
                return False
            remaining -= step
            if self._client_gone():
                return False
        return True

    # -- answering --------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        core = self.server.core
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        started = time.monotonic()
        plan = core.handle(Request(self.command, path, headers, body, "http"))
        try:
            self._answer(plan)
        except OSError:  # the client hung up mid-answer
            self.close_connection = True
        finally:  # real time: the client may have moved a virtual clock on by now
            core.finished(plan, time.monotonic() - started)

    def _answer(self, plan: Plan) -> None:
        if plan.drop is not None:
            self.close_connection = True
            if plan.drop == "stall":
                self._wait(plan.stall)
                return
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if plan.head_delay and not self._wait(plan.head_delay):
            self.close_connection = True
            return
        self.send_response(plan.status)
        for name, value in plan.headers:
            self.send_header(name, value)
        if plan.stream is None:
            if not plan.cut:
                self.send_header("content-length", str(len(plan.body)))
            body = b"" if self.command == "HEAD" else plan.body  # HEAD: the length, no body
            self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write
            self.flush_headers()
            if plan.cut:
                self.close_connection = True
            return
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        write = self.wfile.write
        for delay, data in plan.stream:
            if delay and not self._wait(delay):
                self.close_connection = True
                return
            write(b"%x\r\n%s\r\n" % (len(data), data))
        if plan.cut:
            self.close_connection = True
            return
        write(b"0\r\n\r\n")


class HttpTransport:
    """Runs the core on a background thread at ``http://127.0.0.1:<free port><prefix>``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self) -> None:
        config = self.core.config
        parts = urlsplit(config.base_url)
        path = parts.path.rstrip("/")
        if config.base_url == DEFAULT_BASE_URL:  # not chosen by the user: any free port
            host, name, port = "127.0.0.1", "127.0.0.1", 0
        else:  # the user's own loopback URL: served at exactly its port (0: a free one)
            name = parts.hostname or "127.0.0.1"
            host = "::1" if name == "::1" else "127.0.0.1"
            port = parts.port or 80
        try:
            server = _Server(self.core, (host, port))
        except OSError as exc:
            raise ServerConfigError(
                f"cannot serve base_url={config.base_url!r} on {host} port {port}: "
                f"{exc.strerror or exc}; use another port, or ':0' for a free one"
            ) from None
        port = server.server_address[1]
        shown = f"[{name}]" if ":" in name else name
        self.base_url = f"http://{shown}:{port}{path}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"autoglm-fake-server:{port}", daemon=True,
        )  # fmt: skip
        self._server = server
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
