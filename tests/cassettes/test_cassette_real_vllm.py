"""Recording from a real vLLM (CPU, a tiny model with dummy weights) and replaying offline.

Runs when a real server is configured (``--autoglm-model-server vllm:PATH`` or
``--autoglm-model-server-url URL``); skips otherwise.
"""

from __future__ import annotations

import json

import pytest

from pytest_autoglm.realserver import ModelServer

SESSION = """
import time

import openai
import pytest


@pytest.mark.autoglm_server(transport="{transport}")
@pytest.mark.autoglm_cassette("real", timing=0)
def test_session(autoglm_server, autoglm_cassette):
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    # a long answer: what had the proxy read from vLLM when the first token reached us?
    start = time.perf_counter()
    long = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{{"role": "user", "content": "Describe the screen"}}],
        stream=True, max_tokens=200, temperature=0.0,
    )
    at_first = ttft = None
    for chunk in long:
        if at_first is None and chunk.choices and chunk.choices[0].delta.content:
            ttft = time.perf_counter() - start
            at_first = len(autoglm_cassette.new[0].events) if autoglm_cassette.new else -1
    total = time.perf_counter() - start
    if autoglm_cassette.new:  # recording: vLLM's events, as they came
        events = len(autoglm_cassette.new[0].events)
        print(f"PASSTHROUGH {{at_first}} of {{events}} events read at the first token; "
              f"ttft {{ttft:.3f}} s, whole stream {{total:.3f}} s")
    messages = [
        {{"role": "system", "content": "The current date: {day}\\n# Setup"}},
        {{"role": "user", "content": "Open Settings"}},
    ]
    stream = client.chat.completions.create(
        model="autoglm-phone-9b", messages=messages, stream=True, max_tokens=12, temperature=0.0
    )
    pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    reply = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{{"role": "user", "content": "Hi"}}], max_tokens=5
    )
    print("STREAMED", len(pieces), repr("".join(pieces)))
    print("REPLY", repr(reply.choices[0].message.content), reply.usage.prompt_tokens)
"""


@pytest.mark.parametrize("transport", ["respx", "http"])
def test_record_from_real_vllm_then_replay_offline(
    pytester: pytest.Pytester, autoglm_model_server: ModelServer, transport: str
) -> None:
    pytester.makepyfile(test_real=SESSION.format(transport=transport, day="2025-12-12, Friday"))
    recorded = pytester.runpytest("--autoglm-base-url", autoglm_model_server.base_url,
                                  "--autoglm-record-mode", "once", "-s", "-p", "no:randomly")  # fmt: skip
    recorded.assert_outcomes(passed=1)
    # The first token reached the client through the recording proxy, from vLLM's own
    # events. How many the proxy had read by then depends on how fast this machine is (a
    # tiny model on CPU may finish before a loaded client reads its first chunk), so that
    # the proxy hands a stream on as it comes is checked where the upstream is under the
    # test's control: test_cassette_passthrough.py, a stalled live stream arrives in part.
    passed_on = [line for line in recorded.outlines if "PASSTHROUGH" in line]
    assert passed_on
    at_first, _, rest = passed_on[0].split("PASSTHROUGH ", 1)[1].partition(" of ")
    assert 0 < int(at_first) <= int(rest.split()[0]), passed_on[0]
    live_lines = [line.split("STREAMED", 1)[-1] for line in recorded.outlines if "STREAMED" in line]
    live_reply = [line for line in recorded.outlines if line.startswith("REPLY")]
    assert live_lines
    assert live_reply
    lines = [json.loads(line) for line in
             (pytester.path / "cassettes" / "real.jsonl").read_text(encoding="utf-8").splitlines()]  # fmt: skip
    events = [line for line in lines if "event" in line]
    assert len(events) >= 3  # role chunk, tokens, [DONE]: vLLM's own events
    assert events[-1]["data"] == "[DONE]"
    for n in {e["event"] for e in events}:  # each stream's times (since its request) only grow
        times = [e["t"] for e in events if e["event"] == n]
        assert times == sorted(times)
    requests = [line for line in lines if "request" in line]
    assert requests[1]["json"]["messages"][0]["content"] == "The current date: <date>\n# Setup"

    # Offline, another day, the same test, not a byte from vLLM: the same answers.
    pytester.makepyfile(test_real=SESSION.format(transport=transport, day="2026-02-01, Sunday"))
    replayed = pytester.runpytest("-s", "-p", "no:randomly")
    replayed.assert_outcomes(passed=1)
    assert [
        line.split("STREAMED", 1)[-1] for line in replayed.outlines if "STREAMED" in line
    ] == live_lines
    assert [line for line in replayed.outlines if line.startswith("REPLY")] == live_reply
    replayed.stdout.fnmatch_lines(["cassettes: 3 request(s) replayed"])
