"""The loopback server's cost per request against a stdlib ``ThreadingHTTPServer``, same run.

Targets (issue 17, "Loopback server"): at most 1.2x the stdlib server's instructions per
request and at least 0.9x its throughput with raw keep-alive sockets from 4/8/16 threads.

Three servers answer the same raw keep-alive request (an openai-SDK-shaped chat
completion POST) with the same 200 JSON body, each in its own process:

* ``stdlib``: ``http.server.ThreadingHTTPServer``, HTTP/1.1 keep-alive, ``TCP_NODELAY``,
  a ``do_POST`` that reads the body and writes the fake's reply bytes;
* ``fake``: ``FakeServer(transport="http")`` with a reusable reply: the whole fake
  (framing, the core's validation, recording and rendering, the answer);
* ``transport``: the fake's HTTP layer alone (``_http._Server``) over a stub core that
  hands back a fixed plan: the part of ``fake`` that is the loopback transport.

Two request shapes: ``sdk`` (the 17 headers the openai SDK sends) and ``minimal`` (host,
type, length); the stdlib server's cost grows with the headers (``email`` parses them).

(a) Instructions: each server runs under ``valgrind --tool=callgrind`` (``PYTHONHASHSEED=0``);
the bench sends warm-up requests, then N of one shape on one keep-alive connection, and
the server process marks each phase boundary (``_callgrind.mark``: callgrind dumps its
counters there), so a phase holds exactly the server's work for its N requests.
(b) Throughput: raw keep-alive sockets from 4/8/16 client threads (in this process; the
servers are other processes, so no GIL is shared), servers alternating in short blocks so
they share the machine's noise; the median of the blocks.

    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python bench/bench_loopback.py            # about 4 minutes
    .venv/bin/python bench/bench_loopback.py --quick    # about 1 minute
    .venv/bin/python bench/bench_loopback.py --only fake,stdlib --skip-throughput

Not a test: it prints figures and ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _callgrind import mark, read_phases

REPLY_TEXT = "打开微信"
MESSAGE = (
    b'{"messages":[{"role":"user","content":"\\u6253\\u5f00\\u5fae\\u4fe1"}],'
    b'"model":"autoglm-phone-9b","max_tokens":3000,"temperature":0.0,"top_p":0.85,'
    b'"frequency_penalty":0.2}'
)
#: the headers the openai SDK (2.x, httpx) sends with a chat completion
SDK_REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"Accept-Encoding: gzip, deflate\r\n"
    b"Connection: keep-alive\r\n"
    b"Accept: application/json\r\n"
    b"Content-Type: application/json\r\n"
    b"User-Agent: OpenAI/Python 2.8.1\r\n"
    b"X-Stainless-Lang: python\r\n"
    b"X-Stainless-Package-Version: 2.8.1\r\n"
    b"X-Stainless-OS: Linux\r\n"
    b"X-Stainless-Arch: x64\r\n"
    b"X-Stainless-Runtime: CPython\r\n"
    b"X-Stainless-Runtime-Version: 3.12.3\r\n"
    b"Authorization: Bearer EMPTY\r\n"
    b"X-Stainless-Async: false\r\n"
    b"x-stainless-retry-count: 0\r\n"
    b"x-stainless-read-timeout: 600\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(MESSAGE), MESSAGE)
)
#: the least a raw client sends: the host, the type and the length
MINIMAL_REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(MESSAGE), MESSAGE)
)
REQUESTS = {"sdk": SDK_REQUEST, "minimal": MINIMAL_REQUEST}
KINDS = ("stdlib", "fake", "transport")
TARGET_INSTR = 1.2
TARGET_RPS = 0.9


# -- the servers (run with --serve KIND BODYFILE) -----------------------------------------
def serve_stdlib(body: bytes) -> tuple[int, Callable[[], None]]:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return server.server_address[1], stop


def serve_fake(body: bytes) -> tuple[int, Callable[[], None]]:
    from pytest_autoglm.server import FakeServer

    fake = FakeServer(transport="http", export_env=False)
    fake.reply(REPLY_TEXT, reusable=True)
    fake.start()
    return int(fake.base_url.rsplit(":", 1)[1].split("/")[0]), fake.stop


def serve_transport(body: bytes) -> tuple[int, Callable[[], None]]:
    from pytest_autoglm.server._core import Plan, Request
    from pytest_autoglm.server._http import _Server

    class StubCore:
        """Answers every request with the fake's reply bytes; no validation, no records."""

        def __init__(self) -> None:
            self.internal_errors: list[str] = []

        def handle(self, request: Request) -> Plan:
            return Plan(200, [("content-type", "application/json")], body)

        def finished(self, plan: Plan, elapsed: float | None = None) -> None:
            pass

    server = _Server(StubCore())  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()

    def stop() -> None:
        server.stopping.set()
        server.wake()
        thread.join(5)
        server.close_all()
        server.server_close()

    return server.server_address[1], stop


def serve(kind: str, body_file: str) -> None:
    body = Path(body_file).read_bytes()
    port, stop = {"stdlib": serve_stdlib, "fake": serve_fake, "transport": serve_transport}[kind](
        body
    )
    print(port, flush=True)
    for _ in sys.stdin:  # one line per phase boundary; the bench closes stdin when done
        mark()
    stop()


class Server:
    """One server process; ``valgrind`` set: under callgrind, dumping to ``valgrind.<i>``."""

    def __init__(self, kind: str, body_file: str, valgrind: str | None = None) -> None:
        cmd = [sys.executable, __file__, "--serve", kind, body_file]
        if valgrind:
            cmd = ["valgrind", "-q", "--tool=callgrind", "--dump-before=getppid",
                   f"--callgrind-out-file={valgrind}", *cmd]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.port = int(self.proc.stdout.readline())

    def mark(self) -> None:
        """End a phase, once the server has gone back to waiting for the next request."""
        time.sleep(0.3)
        self.stdin.write(b"mark\n")
        self.stdin.flush()

    def stop(self) -> None:
        self.stdin.close()
        if self.proc.wait(120) != 0:
            raise SystemExit(f"server {self.proc.args} exited {self.proc.returncode}")


# -- a raw keep-alive client ---------------------------------------------------------------
class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def call(self, request: bytes = SDK_REQUEST) -> bytes:
        self.sock.sendall(request)
        data = self.buffer
        while (end := data.find(b"\r\n\r\n")) < 0:
            data += self._recv()
        head = data[:end]
        match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if match is None or not head.startswith(b"HTTP/1.1 200 "):
            raise AssertionError(f"unexpected answer {head!r}")
        total = end + 4 + int(match[1])
        while len(data) < total:
            data += self._recv()
        self.buffer = data[total:]
        return data[:total]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def reply_body() -> bytes:
    """The fake's answer to the chat request, which the other two servers send as is."""
    from pytest_autoglm.server import FakeServer

    with FakeServer(transport="http", export_env=False) as fake:
        fake.reply(REPLY_TEXT)
        port = int(fake.base_url.rsplit(":", 1)[1].split("/")[0])
        client = Client(port)
        answer = client.call()
        client.close()
    return answer.split(b"\r\n\r\n", 1)[1]


# -- (a) instructions ----------------------------------------------------------------------
def instructions(kind: str, body_file: str, warmup: int, requests: int, tmp: str) -> dict[str, int]:
    """Instructions per request of each request shape: one callgrind run, phases marked."""
    out = os.path.join(tmp, f"callgrind.{kind}")
    server = Server(kind, body_file, valgrind=out)
    client = Client(server.port)
    labels = []
    for shape, request in REQUESTS.items():
        for _ in range(warmup):
            client.call(request)
        server.mark()
        labels.append("setup")  # start-up (the first), warm-up (the others)
        for _ in range(requests):
            client.call(request)
        server.mark()
        labels.append(shape)
    client.close()
    server.stop()
    return {label: total // requests for label, total in read_phases(Path(out), labels).items()}


# -- (b) throughput ------------------------------------------------------------------------
def throughput(port: int, request: bytes, threads: int, seconds: float) -> float:
    clients = [Client(port) for _ in range(threads)]
    for client in clients:
        client.call(request)
    counts = [0] * threads
    go = threading.Event()
    end = 0.0

    def work(i: int) -> None:
        client = clients[i]
        go.wait()
        n = 0
        while time.perf_counter() < end:
            client.call(request)
            n += 1
        counts[i] = n

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    end = started + seconds
    go.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return sum(counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "BODYFILE"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer requests and blocks")
    parser.add_argument("--only", default=",".join(KINDS), help="servers, comma-separated")
    parser.add_argument("--skip-instructions", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    kinds = [k for k in KINDS if k in args.only.split(",")]
    warmup, n = (20, 100) if args.quick else (50, 500)
    rounds, seconds = (2, 0.5) if args.quick else (5, 1.0)
    sizes = ", ".join(f"{shape} {len(data)}" for shape, data in REQUESTS.items())
    print(f"python {sys.version.split()[0]}; requests: {sizes} bytes", end="")
    with tempfile.TemporaryDirectory() as tmp:
        body_file = os.path.join(tmp, "body")
        Path(body_file).write_bytes(reply_body())
        print(f", reply body {os.path.getsize(body_file)} bytes")
        if not args.skip_instructions:
            if not shutil.which("valgrind"):
                raise SystemExit("valgrind is not installed (apt-get install valgrind)")
            print(f"\n(a) instructions per request, callgrind, {n} requests of each shape")
            with ThreadPoolExecutor(2) as pool:
                runs = {k: pool.submit(instructions, k, body_file, warmup, n, tmp) for k in kinds}
                per = {kind: run.result() for kind, run in runs.items()}
            for shape in REQUESTS:
                figures = "".join(f"{kind} {per[kind][shape] / 1000:6.1f} k   " for kind in kinds)
                print(f"  {shape:8} {figures}")
                for kind in kinds:
                    if kind != "stdlib" and "stdlib" in per:
                        ratio = per[kind][shape] / per["stdlib"][shape]
                        verdict = "ok" if ratio <= TARGET_INSTR else "MISSED"
                        print(
                            f"    {kind}/stdlib {ratio:5.2f}x  (target <= {TARGET_INSTR}x) {verdict}"
                        )
        if not args.skip_throughput:
            report_throughput(kinds, body_file, rounds, seconds)


def report_throughput(kinds: list[str], body_file: str, rounds: int, seconds: float) -> None:
    servers = {kind: Server(kind, body_file) for kind in kinds}
    rates: dict[tuple[str, str, int], list[float]] = {}
    try:
        for _ in range(rounds):
            for shape, request in REQUESTS.items():
                for threads in (4, 8, 16):
                    for kind, server in servers.items():
                        rate = throughput(server.port, request, threads, seconds)
                        rates.setdefault((shape, kind, threads), []).append(rate)
    finally:
        for server in servers.values():
            server.stop()
    print(f"\n(b) raw keep-alive throughput, req/s, median of {rounds} x {seconds} s blocks")
    for shape in REQUESTS:
        print(f"  {shape:8}" + "".join(f"{kind:>11}" for kind in kinds) + "   vs stdlib")
        for threads in (4, 8, 16):
            med = {k: statistics.median(rates[(shape, k, threads)]) for k in kinds}
            row = "".join(f"{med[k]:11.0f}" for k in kinds)
            ratios = "  ".join(
                f"{k} {med[k] / med['stdlib']:.2f}x"
                f" {'ok' if med[k] / med['stdlib'] >= TARGET_RPS else 'MISSED'}"
                for k in kinds
                if k != "stdlib" and "stdlib" in med
            )
            print(f"  {threads:2} thr.  {row}   {ratios}  (target >= {TARGET_RPS}x)")


if __name__ == "__main__":
    main()
