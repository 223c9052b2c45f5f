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
servers are other processes, so no GIL is shared), kept open through the run. A round is
one short block (0.1 s) per server, in reversed order every other round (stdlib, fake,
transport; transport, fake, stdlib), so a round's blocks share the machine's load and
drift; each round gives a ratio per server against its stdlib block, and the bench prints
the median ratio of 50 rounds with its quartiles and range (a shared, loaded machine
shows as a wide range, not as a moved median: the stdlib server against itself measured
0.97-1.05x at load 8, where 5 medians of 1 s blocks gave 0.93-1.23x). The servers run on one CPU and the client
threads on another (``sched_setaffinity``; ``--no-pin``: anywhere), so neither waits for
the other's core.
(c) CPU time per request of each server process (its threads' time on a CPU, from
``/proc``), over the same blocks, and its context switches per request: if a server is
CPU-bound, its throughput ratio is the inverse of its CPU ratio; lock waits or wake-up
delays would show as a throughput ratio below that, and as more switches.

    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python bench/bench_loopback.py            # about 4 minutes
    .venv/bin/python bench/bench_loopback.py --quick    # about 1 minute
    .venv/bin/python bench/bench_loopback.py --only fake,stdlib --skip-throughput
    .venv/bin/python bench/bench_loopback.py --skip-instructions --rounds 100 --block 0.05

Not a test: it prints figures and ratios.
"""

from __future__ import annotations

import argparse
import contextlib
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
THREADS = (4, 8, 16)


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


def serve(kind: str, body_file: str, cpu: int | None) -> None:
    if cpu is not None:  # before any thread starts: they all inherit it
        os.sched_setaffinity(0, {cpu})
    body = Path(body_file).read_bytes()
    port, stop = {"stdlib": serve_stdlib, "fake": serve_fake, "transport": serve_transport}[kind](
        body
    )
    print(port, flush=True)
    for _ in sys.stdin:  # one line per phase boundary; the bench closes stdin when done
        mark()
    stop()


class Server:
    """One server process; ``valgrind`` set: under callgrind, dumping to ``valgrind.<i>``;
    ``cpu`` set: all its threads on that CPU."""

    def __init__(self, kind: str, body_file: str, valgrind: str | None = None,
                 cpu: int | None = None) -> None:  # fmt: skip
        cmd = [sys.executable, __file__, "--serve", kind, body_file]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
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
class Load:
    """``threads`` client threads, each on its own keep-alive connection, run in short blocks.

    The connections stay open across blocks (the servers' per-connection threads are
    started once, before the first block): a block measures requests only.
    """

    def __init__(self, port: int, request: bytes, threads: int) -> None:
        self.request = request
        self.clients = [Client(port) for _ in range(threads)]
        for client in self.clients:
            client.call(request)

    def block(self, seconds: float) -> tuple[int, float]:
        """Requests answered in about ``seconds``, and the seconds they took."""
        request = self.request
        counts = [0] * len(self.clients)
        go = threading.Event()
        end = 0.0

        def work(i: int) -> None:
            call = self.clients[i].call
            go.wait()
            n = 0
            while time.perf_counter() < end:
                call(request)
                n += 1
            counts[i] = n

        workers = [threading.Thread(target=work, args=(i,)) for i in range(len(self.clients))]
        for worker in workers:
            worker.start()
        started = time.perf_counter()
        end = started + seconds
        go.set()
        for worker in workers:
            worker.join()
        return sum(counts), time.perf_counter() - started

    def close(self) -> None:
        for client in self.clients:
            client.close()


def usage(pid: int) -> tuple[float, int]:
    """CPU seconds and context switches of a process's live threads so far (Linux ``/proc``).

    ``task/*/schedstat`` counts a thread's time on a CPU in nanoseconds (``/proc/PID/stat``
    has 10 ms ticks); the servers' threads all live through a block, so two readings
    around it hold exactly its work.
    """
    seconds, switched = 0.0, 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended since the listing
            seconds += int((task / "schedstat").read_text().split()[0]) / 1e9
            status = (task / "status").read_text()
            switched += sum(int(n) for n in re.findall(r"ctxt_switches:\s*(\d+)", status))
    return seconds, switched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "BODYFILE"), help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)  # a --serve process's CPU
    parser.add_argument("--quick", action="store_true", help="fewer requests and blocks")
    parser.add_argument("--only", default=",".join(KINDS), help="servers, comma-separated")
    parser.add_argument("--skip-instructions", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--rounds", type=int, help="throughput rounds (default 50, --quick 15)")
    parser.add_argument("--block", type=float, help="seconds of a throughput block (0.1)")
    parser.add_argument(
        "--no-pin", action="store_true", help="let servers and clients run on any CPU"
    )
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve, args.cpu)
        return
    kinds = [k for k in KINDS if k in args.only.split(",")]
    warmup, n = (20, 100) if args.quick else (50, 500)
    rounds, seconds = (15, 0.1) if args.quick else (50, 0.1)
    rounds, seconds = args.rounds or rounds, args.block or seconds
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
            report_throughput(kinds, body_file, rounds, seconds, pin=not args.no_pin)


def spread(values: list[float]) -> str:
    """``median [first quartile, third quartile] min-max`` of ratios."""
    v = sorted(values)
    q1, med, q3 = statistics.quantiles(v, n=4) if len(v) > 1 else (v[0],) * 3
    return f"{med:.2f}x [{q1:.2f} {q3:.2f}] {v[0]:.2f}-{v[-1]:.2f}"


def _ratio_header(kinds: list[str], others: list[str], width: int) -> str:
    """Column titles: one per server, then one per ratio to the stdlib server."""
    servers = "".join(f"{k:>10}" for k in kinds)
    return servers + "   " + "".join(f"{k}/stdlib".ljust(width) for k in others)


def report_throughput(kinds: list[str], body_file: str, rounds: int, seconds: float,
                      pin: bool) -> None:  # fmt: skip
    """Rounds of one short block per server, order reversed each round; ratios within a round.

    The machine's other load drifts over seconds; two blocks a fraction of a second apart
    share it, so the ratio of a round cancels it, and the median of the rounds' ratios
    drops the rounds a burst of load hit unevenly.
    """
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pinned = pin and len(cpus) >= 2
    proc = Path("/proc/self/task").is_dir()
    servers = {k: Server(k, body_file, cpu=cpus[0] if pinned else None) for k in kinds}
    if pinned:  # this thread, hence the client threads it starts
        os.sched_setaffinity(0, {cpus[1]})
    #: per (shape, threads, kind), each block's req/s, server CPU us/req, switches/req, requests
    blocks: dict[tuple[str, int, str], list[tuple[float, float, float, int]]] = {}
    try:
        for shape, request in REQUESTS.items():
            for threads in THREADS:
                loads = {k: Load(server.port, request, threads) for k, server in servers.items()}
                for load in loads.values():
                    load.block(seconds)  # warm-up, not counted
                for i in range(rounds):
                    for kind in kinds if i % 2 == 0 else kinds[::-1]:
                        pid = servers[kind].proc.pid
                        cpu, switched = usage(pid) if proc else (0.0, 0)
                        n, elapsed = loads[kind].block(seconds)
                        cpu2, switched2 = usage(pid) if proc else (0.0, 0)
                        figures = (
                            n / elapsed,
                            (cpu2 - cpu) / n * 1e6,
                            (switched2 - switched) / n,
                            n,
                        )
                        blocks.setdefault((shape, threads, kind), []).append(figures)
                for load in loads.values():
                    load.close()
    finally:
        if pinned:
            os.sched_setaffinity(0, cpus)
        for server in servers.values():
            server.stop()

    def column(shape: str, threads: int, kind: str, i: int) -> list[float]:
        return [b[i] for b in blocks[(shape, threads, kind)]]

    def ratios(shape: str, threads: int, kind: str, i: int) -> list[float]:
        mine, base = column(shape, threads, kind, i), column(shape, threads, "stdlib", i)
        return [a / b for a, b in zip(mine, base, strict=True)]

    others = [k for k in kinds if k != "stdlib"] if "stdlib" in kinds else []
    where = f"servers on CPU {cpus[0]}, clients on CPU {cpus[1]}" if pinned else "not pinned"
    print(
        f"\n(b) raw keep-alive throughput, req/s: {rounds} rounds of one {seconds} s block per"
        f" server ({', '.join(kinds)}, then reversed),\n    {where}; a ratio compares the"
        " blocks of one round: median [quartiles] min-max of the rounds"
    )
    for shape in REQUESTS:
        print(f"  {shape:8}{_ratio_header(kinds, others, 36)}".rstrip())
        for threads in THREADS:
            line = f"  {threads:2} thr. " + "".join(
                f"{statistics.median(column(shape, threads, k, 0)):10.0f}" for k in kinds
            )
            line += "   "
            for kind in others:
                r = ratios(shape, threads, kind, 0)
                verdict = "ok" if statistics.median(r) >= TARGET_RPS else "MISSED"
                line += f"{spread(r) + ' ' + verdict:36}"
            print(line.rstrip())
    if others:
        print(f"  target: {TARGET_RPS}x the stdlib server's throughput or more (median ratio)")
    if not proc:
        return
    print(
        "\n(c) server CPU time per request, us (its threads' time on a CPU, from"
        " /proc/PID/task/*/schedstat):\n    all blocks of (b) together; ratios of each round"
        " as there; cs: context switches per request"
    )
    for shape in REQUESTS:
        header = _ratio_header(kinds, others, 31)
        print(f"  {shape:8}{header}" + "".join(f"cs {k}".rjust(14) for k in kinds))
        for threads in THREADS:
            line = f"  {threads:2} thr. "
            for kind in kinds:  # all blocks together: CPU seconds / requests
                n, cpu = column(shape, threads, kind, 3), column(shape, threads, kind, 1)
                line += f"{sum(r * c for r, c in zip(n, cpu, strict=True)) / sum(n):10.1f}"
            line += "   " + "".join(f"{spread(ratios(shape, threads, k, 1)):31}" for k in others)
            cs = [statistics.median(column(shape, threads, k, 2)) for k in kinds]
            print(line + "".join(f"{c:14.2f}" for c in cs))


if __name__ == "__main__":
    main()
