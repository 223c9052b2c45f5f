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
    def peek(self, size: int = 0, /) -> bytes: ...


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
_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() takes off a header value


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
    return _whole_head(rfile) or _head_by_lines(rfile)


def _whole_head(rfile: Reader) -> Head | None:
    """The head in one piece when it is all buffered with CRLF line ends; else ``None``.

    Nothing is consumed then, and :func:`_head_by_lines` reads the same bytes line by line
    (leading empty lines, bare LF line ends, a head split over several packets).
    """
    buffered = rfile.peek()
    end = buffered.find(b"\r\n\r\n")
    if end < 0 or end > MAX_LINE:
        return None
    first = buffered.find(b"\r\n")
    line = buffered[:first]
    if not line or b"\n" in line:
        return None
    block = buffered[first + 2 : end]
    if block.count(b"\n") != block.count(b"\r\n"):
        return None
    lines = block.decode("latin-1").split("\r\n") if end > first else []
    head = _head(line, lines)
    rfile.read(end + 4)
    return head


def _head_by_lines(rfile: Reader) -> Head | None:
    line = _line(rfile)
    while line in (b"\r\n", b"\n"):  # RFC 9112 2.2: ignore empty lines before a request
        line = _line(rfile)
    if not line:
        return None
    lines: list[str] = []
    for _ in range(MAX_HEADERS + 1):
        raw = _line(rfile)
        if raw in (b"\r\n", b"\n"):
            return _head(line, lines)
        if not raw:
            return None  # closed mid-headers: nothing to answer
        lines.append(raw.decode("latin-1"))
    raise FramingError("too many headers")


def _head(line: bytes, lines: list[str]) -> Head:
    """The request line and the header lines (without their line ends) read."""
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise FramingError("malformed request line")
    if len(lines) > MAX_HEADERS:
        raise FramingError("too many headers")
    headers: dict[str, str] = {}
    for text in lines:
        name, colon, value = text.partition(":")
        if not colon or not name or name[0] in " \t" or name[-1] in " \t":
            raise FramingError("malformed header line")
        key = name.lower()
        value = value.strip(_SPACE)
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    method, target, version = parts
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
