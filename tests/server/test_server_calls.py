"""Call records, masking, ``assert_called`` and ``assert_backoff``; the stream chunking."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.server import Call, Calls
from pytest_autoglm.server._calls import mask_headers
from pytest_autoglm.server._wire import split_tokens


def calls_at(times: list[float], retry_after: float | None = None) -> Calls:
    made = Calls()
    for i, t in enumerate(times):
        made._append(Call(index=i + 1, method="POST", path="/v1/chat/completions", headers={},
                          json=None, text="", stream=False, retry_count=i, time=t,
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
