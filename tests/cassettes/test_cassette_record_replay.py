"""Recording from a live server through the fake, then replaying offline, as users run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_autoglm.protocol import Tap
from pytest_autoglm.server import FakeServer

SESSION = """
import base64, os
import openai
import pytest
from pytest_autoglm._png import encode_png

PNG = base64.b64encode(encode_png(1080, 2400, (250, 250, 250), (0, 0, 0), 60)).decode()


def messages(task):
    return [
        {"role": "system", "content": "The current date: " + os.environ["DAY"] + "\\n# Setup"},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + PNG}},
            {"type": "text", "text": task},
        ]},
    ]


@pytest.mark.autoglm_server(transport=os.environ.get("TRANSPORT", "respx"))
@pytest.mark.autoglm_cassette("session", timing=0)
def test_session(autoglm_server):
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=0)
    stream = client.chat.completions.create(
        model="autoglm-phone-9b", messages=messages(os.environ.get("TASK", "Open WeChat")),
        stream=True, temperature=0.0,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == '<think>The search box is at the top.</think>\\n<answer>do(action="Tap", element=[500, 120])'
    hi = client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": "Hi"}], max_tokens=5
    )
    assert hi.choices[0].message.content == "Hello"
    print("ANSWERED_BY", [c.answered_by for c in autoglm_server.calls])
"""


def script(live: FakeServer) -> None:
    live.reply(Tap((500, 120)), thinking="The search box is at the top.", stream=True)
    live.reply("Hello", stream=False)


@pytest.fixture
def session_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAY", "2025-12-12, Friday")
    return pytester.makepyfile(test_session=SESSION)


@pytest.mark.parametrize("transport", ["respx", "http"])
def test_record_then_replay_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, live: FakeServer,
    session_file: Path, transport: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("TRANSPORT", transport)
    script(live)
    recorded = pytester.runpytest("--autoglm-base-url", live.base_url,
                                  "--autoglm-record-mode", "once", "-s")  # fmt: skip
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(["*ANSWERED_BY *'recorded from http://127.0.0.1:*"])
    assert len(live.calls) == 2  # both requests reached the live server
    cassette = pytester.path / "cassettes" / "session.jsonl"
    lines = [json.loads(line) for line in cassette.read_text(encoding="utf-8").splitlines()]
    kinds = [next(iter(line)) for line in lines]
    assert kinds[0] == "autoglm_cassette"
    assert kinds.count("request") == 2
    assert kinds.count("event") > 10  # the stream, event for event
    assert lines[1]["json"]["messages"][0]["content"] == "The current date: <date>\n# Setup"
    image = lines[1]["json"]["messages"][1]["content"][0]["image_url"]["url"]
    assert (image["width"], image["height"]) == (1080, 2400)
    assert (
        pytester.path / "cassettes" / "images" / f"{image['sha256']}.png"
    ).stat().st_size == image["bytes"]

    # Offline: no base URL, another day; the live server is not asked again.
    monkeypatch.setenv("DAY", "2026-03-01, Sunday")
    replayed = pytester.runpytest("-s")
    replayed.assert_outcomes(passed=1)
    replayed.stdout.fnmatch_lines(["*ANSWERED_BY *'cassette session.jsonl #1', 'cassette session.jsonl #2'*",
                                   "cassettes: 2 request(s) replayed"])  # fmt: skip
    assert len(live.calls) == 2


def test_a_miss_names_the_differing_field(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, live: FakeServer,
    session_file: Path,
) -> None:  # fmt: skip
    script(live)
    pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "once")
    monkeypatch.setenv("TASK", "Open Alipay")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, errors=1)  # the client's 422, then the teardown report
    result.stdout.fnmatch_lines([
        "*no recorded request in cassette *session.jsonl matches; the nearest is #1, which differs in:",
        "*json.messages?1?.content?1?.text: recorded 'Open WeChat', request has 'Open Alipay'",
        "*--autoglm-record-mode new*",
    ])  # fmt: skip


def test_record_mode_new_adds_what_is_missing_and_all_starts_again(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, live: FakeServer,
    session_file: Path,
) -> None:  # fmt: skip
    script(live)
    pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "once")
    cassette = pytester.path / "cassettes" / "session.jsonl"
    monkeypatch.setenv("TASK", "Open Alipay")
    live.reply(Tap((500, 120)), thinking="The search box is at the top.", stream=True)
    added = pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "new")
    added.assert_outcomes(passed=1)
    assert len(live.calls) == 3  # only the changed request went to the live server
    texts = [
        line for line in cassette.read_text(encoding="utf-8").splitlines() if '"request"' in line
    ]
    assert len(texts) == 3
    script(live)
    again = pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "all")
    again.assert_outcomes(passed=1)
    texts = [
        line for line in cassette.read_text(encoding="utf-8").splitlines() if '"request"' in line
    ]
    assert len(texts) == 2


def test_live_mode_passes_through_and_writes_nothing(
    pytester: pytest.Pytester, live: FakeServer, session_file: Path
) -> None:
    script(live)
    result = pytester.runpytest("--autoglm-base-url", live.base_url, "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["autoglm: *live http://127.0.0.1:*", "*ANSWERED_BY *'live http*",
                                 "cassettes: 2 passed through live"])  # fmt: skip
    assert len(live.calls) == 2
    assert not (pytester.path / "cassettes").exists()


def test_the_live_server_may_serve_another_model_name(
    pytester: pytest.Pytester, session_file: Path
) -> None:
    with FakeServer(transport="http", export_env=False, strict=False, model="glm-live") as live:
        script(live)
        result = pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-model",
                                    "glm-live")  # fmt: skip
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["autoglm: *live http://127.0.0.1:* model glm-live*"])
        assert [call.json["model"] for call in live.calls] == ["glm-live", "glm-live"]


def test_a_marked_test_gets_the_fake_server_without_asking(
    pytester: pytest.Pytester, live: FakeServer
) -> None:
    pytester.makepyfile("""
        import openai, pytest

        @pytest.mark.autoglm_cassette("bare", timing=0)
        @pytest.mark.parametrize("n", [1, 2])
        def test_bare(n):  # no autoglm_server argument: Open-AutoGLM's default URL
            client = openai.OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY", max_retries=0)
            reply = client.chat.completions.create(
                model="autoglm-phone-9b", messages=[{"role": "user", "content": "Hi"}], max_tokens=5
            )
            assert reply.choices[0].message.content == "Hello"
    """)
    live.reply("Hello", reusable=True)
    pytester.runpytest("--autoglm-base-url", live.base_url, "--autoglm-record-mode", "once")
    assert len(live.calls) == 1  # the second test replays what the first recorded
    pytester.runpytest().assert_outcomes(passed=2)
    assert len(live.calls) == 1


def test_a_missing_cassette_says_how_to_record_it(
    pytester: pytest.Pytester, session_file: Path
) -> None:
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*CassetteError: cassette *session.jsonl does not exist; record it from a live server: "
        "pytest --autoglm-record-mode once --autoglm-base-url URL*"
    ])  # fmt: skip


def test_bad_record_options_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    bad = pytester.runpytest("--autoglm-record-mode", "sometimes")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(
        ["*--autoglm-record-mode: invalid value 'sometimes'*accepted: none, once, new, all*"]
    )
    needs_url = pytester.runpytest("--autoglm-record-mode", "all")
    assert needs_url.ret == pytest.ExitCode.USAGE_ERROR
    needs_url.stderr.fnmatch_lines(
        ["*--autoglm-record-mode=all records every cassette again*--autoglm-base-url URL*"]
    )
    bad_url = pytester.runpytest("--autoglm-base-url", "gpu-box:8000")
    bad_url.stderr.fnmatch_lines(["*--autoglm-base-url: invalid value 'gpu-box:8000'*"])


def test_a_bad_marker_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.autoglm_cassette("../elsewhere")
        def test_x(autoglm_server): pass

        @pytest.mark.autoglm_cassette("ok", timing="fast")
        def test_y(autoglm_server): pass
    """)
    result = pytester.runpytest()
    result.stdout.fnmatch_lines([
        "*autoglm_cassette: name='../elsewhere': give a name inside the cassettes folder*",
        "*autoglm_cassette: timing='fast': expected a number >= 0*",
    ])  # fmt: skip
