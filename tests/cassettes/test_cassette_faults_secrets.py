"""Replay keeps the fake's faults and records; errors mid-stream come back as they came;
secrets never reach a cassette, also when one is written again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_autoglm.server import FakeServer

STREAM_TEST = """
import openai, pytest

@pytest.mark.autoglm_cassette("broken", timing=0)
def test_stream(autoglm_server):
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    stream = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": "Open WeChat"}], stream=True
    )
    seen = []
    with pytest.raises(openai.APIError, match="The engine failed while generating"):
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content)
    print("SEEN", len(seen), "".join(seen))
"""


def test_an_error_mid_stream_is_replayed_where_it_came(
    pytester: pytest.Pytester, live: FakeServer
) -> None:
    live.error_event(after=3)
    live.reply(
        '<think>Open it.</think>\n<answer>do(action="Launch", app="微信")',
        chunks=[*"<think>Open it.</think>", '\n<answer>do(action="Launch", app="微信")'],
    )
    pytester.makepyfile(test_stream=STREAM_TEST)
    recorded = pytester.runpytest("--autoglm-base-url", live.base_url,
                                  "--autoglm-record-mode", "once", "-s")  # fmt: skip
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(["*SEEN 4 <th"])  # the role chunk and 3 content chunks
    lines = (pytester.path / "cassettes" / "broken.jsonl").read_text(encoding="utf-8")
    assert '"error"' in lines
    replayed = pytester.runpytest("-s")
    replayed.assert_outcomes(passed=1)
    replayed.stdout.fnmatch_lines(["*SEEN 4 <th"])


CUT_TEST = """
import openai, pytest

@pytest.mark.autoglm_cassette("cut", timing=0)
def test_cut(autoglm_server):
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    stream = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": "Open WeChat"}], stream=True
    )
    seen = []
    with pytest.raises(Exception) as dropped:
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content)
    print("DROPPED", type(dropped.value).__name__, len(seen))
"""


def test_a_dropped_connection_is_replayed_as_a_drop(
    pytester: pytest.Pytester, live: FakeServer
) -> None:
    live.cut_stream(after=2)
    live.reply("<think>Open it.</think>", chunks=list("<think>Open it.</think>"))
    pytester.makepyfile(test_cut=CUT_TEST)
    recorded = pytester.runpytest("--autoglm-base-url", live.base_url,
                                  "--autoglm-record-mode", "once", "-s")  # fmt: skip
    recorded.assert_outcomes(passed=1)
    live_line = next(line for line in recorded.outlines if "DROPPED" in line)
    ends = [line for line in (pytester.path / "cassettes" / "cut.jsonl").read_text().splitlines()
            if line.startswith('{"end"')]  # fmt: skip
    assert '"cut": true' in ends[0]
    replayed = pytester.runpytest("-s")
    replayed.assert_outcomes(passed=1)
    assert next(line for line in replayed.outlines if "DROPPED" in line) == live_line


FAULT_TEST = """
import openai, pytest

@pytest.mark.autoglm_cassette("hi", timing=0)
def test_retry(autoglm_server):
    autoglm_server.fail(429, retry_after_ms=1)   # a scripted fault comes before the cassette
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=2)
    reply = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": "Hi"}], max_tokens=5
    )
    assert reply.choices[0].message.content == "Hello"
    assert [c.status for c in autoglm_server.calls] == [429, 200]
    assert autoglm_server.calls[1].answered_by == "cassette hi.jsonl #1"
"""


def test_scripted_faults_and_call_records_work_during_replay(
    pytester: pytest.Pytester, live: FakeServer
) -> None:
    live.reply("Hello")
    pytester.makepyfile(test_retry=FAULT_TEST)
    pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "once")
    assert len(live.calls) == 1  # the 429 came from the fake, not from the live server
    pytester.runpytest().assert_outcomes(passed=1)


SECRET = "sk-live-0123456789abcdef"

SECRET_TEST = """
import os, openai, pytest

@pytest.mark.autoglm_cassette("keyed", timing=0)
def test_keyed(autoglm_server):
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    text = "my key is " + os.environ["AUTOGLM_API_KEY"]
    reply = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": text}], max_tokens=5
    )
    assert reply.choices[0].message.content == "Hello"
"""


def test_secrets_are_redacted_when_recorded_and_when_rewritten(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_API_KEY", SECRET)
    pytester.makepyfile(test_keyed=SECRET_TEST)
    with FakeServer(transport="http", export_env=False, api_key=SECRET, strict=False) as live:
        live.reply("Hello", reusable=True)
        result = pytester.runpytest("--autoglm-base-url", live.base_url,
                                    "--autoglm-record-mode", "once")  # fmt: skip
        result.assert_outcomes(passed=1)  # the proxy sent the key: the live server wants it
        assert live.calls[0].headers["authorization"] == "Bearer ***"
        cassette = pytester.path / "cassettes" / "keyed.jsonl"
        text = cassette.read_text(encoding="utf-8")
        assert SECRET not in text
        assert "my key is ***" in text
        # A cassette holding a secret (written by hand, or before the key was registered)
        # loses it when the cassette is written again.
        leaked = text.replace("Hello", f"Hello {SECRET}")
        cassette.write_text(leaked, encoding="utf-8")
        extra = pytester.makepyfile(
            test_more=SECRET_TEST.replace("test_keyed", "test_more").replace("my key", "a new key")
        )
        assert extra.exists()
        result = pytester.runpytest("--autoglm-base-url", live.base_url,
                                    "--autoglm-record-mode", "new", "test_more.py")  # fmt: skip
        result.assert_outcomes(passed=1)
        rewritten = cassette.read_text(encoding="utf-8")
        assert "a new key is ***" in rewritten  # the new request was added...
        assert "Hello ***" in rewritten  # ...and the old lines went through redaction again
        assert SECRET not in rewritten


def test_recorded_requests_never_made_fail_the_test(
    pytester: pytest.Pytester, live: FakeServer
) -> None:
    live.reply("Hello", reusable=True)
    pytester.makepyfile(
        test_retry=FAULT_TEST.replace("autoglm_server.fail(429, retry_after_ms=1)", "pass")
        .replace("[429, 200]", "[200]")
        .replace("calls[1]", "calls[0]")
    )
    pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "once")
    cassette: Path = pytester.path / "cassettes" / "hi.jsonl"
    lines = cassette.read_text(encoding="utf-8").splitlines()
    second = [
        json.dumps({**json.loads(line), next(iter(json.loads(line))): 2}) for line in lines[1:]
    ]
    cassette.write_text("\n".join([*lines, *second]) + "\n", encoding="utf-8")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*CassetteError: 1 recorded request(s) in *hi.jsonl were never made*",
        "*#2 POST /v1/chat/completions*",
    ])  # fmt: skip
