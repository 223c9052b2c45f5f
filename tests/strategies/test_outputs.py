"""actions() and model_outputs(): checked by the reference parser and by phone_agent's own."""

from __future__ import annotations

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_autoglm import strategies as gst
from pytest_autoglm.protocol import (
    ACTION_TYPES,
    Action,
    ActionParseError,
    Finish,
    Interact,
    Tap,
    Type,
    agent_action_dict,
    format_action,
    parse_action,
    phone_agent_parse_action,
    split_reply,
)
from pytest_autoglm.strategies._outputs import BREAKAGES, reference_parse, replies


@settings(max_examples=300)
@given(gst.actions())
def test_every_action_round_trips_through_the_reference_parser(action: Action) -> None:
    assert parse_action(format_action(action)) == action


@settings(max_examples=300)
@given(gst.actions())
def test_phone_agent_reads_every_action_as_meant(action: Action) -> None:
    assert phone_agent_parse_action(format_action(action)) == agent_action_dict(action)


def test_actions_cover_every_type_and_the_grid_corners() -> None:
    seen: set[type] = set()

    @settings(max_examples=300, database=None)
    @given(gst.actions())
    def collect(action: Action) -> None:
        seen.add(type(action))

    collect()
    assert seen == set(ACTION_TYPES)
    corner = find(gst.actions(types=[Tap]), lambda a: a.element == (999, 999))  # type: ignore[union-attr]
    assert corner == Tap(element=(999, 999))


def test_action_texts_reach_the_hard_characters() -> None:
    for needle in ('"', "\\", "\n", '")', "text="):
        typed = find(gst.actions(types=[Type]), lambda a, n=needle: n in a.text)  # type: ignore[union-attr]
        assert needle in typed.text  # type: ignore[union-attr]


def test_actions_shrink_to_the_simplest() -> None:
    assert find(gst.actions(), lambda a: True) == Interact()
    assert find(gst.actions(types=[Finish]), lambda a: True) == Finish(message="")


@settings(max_examples=300)
@given(replies())
def test_well_formed_outputs_parse_back_to_their_action(pair: tuple[str, Action]) -> None:
    text, action = pair
    assert reference_parse(text) == action
    assert phone_agent_parse_action(split_reply(text).action_text) == agent_action_dict(action)


@settings(max_examples=300)
@given(gst.model_outputs(well_formed=False))
def test_broken_outputs_never_parse(text: str) -> None:
    with pytest.raises(ActionParseError):
        reference_parse(text)


def test_well_formed_none_means_both_kinds_as_in_assert_parser_agrees() -> None:
    both = gst.model_outputs(well_formed=None)

    def parses(text: str) -> bool:
        try:
            reference_parse(text)
        except ActionParseError:
            return False
        return True

    assert parses(find(both, parses))
    assert not parses(find(both, lambda text: not parses(text)))


BY_KIND = {kind: gst.model_outputs(well_formed=False, breakages=[kind]) for kind in BREAKAGES}


@settings(max_examples=100)
@given(st.sampled_from(BREAKAGES), st.data())
def test_each_breakage_can_be_asked_for_alone(kind: str, data: st.DataObject) -> None:
    with pytest.raises(ActionParseError):
        reference_parse(data.draw(BY_KIND[kind]))


def test_breakages_look_like_the_field_reports() -> None:
    closing = find(gst.model_outputs(well_formed=False, breakages=["closing_tag"]), lambda t: True)
    assert closing.endswith(")</answer>")
    marker = find(
        gst.model_outputs(well_formed=False, breakages=["marker_in_thinking"]), lambda t: True
    )
    assert split_reply(marker).thinking.count("do(action=") == 0  # the split happened inside it


def test_model_outputs_shrink_to_a_short_reply_with_the_simplest_action() -> None:
    # hypothesis's shrinker may stop at any short thinking or shape from the pools; the
    # action is always the simplest one and the reply stays short.
    for styles in (["open", "bare"], ["open"], ["bare"]):
        text = find(gst.model_outputs(styles=styles), lambda t: True)
        assert text.rstrip("\n").endswith('do(action="Interact")')
        assert len(text) < 100
        if styles == ["open"]:
            assert text.startswith("<think>")
        if styles == ["bare"]:
            assert "<think>" not in text


def test_a_custom_action_strategy_is_used() -> None:
    text = find(gst.model_outputs(actions=gst.actions(types=[Finish])), lambda t: True)
    assert reference_parse(text) == Finish(message="")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gst.actions(types=[]), "non-empty sequence of action types"),
        (lambda: gst.actions(types=Tap), "non-empty sequence of action types"),
        (lambda: gst.actions(types=[str]), "Expected action types from"),
        (lambda: gst.actions(texts="abc"), "texts='abc'"),
        (lambda: gst.model_outputs(well_formed="no"), "well_formed='no'"),
        (lambda: gst.model_outputs(styles=["closed"]), "unknown \\['closed'\\] in styles"),
        (lambda: gst.model_outputs(styles="open"), "styles='open'"),
        (lambda: gst.model_outputs(well_formed=False, breakages=["typo"]), "unknown"),
        (lambda: gst.model_outputs(well_formed=False, breakages=[]), "at least one name"),
        (lambda: gst.model_outputs(actions=Tap(element=(1, 2))), "pass e.g. strategies.actions"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_fail_when_the_strategy_is_built(call: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call()  # type: ignore[operator]
