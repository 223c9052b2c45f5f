"""The recording proxy hands a stream on as the live server sends it, not once it is complete."""

from __future__ import annotations

import json

import pytest

from pytest_autoglm.server import FakeServer

STALLED = """
import asyncio, os
import openai
import pytest

MESSAGES = [{"role": "user", "content": "Open Settings"}]


def first_chunk_sync(base_url):
    client = openai.OpenAI(base_url=base_url, api_key="EMPTY", max_retries=0, timeout=120)
    stream = client.chat.completions.create(model="autoglm-phone-9b", messages=MESSAGES, stream=True)
    try:
        return next(iter(stream))
    finally:
        stream.close()  # hang up while the live server is still stalled


def first_chunk_async(base_url):
    async def go():
        client = openai.AsyncOpenAI(base_url=base_url, api_key="EMPTY", max_retries=0, timeout=120)
        stream = await client.chat.completions.create(
            model="autoglm-phone-9b", messages=MESSAGES, stream=True
        )
        try:
            return await stream.__anext__()
        finally:
            await stream.close()
    return asyncio.run(go())


@pytest.mark.autoglm_server(transport=os.environ["TRANSPORT"])
@pytest.mark.autoglm_cassette("stalled", timing=0)
def test_stalled(autoglm_server, autoglm_cassette):
    read = first_chunk_async if os.environ["CLIENT"] == "async" else first_chunk_sync
    chunk = read(autoglm_server.base_url)
    assert chunk.choices[0].delta.role == "assistant"
    # what the proxy had read when the client got its first chunk: that one event, no end
    exchange = autoglm_cassette.new[0]
    assert [e.wire[:6] for e in exchange.events] == [b"data: "]
    print("EVENTS_AT_FIRST_CHUNK", len(exchange.events))
"""


@pytest.mark.parametrize(
    ("transport", "client"), [("respx", "sync"), ("respx", "async"), ("http", "sync")]
)
def test_a_stalled_live_stream_reaches_the_client_in_part(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, transport: str, client: str
) -> None:
    """The live server sends its first event, then stalls (20 s before each token): the
    client has that event at once, and hanging up ends the live request too. A proxy that
    waited for the whole answer would hold the client for the whole stall."""
    monkeypatch.setenv("TRANSPORT", transport)
    monkeypatch.setenv("CLIENT", client)
    pytester.makepyfile(test_stalled=STALLED)
    with FakeServer(transport="http", export_env=False, strict=False) as live:
        live.slow(ttft=0.0, inter_chunk=20.0)
        live.reply("Settings opened.", stream=True)
        result = pytester.runpytest("--autoglm-base-url", live.base_url,
                                    "--autoglm-record-mode", "once", "-s")  # fmt: skip
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*EVENTS_AT_FIRST_CHUNK 1"])
        assert len(live.calls) == 1
    lines = [
        json.loads(line)
        for line in (pytester.path / "cassettes" / "stalled.jsonl").read_text().splitlines()
    ]
    assert [next(iter(line)) for line in lines[1:]] == ["request", "response", "event", "end"]
    assert lines[3]["json"]["choices"][0]["delta"]["role"] == "assistant"
    assert lines[4]["cut"] is True  # the stream did not end: the client hung up mid-way


ERROR_MID_STREAM = """
import openai
import pytest


@pytest.mark.autoglm_cassette("error", timing=0)
def test_error(autoglm_server):
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    stream = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    seen = []
    with pytest.raises(openai.APIError, match="The engine failed"):
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content if chunk.choices else None)
    print("SEEN", seen)
"""


def test_an_error_mid_stream_passes_through_and_is_recorded_where_it_came(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_error=ERROR_MID_STREAM)
    with FakeServer(transport="http", export_env=False, strict=False) as live:
        live.error_event(after=2)
        live.reply("One two three", stream=True, chunks=["One ", "two ", "three"])
        recorded = pytester.runpytest("--autoglm-base-url", live.base_url,
                                      "--autoglm-record-mode", "once", "-s")  # fmt: skip
        recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(["*SEEN ?'', 'One ', 'two '?"])
    text = (pytester.path / "cassettes" / "error.jsonl").read_text()
    events = [json.loads(line) for line in text.splitlines() if line.startswith('{"event"')]
    assert "error" in events[-2]["json"]
    assert events[-1]["data"] == "[DONE]"
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    replayed = pytester.runpytest("-s")  # offline, the error where it came
    replayed.assert_outcomes(passed=1)
    replayed.stdout.fnmatch_lines(["*SEEN ?'', 'One ', 'two '?"])
