"""prompts(), timestamps() and context_lengths() produce what they promise and shrink small."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_autoglm import strategies as gst


@settings(max_examples=150)
@given(gst.prompts(min_size=3, max_size=300))
def test_prompts_respect_sizes_and_survive_json_and_utf8(prompt: str) -> None:
    assert 3 <= len(prompt) <= 300
    prompt.encode("utf-8")  # no lone surrogates: a real client could send it
    assert json.loads(json.dumps(prompt, ensure_ascii=False)) == prompt


@given(gst.prompts(alphabet="ab", max_size=5))
def test_an_alphabet_limits_the_characters(prompt: str) -> None:
    assert set(prompt) <= {"a", "b"}


def test_prompts_reach_the_hard_cases() -> None:
    finds = {
        "chinese": lambda p: any("\u4e00" <= c <= "\u9fff" for c in p),
        "right-to-left": lambda p: any("\u0590" <= c <= "\u06ff" for c in p),
        "zero-width": lambda p: any(c in "\u200b\u200d\ufeff" for c in p),
        "control": lambda p: any(ord(c) < 32 for c in p),
        "injection": lambda p: "finish(message=" in p,
        "very long": lambda p: len(p) >= 2000,
    }
    for name, condition in finds.items():
        assert condition(find(gst.prompts(), condition)), name


def test_prompts_without_injections_never_hold_an_action_marker() -> None:
    @settings(max_examples=200)
    @given(gst.prompts(injections=False, max_size=50))
    def no_marker(prompt: str) -> None:
        assert "finish(message=" not in prompt

    no_marker()


def test_prompts_shrink_to_a_single_plain_character() -> None:
    assert find(gst.prompts(), lambda p: True) == "a"


@settings(max_examples=150)
@given(gst.timestamps())
def test_valid_timestamps_are_iso_8601(text: str) -> None:
    datetime.fromisoformat(text)
    assert text[4] == "-"
    assert text[:4].isdigit()


@settings(max_examples=150)
@given(gst.timestamps(valid=False))
def test_invalid_timestamps_never_parse_as_iso_8601(text: str) -> None:
    with pytest.raises(ValueError, match=r"Invalid isoformat string|must be in|out of range"):
        datetime.fromisoformat(text)


def test_timestamps_shrink_to_the_simplest_example() -> None:
    assert find(gst.timestamps(), lambda t: True) == "2000-01-01"
    assert find(gst.timestamps(valid=False), lambda t: True) == "03/25/2024"


@given(st.integers(1, 10**6), st.integers(1, 500), st.data())
def test_context_lengths_stay_around_the_limit(
    limit: int, spread: int, data: st.DataObject
) -> None:
    any_side = data.draw(gst.context_lengths(limit=limit, spread=spread))
    fits = data.draw(gst.context_lengths(limit=limit, spread=spread, fits=True))
    over = data.draw(gst.context_lengths(limit=limit, spread=spread, fits=False))
    assert max(0, limit - spread) <= any_side <= limit + spread
    assert max(0, limit - spread) <= fits <= limit < over <= limit + spread


def test_context_lengths_shrink_to_the_edge() -> None:
    assert find(gst.context_lengths(limit=100), lambda n: True) == 100
    assert find(gst.context_lengths(limit=100, fits=False), lambda n: True) == 101


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gst.prompts(min_size=5, max_size=2), "min_size <= max_size"),
        (lambda: gst.prompts(max_size=0), "max_size=0"),
        (lambda: gst.prompts(min_size=-1), "min_size=-1"),
        (lambda: gst.prompts(injections="yes"), "injections='yes'"),
        (lambda: gst.prompts(max_size=True), "max_size=True"),
        (lambda: gst.timestamps(valid=None), "valid=None"),
        (lambda: gst.context_lengths(limit=0), "limit=0"),
        (lambda: gst.context_lengths(spread=2.5), "spread=2.5"),
        (lambda: gst.context_lengths(fits="no"), "fits='no'"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_fail_when_the_strategy_is_built(call: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(")):
        call()  # type: ignore[operator]
