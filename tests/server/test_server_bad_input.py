"""Bad input to the fake server's scripting and configuration: one row per class (issue 13).

Each must fail at the call with the kit's own error naming the culprit, never later inside
the client (a ``UnicodeEncodeError`` from httpx, a ``RecursionError`` from the JSON parser).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pytest_autoglm.server import FakeServer, ScriptError, ServerConfig, ServerConfigError

ROWS: list[tuple[str, Callable[[FakeServer], Any], type[Exception], str]] = [
    ("contains=5", lambda s: s.reply("x", contains=5), ScriptError, "contains=5 must be a str"),
    ("model=1", lambda s: s.reply("x", model=1), ScriptError, "model=1 must be a str"),
    ("stream='yes'", lambda s: s.reply("x", stream="yes"), ScriptError, "stream='yes' must be"),
    ("when=3", lambda s: s.fail(500, when=3), ScriptError, "when=3 must be a function"),
    ("unencodable reply", lambda s: s.reply("ok\ud800"), ScriptError, "UTF-8 cannot encode"),
    ("unencodable thinking", lambda s: s.reply("x", thinking="\udfff"), ScriptError,
     "UTF-8 cannot encode"),
    ("unencodable contains", lambda s: s.reply("x", contains="\ud800"), ScriptError,
     "contains:"),
    ("unencodable fail body", lambda s: s.fail(500, body="\ud800"), ScriptError, "fail(body)"),
    ("unencodable fail message", lambda s: s.fail(500, message="\ud800"), ScriptError,
     "fail(message)"),
    ("fail message=5", lambda s: s.fail(500, message=5), ScriptError, "fail(message=5)"),
    ("unencodable error_event", lambda s: s.error_event("\ud800"), ScriptError,
     "error_event(message)"),
    ("unencodable malformed_chunk", lambda s: s.malformed_chunk(data="\ud800"), ScriptError,
     "malformed_chunk(data)"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "text"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_scripting_errors_are_raised_at_the_call(
    call: Callable[[FakeServer], Any], error: type[Exception], text: str
) -> None:
    with FakeServer(export_env=False) as fake:
        with pytest.raises(error) as info:
            call(fake)
        assert text in str(info.value)
        assert fake.problems() == []  # nothing half-scripted was left behind


CONFIG_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("chunk_chars=inf", {"chunk_chars": float("inf")}, "chunk_chars=inf must be a number > 0"),
    ("chunk_chars=nan", {"chunk_chars": float("nan")}, "chunk_chars=nan must be"),
    ("port 99999", {"base_url": "http://localhost:99999/v1"}, "Port out of range"),
    ("port abc", {"base_url": "http://localhost:abc/v1"}, "base_url='http://localhost:abc/v1'"),
    ("port 0 on respx", {"base_url": "http://localhost:0/v1"}, "port 0 (a free port) only"),
    ("allow_hosts=5", {"allow_hosts": 5}, "allow_hosts=5 must be a list of hosts"),
    ("allow_hosts URL", {"allow_hosts": ["https://x.com/v1"]}, "is not a host"),
    ("allow_hosts port", {"allow_hosts": ["x.com:70000"]}, "has a bad port"),
    ("http non-loopback", {"transport": "http", "base_url": "http://example.com:8000/v1"},
     "cannot be served by transport='http'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "text"), [r[1:] for r in CONFIG_ROWS], ids=[r[0] for r in CONFIG_ROWS]
)
def test_configuration_errors_name_the_field(kwargs: dict[str, Any], text: str) -> None:
    with pytest.raises(ServerConfigError) as info:
        ServerConfig(**kwargs)
    assert text in str(info.value)


@pytest.mark.parametrize("transport", ["respx", "http"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(transport: str) -> None:
    depth = 100_000
    body = b'{"a":' * depth + b"1" + b"}" * depth
    with FakeServer(transport=transport, export_env=False) as fake:
        answer = httpx.post(
            fake.base_url + "/chat/completions", content=body,
            headers={"content-type": "application/json"}, timeout=10,
        )  # fmt: skip
        assert answer.status_code == 400
        assert "JSON decode error" in answer.text
        assert fake.calls.last.json is None
        assert fake.problems() == []


def test_a_bad_marker_argument_is_a_collection_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_port="""
import pytest

@pytest.mark.autoglm_server(base_url="http://localhost:99999/v1")
def test_port(autoglm_server):
    pass
""", test_contains="""
def test_contains(autoglm_server):
    autoglm_server.reply("x", contains=5)
""")  # fmt: skip
    result = pytester.runpytest("-p", "no:randomly", "test_port.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.autoglm_server: base_url='http://localhost:99999/v1'"
                                 ": Port out of range*"])  # fmt: skip
    result = pytester.runpytest("-p", "no:randomly", "test_contains.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ScriptError: contains=5 must be a str*"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
