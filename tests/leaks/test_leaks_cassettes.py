"""Leak checks over cassette tests: every round replays the cassette as round 1 did."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pytest_autoglm.server import FakeServer

SUITE = """
import subprocess

import httpx
import pytest

pytestmark = pytest.mark.autoglm_no_leak(rounds=6, warmup=1, cpu="4 KiB")  # 7 rounds: replay, not the heap


@pytest.mark.autoglm_cassette("two_steps", timing=0)
def test_two_steps(autoglm_server, autoglm_phone):
    url = autoglm_server.base_url + "/chat/completions"
    for text in ("open wechat", "tap search"):
        body = {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": text}]}
        assert httpx.post(url, json=body).json()["choices"][0]["message"]["content"] == "ok"
    subprocess.run(["adb", "shell", "input", "tap", "1", "2"], check=True)
"""


@pytest.fixture
def live() -> Iterator[FakeServer]:
    """The "live" server the cassette is recorded from (a real HTTP server on 127.0.0.1)."""
    with FakeServer(transport="http", export_env=False, strict=False) as server:
        server.reply("ok", reusable=True)
        yield server


def test_each_round_replays_the_cassette_from_its_start(
    pytester: pytest.Pytester, live: FakeServer
) -> None:
    """Before: round 2 found both requests and the device command already replayed (a miss:
    422, "all 1 recorded command(s) were already run") and the test failed in round 2."""
    pytester.makepyfile(test_suite=SUITE)
    recorded = pytester.runpytest(
        "--autoglm-base-url", live.base_url, "--autoglm-record-mode", "once", "-p", "no:randomly"
    )
    recorded.assert_outcomes(passed=1)
    lines = (pytester.path / "cassettes" / "two_steps.jsonl").read_text().splitlines()
    kinds = [next(iter(json.loads(line))) for line in lines]
    # all 7 rounds recorded, but the cassette holds one: a later round's replaces the last one's
    assert (kinds.count("request"), kinds.count("command")) == (2, 1)

    replayed = pytester.runpytest("-p", "no:randomly")
    replayed.assert_outcomes(passed=1)
    replayed.stdout.fnmatch_lines(["*leak check: 1 checked, 0 leaked*"])
