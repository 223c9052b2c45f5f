"""The loopback transport's HTTP framing, spoken byte by byte over a raw socket."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from pytest_autoglm.server import FakeServer

CHAT = json.dumps(
    {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": "hi"}]}
).encode()


@pytest.fixture
def http_server() -> Iterator[FakeServer]:
    with FakeServer(transport="http", export_env=False) as fake:
        yield fake


def exchange(server: FakeServer, data: bytes, *, until: bytes | None = None) -> bytes:
    """Send ``data``; everything received until the server closes (or ``until`` arrives)."""
    url = urlsplit(server.base_url)
    received = b""
    with socket.create_connection((url.hostname or "", url.port or 80), timeout=5) as sock:
        sock.sendall(data)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (until and received.endswith(until)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def chat_post(body: bytes, *headers: str) -> bytes:
    lines = ["POST /v1/chat/completions HTTP/1.1", "Host: x", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.mark.parametrize(
    "request_bytes",
    [
        chat_post(CHAT, "Content-Length: -5"),
        chat_post(CHAT, "Content-Length: abc"),
        chat_post(CHAT, f"Content-Length: {10**15}"),
        chat_post(CHAT, "Content-Length: -1"),  # stdlib read(-1): waits for EOF forever
        chat_post(b"zz\r\n" + CHAT + b"\r\n0\r\n\r\n", "Transfer-Encoding: chunked"),
        chat_post(b"-5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding: chunked"),
        chat_post(b"5\r\nhelloXX0\r\n\r\n", "Transfer-Encoding: chunked"),
        chat_post(CHAT, "Transfer-Encoding: gzip"),
        chat_post(CHAT, "no colon here"),
        b"NONSENSE\r\n\r\n",
    ],
    ids=[
        "length-negative", "length-letters", "length-huge", "length-minus-one",
        "chunk-size-letters", "chunk-size-negative", "chunk-without-crlf",
        "unknown-transfer-encoding", "header-without-colon", "request-line",
    ],
)  # fmt: skip
def test_malformed_framing_is_answered_400_like_uvicorn(
    http_server: FakeServer, request_bytes: bytes
) -> None:
    received = exchange(http_server, request_bytes)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), received[:80]
    assert b"connection: close" in head
    assert body == b"Invalid HTTP request received."  # and then the server closed
    assert len(http_server.calls) == 0


def test_chunked_and_expect_continue_bodies_are_read(http_server: FakeServer) -> None:
    http_server.reply("one").reply("two")
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(CHAT), CHAT)
    first = exchange(
        http_server, chat_post(chunked, "Transfer-Encoding: chunked", "Connection: close")
    )
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b'"content":"one"' in first
    url = urlsplit(http_server.base_url)
    with socket.create_connection((url.hostname or "", url.port or 80), timeout=5) as sock:
        sock.sendall(chat_post(b"", f"Content-Length: {len(CHAT)}", "Expect: 100-continue"))
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(CHAT)
        second = b""
        while b'"content":"two"' not in second:
            chunk = sock.recv(65536)
            assert chunk, second
            second += chunk
    assert [c.json["messages"][0]["content"] for c in http_server.calls] == ["hi", "hi"]


def test_head_is_answered_like_get_without_a_body(http_server: FakeServer) -> None:
    models = http_server.calls  # the HEAD and the GET are both recorded
    received = exchange(
        http_server,
        b"HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\r\n",
        until=b'{"version":"0.12.0"}',
    )
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    assert length > 100  # the length of the models list that a GET would have sent
    assert rest.startswith(b"HTTP/1.1 200 OK"), rest[:60]  # no body after the HEAD headers
    assert [(c.method, c.status) for c in models] == [("HEAD", 200), ("GET", 200)]


def test_keep_alive_serves_requests_in_order_and_close_is_honoured(
    http_server: FakeServer,
) -> None:
    http_server.reply("a").reply("b")
    both = chat_post(CHAT, f"Content-Length: {len(CHAT)}") + chat_post(
        CHAT, f"Content-Length: {len(CHAT)}", "Connection: close"
    )
    received = exchange(http_server, both)  # ends because the server closed after "b"
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert received.index(b'"content":"a"') < received.index(b'"content":"b"')


def test_stop_ends_the_serving_thread_and_frees_the_port() -> None:
    server = FakeServer(transport="http", export_env=False).start()
    url = urlsplit(server.base_url)
    transport = server._transport
    thread = transport._thread  # type: ignore[union-attr]
    server.stop()
    assert thread is not None
    assert not thread.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((url.hostname or "", url.port or 80), timeout=5).close()
