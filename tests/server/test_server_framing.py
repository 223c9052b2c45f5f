"""The request head read in one piece gives what reading it line by line gives."""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pytest_autoglm.server._framing import (
    MAX_HEADERS,
    FramingError,
    _head_by_lines,
    _whole_head,
    read_head,
)

NAMES = st.sampled_from(
    ["Host", "content-type", "X-Stainless-Arch", "Connection", "a b", " lead", "trail ", "", "é"]
)
VALUES = st.text(st.sampled_from("ab: \t\x0b\x0c\r\x1f\xa0é,"), max_size=8)
ENDS = st.sampled_from(["\r\n", "\r\n", "\r\n", "\n", "\r\r\n"])
LINES = st.tuples(NAMES, st.sampled_from([": ", ":", " :", ""]), VALUES, ENDS).map("".join)
REQUEST_LINES = st.sampled_from(
    [
        "POST /v1/chat/completions HTTP/1.1",
        "GET / HTTP/1.0",
        "GET /\nx HTTP/1.1",
        "GET\n/ HTTP/1.1",
        "NONSENSE",
        "",
    ]
)


def outcome(read: object, data: bytes) -> tuple[object, bytes]:
    """What a reader makes of ``data`` (a head, None or the error) and what it leaves."""
    rfile = io.BufferedReader(io.BytesIO(data))
    try:
        head: object = read(rfile)  # type: ignore[operator]
    except FramingError:
        head = FramingError
    return head, rfile.read()


@given(
    st.sampled_from(["", "\r\n", "\n"]),
    REQUEST_LINES,
    ENDS,
    st.lists(LINES, max_size=6),
    st.sampled_from(["\r\n", "\n", ""]),
    st.binary(max_size=12),
)
@example("", "POST / HTTP/1.1", "\r\n", ["Host: a\r\n", "host: b\r\n"], "\r\n", b"")
@example("", "GET / HTTP/1.1", "\r\n", ["A: b\n", "C: d\r\n"], "\r\n", b"\r\n\r\n")
def test_the_whole_head_reads_as_the_lines_do(
    before: str, line: str, end: str, fields: list[str], blank: str, rest: bytes
) -> None:
    data = (before + line + end + "".join(fields) + blank).encode("latin-1") + rest
    whole = outcome(_whole_head, data)
    by_lines = outcome(_head_by_lines, data)
    if whole[0] is None:  # declined: nothing consumed, so the line reader sees the same bytes
        assert whole[1] == data
    elif whole[0] is FramingError:  # answered 400, then the connection closes
        assert by_lines[0] is FramingError
    else:  # taken in one piece: the same head, the same bytes left for the body
        assert whole == by_lines
    assert outcome(read_head, data)[0] == by_lines[0]


def test_a_plain_head_is_read_in_one_piece() -> None:
    data = b"POST /v1/x?a=1 HTTP/1.1\r\nHost: h\r\nX-A:  1 \r\nx-a: 2\r\n\r\nbody"
    head, rest = outcome(_whole_head, data)
    assert head == ("POST", "/v1/x?a=1", {"host": "h", "x-a": "1, 2"}, True)
    assert rest == b"body"


def test_too_many_headers_is_a_framing_error_either_way() -> None:
    data = b"GET / HTTP/1.1\r\n" + b"a: b\r\n" * (MAX_HEADERS + 1) + b"\r\n"
    assert outcome(_whole_head, data)[0] is FramingError
    assert outcome(_head_by_lines, data)[0] is FramingError
    with pytest.raises(FramingError):
        read_head(io.BufferedReader(io.BytesIO(data)))
