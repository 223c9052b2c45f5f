"""Call records, masking, ``assert_called`` and ``assert_backoff``; the stream chunking."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.server import Call, Calls, FakeServer
from pytest_autoglm.server._calls import mask_headers
from pytest_autoglm.server._wire import split_tokens


def calls_at(times: list[float], retry_after: float | None = None) -> Calls:
    made = Calls()
    for i, t in enumerate(times):
        made._append(Call(index=i + 1, method="POST", path="/v1/chat/completions", headers={},
                          body=b"", stream=False, retry_count=i, time=t,
                          transport="respx", answered_by="fail", status=503,
                          retry_after=retry_after, done=t))  # fmt: skip
    return made


def test_masking_keeps_the_scheme_and_hides_secrets() -> None:
    masked = mask_headers({"Authorization": "Bearer sk-123", "api-key": "k", "X-Api-Key": "k",
                           "x-stainless-retry-count": "1", "Accept": "application/json"})  # fmt: skip
    assert masked == {"authorization": "Bearer ***", "api-key": "***", "x-api-key": "***",
                      "x-stainless-retry-count": "1", "accept": "application/json"}  # fmt: skip


def test_seed_policy_backoff_passes() -> None:
    calls_at([0.0, 1.0, 3.0, 7.0]).assert_backoff(initial=1.0, factor=2.0, max_retries=3)


def test_backoff_failure_names_the_retry_and_the_range() -> None:
    with pytest.raises(AssertionError) as info:
        calls_at([0.0, 1.0, 1.5]).assert_backoff(initial=1.0, factor=2.0, tolerance=0.1)
    text = str(info.value)
    assert "retry 2: waited 0.500s, expected 1.750s to 2.250s" in text
    assert "#3 POST /v1/chat/completions" in text


def test_too_many_retries() -> None:
    with pytest.raises(AssertionError, match="expected at most 3 retries, got 4"):
        calls_at([0, 1, 3, 7, 15]).assert_backoff()


def test_openai_policy_honours_retry_after_and_jitter() -> None:
    calls_at([0.0, 0.45, 0.45 + 0.8]).assert_backoff(policy="openai", max_retries=2, tolerance=0)
    calls_at([0.0, 2.0], retry_after=2.0).assert_backoff(policy="openai", tolerance=0)
    with pytest.raises(AssertionError):
        calls_at([0.0, 0.1]).assert_backoff(policy="openai", tolerance=0)


def test_backoff_with_no_retry_fails_rather_than_passing_vacuously() -> None:
    with pytest.raises(AssertionError, match="no retry to check: assert_backoff needs a request "
                       r"and at least one retry; got 1 call\(s\):\n +#1 POST [^\n]*\Z"):  # fmt: skip
        calls_at([0.0]).assert_backoff()
    with pytest.raises(AssertionError, match="no retry to check"):
        Calls().assert_backoff(policy="openai")


@pytest.mark.parametrize("sdk_limit", [60, 120])
def test_openai_policy_honours_retry_after_up_to_the_installed_sdks_limit(
    monkeypatch: pytest.MonkeyPatch, sdk_limit: int
) -> None:
    """openai 2.9 honours a retry-after of up to 60 s; 2.54 and 3.x up to 120 s."""
    sdk = pytest.importorskip("openai._constants")
    monkeypatch.setattr(sdk, "MAX_RETRY_AFTER_DELAY", sdk_limit)
    honoured = calls_at([0.0, 90.0], retry_after=90.0)
    if sdk_limit == 120:
        honoured.assert_backoff(policy="openai", tolerance=0)
    else:
        with pytest.raises(AssertionError, match=r"waited 90.000s, expected 0.325s to 0.550s"):
            honoured.assert_backoff(policy="openai", tolerance=0)


def test_assert_called_lists_the_calls() -> None:
    calls = calls_at([0.0, 1.0])
    calls.assert_called(times=2)
    with pytest.raises(AssertionError, match=r"expected 3 call\(s\) to the fake server, got 2"):
        calls.assert_called(times=3)
    assert len(calls.where(status=503)) == 2
    assert len(calls.where(stream=True)) == 0
    assert calls.last.index == 2
    assert calls[:1][0].index == 1


@given(st.text(max_size=300), st.integers(0, 2**32))
def test_chunks_join_back_and_are_token_sized(text: str, seed: int) -> None:
    pieces = split_tokens(text, random.Random(seed))
    assert "".join(pieces) == text
    assert all(len(p) <= 6 for p in pieces)
    assert split_tokens(text, random.Random(seed)) == pieces  # seeded: the same split again


@given(st.integers(0, 2**32))
def test_markers_never_arrive_in_one_chunk(seed: int) -> None:
    text = '<think>想一想</think>\n<answer>do(action="Tap", element=[1, 2])'
    pieces = split_tokens(text, random.Random(seed))
    assert not any(m in p for p in pieces for m in ("do(action=", "</think>", "<answer>"))


@pytest.mark.parametrize("stream", [False, True])
def test_http_answer_ends_before_the_client_moves_on(stream: bool) -> None:
    """``done`` is the end of the answer, not whenever the server thread got round to noting it.

    The client jumps a virtual clock as soon as it has the answer (a retry's backoff under
    ``autoglm_clock``); the server thread reads the clock slowly. The record must not take
    the jump in: a retry's wait would look like nothing.
    """
    import threading
    import time

    import httpx

    from pytest_autoglm.server import FakeServer, VirtualClock

    clock = VirtualClock()
    main = threading.current_thread()

    def slow_in_server_thread() -> float:
        if threading.current_thread() is not main:
            time.sleep(0.1)  # the server thread is descheduled after writing the answer
        return clock.monotonic()

    with FakeServer(transport="http", export_env=False, clock=slow_in_server_thread) as server:
        server.reply("ok")
        body = {"model": server.model, "messages": [{"role": "user", "content": "hi"}],
                "stream": stream}  # fmt: skip
        response = httpx.post(f"{server.base_url}/chat/completions", json=body)
        assert response.status_code == 200
        clock.advance(1000.0)  # the client backs off, virtually, at once
        deadline = time.monotonic() + 5
        while server.calls[0].done is None and time.monotonic() < deadline:
            time.sleep(0.01)
    call = server.calls[0]
    assert call.done is not None
    assert call.done - call.time < 100, "the client's virtual backoff leaked into the record"


def test_registered_secrets_never_reach_the_call_records(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key in a custom header or inside the body is kept only in its redacted form."""
    monkeypatch.setenv("AUTOGLM_API_KEY", "sk-live-SECRETVALUE123456")
    pytester.makepyfile(
        """
        import httpx

        def test_records(autoglm_server, autoglm_api_key):
            autoglm_server.reply("ok")
            httpx.post(
                "http://localhost:8000/v1/chat/completions",
                headers={"X-Custom-Auth": str(autoglm_api_key)},
                json={
                    "model": "autoglm-phone-9b",
                    "messages": [{"role": "user", "content": f"my key is {autoglm_api_key}"}],
                },
            )
            call = autoglm_server.calls[0]
            assert call.headers["x-custom-auth"] == "***"
            assert call.json["messages"][0]["content"] == "my key is ***"
            assert "SECRETVALUE" not in repr(call)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_backoff_past_1024_retries_fails_with_a_cut_report() -> None:
    """``2**n`` overflows a float at retry 1024: an ``AssertionError``, never ``OverflowError``."""
    times = [float(i) for i in range(1200)]
    with pytest.raises(AssertionError) as info:
        calls_at(times).assert_backoff(policy="openai", max_retries=2000)
    with pytest.raises(AssertionError) as seed:
        calls_at(times).assert_backoff(max_retries=2000)
    for text in (str(info.value), str(seed.value)):
        assert "backoff differs from the policy in" in text
        assert "...and " in text
        assert len(text) < 10_000, len(text)  # cut, not one line per retry


def test_views_and_last_follow_the_records_without_copying() -> None:
    calls = calls_at([0.0, 1.0, 2.0])
    first_two = calls[:2]
    assert [c.index for c in first_two] == [1, 2]
    assert first_two.last.index == 2
    assert calls[-1].index == 3
    assert calls.last.index == 3
    assert calls.where(status=503)[-2].index == 2
    assert len(calls.chat) == 3
    assert list(calls[::2]) == [calls[0], calls[2]]
    with pytest.raises(IndexError):
        calls[3]
    with pytest.raises(AssertionError, match="received no request"):
        _ = calls.where(status=200).last


def test_records_beyond_max_calls_are_dropped_and_counted() -> None:
    made = Calls(max_calls=3)
    for call in calls_at([float(i) for i in range(10)]):
        made._append(call)
    assert [c.index for c in made] == [8, 9, 10]
    assert (len(made), made.dropped, made.received) == (3, 7, 10)
    assert made.tally() == (10, 10, 0)
    made.assert_called(times=10)  # every call counts, kept or not
    assert "(7 earlier call(s) dropped: max_calls)" in made.describe()


def test_max_calls_must_be_positive() -> None:
    from pytest_autoglm.server import ServerConfigError

    with pytest.raises(ServerConfigError, match="max_calls=0 must be a positive integer"):
        FakeServer(max_calls=0)


@pytest.mark.parametrize("keep_bodies", [False, True])
def test_records_keep_images_as_size_and_hash_unless_asked(keep_bodies: bool) -> None:
    import httpx
    from server_helpers import step_messages

    messages = step_messages()
    with FakeServer(export_env=False, keep_bodies=keep_bodies) as server:
        server.reply("ok")
        httpx.post(f"{server.base_url}/chat/completions",
                   json={"model": "autoglm-phone-9b", "messages": messages})  # fmt: skip
    url = server.calls[0].json["messages"][1]["content"][0]["image_url"]["url"]
    sent = messages[1]["content"][0]["image_url"]["url"]  # type: ignore[index]
    if keep_bodies:
        assert url == sent
    else:
        assert url.startswith("<png 1080x2400, 0.0 KB base64; sha256 ")
        assert len(server.calls[0].body) < 1000
