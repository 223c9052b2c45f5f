"""The loopback transport: the same core served over real HTTP/1.1 on 127.0.0.1, a free port.

For clients in other processes and other HTTP stacks (requests, aiohttp, curl). A
``socketserver.ThreadingTCPServer`` with keep-alive and ``TCP_NODELAY`` on every accepted
socket (without it Nagle's algorithm and delayed ACKs add about 40 ms to each small
response). Faults are real: a reset sends RST (``SO_LINGER`` 0), a stall holds the
socket silent until its time is up, the client hangs up or the server stops, a cut
stream closes the connection before the last chunk.

The request framing (request line, headers, ``Content-Length`` or chunked body) is read
by :mod:`._framing`, not by ``http.server``: the stdlib handler parses headers through
the ``email`` package, which cost more than the fake's whole answer, and it closes the
connection without an answer on malformed framing where uvicorn answers 400. The serving
loop waits on the listening socket and a wake-up socket, so :meth:`HttpTransport.stop`
returns at once instead of after ``serve_forever``'s poll interval.
"""

from __future__ import annotations

import contextlib
import io
import select
import selectors
import socket
import socketserver
import struct
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from pytest_autoglm.server._config import DEFAULT_BASE_URL
from pytest_autoglm.server._core import Core, Plan, Request, reason_phrase
from pytest_autoglm.server._errors import ServerConfigError
from pytest_autoglm.server._framing import BAD_REQUEST, FramingError, read_body, read_head

_POLL = 0.05  # how often a waiting handler checks whether the client hung up


class _Server(socketserver.ThreadingTCPServer):
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
        self._wake_r, self._wake_w = socket.socketpair()  # closed by server_close, bind failing too
        super().__init__(address, _Handler)

    def serve(self) -> None:
        """Accept connections until :meth:`wake` (no polling: stop costs no wait)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    self.handle_request()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

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

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()


class _Date:
    """``date: <IMF-fixdate>\\r\\nserver: uvicorn\\r\\n``, formatted once a second (as uvicorn does)."""

    second = 0
    line = b""

    @classmethod
    def header(cls) -> bytes:
        now = int(time.time())
        if cls.second != now:
            from email.utils import formatdate

            cls.line = f"date: {formatdate(now, usegmt=True)}\r\nserver: uvicorn\r\n".encode()
            cls.second = now
        return cls.line


_STATUS: dict[int, bytes] = {}


def _status_line(status: int) -> bytes:
    """``HTTP/1.1 <status> <reason>\\r\\n``, formatted once per status."""
    line = b"HTTP/1.1 %d %s\r\n" % (status, reason_phrase(status).encode())
    _STATUS[status] = line
    return line


class _Handler(socketserver.StreamRequestHandler):
    """Serves one keep-alive connection: requests in order until either side closes."""

    server: _Server
    disable_nagle_algorithm = True

    def handle(self) -> None:
        core = self.server.core
        rfile = self.rfile
        assert isinstance(rfile, io.BufferedReader)  # makefile("rb"): peek() for whole heads
        send = self.connection.sendall
        monotonic = time.monotonic
        while True:
            try:
                head = read_head(rfile)
                if head is None:  # the client closed the connection
                    return
                method, target, headers, keep_alive = head
                if "expect" in headers and headers["expect"].lower() == "100-continue":
                    send(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = read_body(rfile, headers)
            except FramingError:
                self._send(BAD_REQUEST)
                return
            if body is None:  # the client hung up mid-body
                return
            started = monotonic()
            plan = core.handle(Request(method, target.partition("?")[0], headers, body, "http"))
            try:
                keep_alive = self._answer(plan, method == "HEAD") and keep_alive
            except OSError:  # the client hung up mid-answer
                keep_alive = False
            finally:  # real time: the client may have moved a virtual clock on by now
                core.finished(plan, monotonic() - started)
            if not keep_alive:
                return

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self.connection.sendall(data)

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
    @staticmethod
    def _head(plan: Plan) -> bytes:
        status = _STATUS.get(plan.status) or _status_line(plan.status)
        fields = "".join([f"{name}: {value}\r\n" for name, value in plan.headers])
        return status + _Date.header() + fields.encode("latin-1")

    def _answer(self, plan: Plan, head_only: bool) -> bool:
        """Send the plan; whether the connection may serve another request."""
        if plan.drop is not None:
            if plan.drop == "stall":
                self._wait(plan.stall)
                return False
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return False
        if plan.head_delay and not self._wait(plan.head_delay):
            return False
        write = self.connection.sendall
        if plan.stream is None:  # headers and body in one write; HEAD: the length, no body
            length = b"" if plan.cut else b"content-length: %d\r\n" % len(plan.body)
            write(b"".join((self._head(plan), length, b"\r\n", b"" if head_only else plan.body)))
            return not plan.cut
        write(self._head(plan) + b"transfer-encoding: chunked\r\n\r\n")
        for delay, data in plan.stream:  # each part at once: a proxy's parts arrive live
            if delay and not self._wait(delay):
                return False
            write(b"%x\r\n%s\r\n" % (len(data), data))
        if plan.cut:
            return False
        write(b"0\r\n\r\n")
        return True


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
            target=server.serve, name=f"autoglm-fake-server:{port}", daemon=True
        )
        self._server = server
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        server.close_all()
        server.server_close()
