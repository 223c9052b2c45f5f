"""Reading HTTP/1.1 request framing off a socket: request line, headers, body.

Hand-written because neither candidate fits the fake: ``http.server`` parses headers
through the ``email`` package (most of its per-request cost) and drops the connection
without an answer on a malformed ``Content-Length``; h11 is sans-I/O and would need the
fake's own read loop around it anyway. What it accepts follows RFC 9112 as uvicorn
(h11/httptools) applies it: a ``Content-Length`` of ASCII digits only, hexadecimal chunk
sizes, header lines with a name and a colon; anything else is a :class:`FramingError`,
answered like uvicorn with :data:`BAD_REQUEST` before the connection is closed.
"""

from __future__ import annotations

from typing import Protocol


class Reader(Protocol):
    """A buffered binary stream (``socket.makefile("rb")``)."""

    def readline(self, size: int | None = -1, /) -> bytes: ...
    def read(self, size: int | None = -1, /) -> bytes: ...


#: the longest request line or header line, and the most header lines (h11's limits)
MAX_LINE = 65536
MAX_HEADERS = 100
#: the largest body the fake reads (a 100-screenshot episode is about 120 MB)
MAX_BODY = 1 << 30

_MESSAGE = b"Invalid HTTP request received."
#: what uvicorn sends for a request it cannot frame
BAD_REQUEST = (
    b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(_MESSAGE), _MESSAGE)
)
_HEX = frozenset(b"0123456789abcdefABCDEF")


class FramingError(ValueError):
    """The bytes are not a well-framed HTTP/1.1 request."""


Head = tuple[str, str, dict[str, str], bool]


def _line(rfile: Reader) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise FramingError("line too long")
    return line


def read_head(rfile: Reader) -> Head | None:
    """``(method, target, headers, keep_alive)``; ``None`` when the client closed first.

    Header names are lower-case; a repeated header's values are joined with ``", "``.
    """
    line = _line(rfile)
    while line in (b"\r\n", b"\n"):  # RFC 9112 2.2: ignore empty lines before a request
        line = _line(rfile)
    if not line:
        return None
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise FramingError("malformed request line")
    method, target, version = parts
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        raw = _line(rfile)
        if raw in (b"\r\n", b"\n"):
            break
        if not raw:
            return None  # closed mid-headers: nothing to answer
        name, colon, value = raw.partition(b":")
        if not colon or not name or name[-1:] in b" \t" or name[:1] in b" \t":
            raise FramingError("malformed header line")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    else:
        raise FramingError("too many headers")
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection and (
        version != b"HTTP/1.0" or "keep-alive" in connection
    )
    return method.decode("latin-1"), target.decode("latin-1"), headers, keep_alive


def read_body(rfile: Reader, headers: dict[str, str]) -> bytes | None:
    """The body framed by ``headers``; ``None`` when the client hung up before its end."""
    encoding = headers.get("transfer-encoding")
    if encoding is not None:
        if encoding.lower() != "chunked":
            raise FramingError("unsupported transfer-encoding")
        return _read_chunked(rfile)
    length = headers.get("content-length")
    if length is None:
        return b""
    size = _size(length.encode("latin-1"), 10)
    body = rfile.read(size) if size else b""
    return body if len(body) == size else None


def _size(text: bytes, base: int) -> int:
    digits = text.strip()
    if (
        not digits
        or len(digits) > 16
        or not (digits.isdigit() if base == 10 else _HEX.issuperset(digits))
    ):
        raise FramingError(f"invalid size {text[:20]!r}")
    size = int(digits, base)
    if size > MAX_BODY:
        raise FramingError(f"body of {size} bytes is over the fake's limit of {MAX_BODY}")
    return size


def _read_chunked(rfile: Reader) -> bytes | None:
    out = bytearray()
    while True:
        line = _line(rfile)
        if not line:
            return None
        size = _size(line.split(b";", 1)[0], 16)
        if size == 0:
            break
        data = rfile.read(size)
        if len(data) < size:
            return None
        out += data
        if len(out) > MAX_BODY:
            raise FramingError("chunked body over the fake's limit")
        if _line(rfile) not in (b"\r\n", b"\n"):
            raise FramingError("chunk not followed by CRLF")
    while True:  # trailer fields, up to the empty line
        line = _line(rfile)
        if line in (b"\r\n", b"\n", b""):
            return bytes(out)
