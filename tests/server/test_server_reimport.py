"""The respx transport in pytester's in-process runs, where the HTTP stack is imported anew."""

from __future__ import annotations

import pytest

INNER = """
import openai

def test_stream(autoglm_server):
    autoglm_server.reply("hello there")
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    stream = client.chat.completions.create(
        model=autoglm_server.model, messages=[{"role": "user", "content": "hi"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "hello there"
"""

OUTER = f"""
pytest_plugins = ["pytester"]

def test_two_in_process_runs(pytester):
    pytester.makepyfile(test_inner={INNER!r})
    # each run imports openai and its HTTP stack afresh and drops them afterwards
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
"""


def test_a_stream_answers_in_each_in_process_run(pytester: pytest.Pytester) -> None:
    # A subprocess whose own process has not imported openai or httpx: only then does the
    # inner run import them first (as a user's pytester test of their client would).
    pytester.makepyfile(test_outer=OUTER)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
