"""assert_parser_agrees() and assert_truncation_keeps(): they pass good code and catch bad code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis.errors import InvalidArgument

from pytest_autoglm import strategies as gst
from pytest_autoglm.protocol import (
    Back,
    Tap,
    parse_action,
    phone_agent_parse_action,
    split_reply,
)
from pytest_autoglm.server import ServerConfig
from pytest_autoglm.strategies._requests import count

Messages = list[dict[str, Any]]


def reference(text: str) -> object:
    return parse_action(split_reply(text).action_text)


def test_the_reference_pipeline_agrees_with_itself() -> None:
    gst.assert_parser_agrees(reference, max_examples=60)
    gst.assert_parser_agrees(parse_action, feed="action_text", max_examples=60)


def test_phone_agents_parser_agrees_on_well_formed_outputs() -> None:
    # It returns dicts; those are compared with what phone_agent would have produced.
    gst.assert_parser_agrees(phone_agent_parse_action, feed="action_text", well_formed=True)


def test_phone_agents_parser_is_caught_accepting_a_broken_output() -> None:
    with pytest.raises(AssertionError, match="accepted an output the reference parser rejects"):
        gst.assert_parser_agrees(phone_agent_parse_action, feed="action_text", well_formed=False)


def naive_parse(text: str) -> object:
    """Reads taps and backs with a regex, the way many integrations start."""
    if 'action="Back"' in text:
        return Back()
    match = re.search(r"element=\[(\d+),\s*(\d+)\]", text)
    if match is None:
        raise ValueError(f"no action in {text!r}")
    return Tap(element=(int(match[1]), int(match[2])))


def test_a_naive_parser_fails_with_the_shrunk_output_and_both_readings() -> None:
    with pytest.raises(AssertionError) as failure:
        gst.assert_parser_agrees(naive_parse, well_formed=True)
    message = str(failure.value)
    assert message.startswith("candidate_parse read a well-formed output differently")
    assert "\n  reply:       '" in message
    assert "\n  reference:   " in message
    assert "\n  candidate:   raised ValueError: no action in" in message


def test_the_failure_reads_well_in_a_pytest_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_autoglm import strategies as gst

        def parse(text):
            return None  # rejects everything

        def test_parser():
            gst.assert_parser_agrees(parse, well_formed=True, max_examples=20)
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   AssertionError: candidate_parse read a well-formed output differently",
            "E     reply:       '*(*'",  # any well-formed style and action (may end in a newline)
            "E     reference:   *(*)",
            "E     candidate:   returned None",
        ]
    )


def drop_oldest(messages: Messages, limit: int) -> Messages:
    """A correct truncation: drop the oldest turns after the system prompt until it fits."""
    system, *rest = messages
    while len(rest) > 1 and count([system, *rest], ServerConfig()).full > limit:
        rest = rest[1:]
    return [system, *rest]


def test_a_correct_truncation_passes() -> None:
    gst.assert_truncation_keeps(drop_oldest, max_examples=60)


def forgets_the_system_prompt(messages: Messages, limit: int) -> Messages:
    return drop_oldest(messages, limit)[1:]


def ignores_the_limit(messages: Messages, limit: int) -> Messages:
    return messages


def truncates_in_place(messages: Messages, limit: int) -> Messages:
    kept = drop_oldest(messages, limit)
    del messages[1:-1]
    return kept


def drops_the_screenshot(messages: Messages, limit: int) -> Messages:
    kept = drop_oldest(messages, limit)
    last = dict(kept[-1], content=[p for p in kept[-1]["content"] if p["type"] == "text"])
    return [*kept[:-1], last]


@pytest.mark.parametrize(
    ("truncate", "problem"),
    [
        (forgets_the_system_prompt, "it dropped or changed the system prompt"),
        (ignores_the_limit, "over the limit of"),
        (truncates_in_place, "it modified the input list"),
        (drops_the_screenshot, "it dropped or changed the latest turn"),
        (lambda messages, limit: None, "it returned NoneType, not a list of message dicts"),
        (lambda messages, limit: messages[::-1], "reorders them"),
    ],
    ids=["system", "limit", "in-place", "screenshot", "none", "reorder"],
)
def test_a_broken_truncation_is_named(truncate: Any, problem: str) -> None:
    with pytest.raises(AssertionError, match="truncate broke its contract: ") as failure:
        gst.assert_truncation_keeps(truncate, max_turns=4, max_examples=60)
    assert problem in str(failure.value)
    assert "\n  limit:  " in str(failure.value)


def test_a_custom_token_counter_is_used() -> None:
    # Count messages instead of tokens: keeping at most `limit` messages.
    def by_messages(messages: Messages, limit: int) -> Messages:
        return [messages[0], *messages[1:][-(limit - 1) :]]

    gst.assert_truncation_keeps(by_messages, count_tokens=len, max_examples=40)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gst.assert_parser_agrees("parse"), "candidate_parse='parse'"),
        (lambda: gst.assert_parser_agrees(reference, feed="text"), "feed='text'"),
        (lambda: gst.assert_parser_agrees(reference, max_examples=0), "max_examples=0"),
        (lambda: gst.assert_parser_agrees(reference, well_formed=1), "well_formed=1"),
        (lambda: gst.assert_truncation_keeps(None), "truncate=None"),
        (lambda: gst.assert_truncation_keeps(drop_oldest, count_tokens=5), "count_tokens=5"),
        (lambda: gst.assert_truncation_keeps(drop_oldest, max_turns=0), "max_turns=0"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_are_refused_before_running(call: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call()  # type: ignore[operator]
