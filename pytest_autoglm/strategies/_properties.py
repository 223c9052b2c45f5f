"""Ready-made property tests: a user's parser against the reference, a truncation's contract.

Each runs a hypothesis property on the spot (call it from a plain test function) and
fails with an ``AssertionError`` describing the first disagreement, shrunk to a small
example. Settings come from the active profile (``autoglm-ci`` in CI), with
``max_examples`` from the call and no deadline (the code under test may be slow).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Literal

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_autoglm.protocol import Action, agent_action_dict, split_reply
from pytest_autoglm.server._config import ServerConfig
from pytest_autoglm.strategies._chat import Message, conversations
from pytest_autoglm.strategies._outputs import replies
from pytest_autoglm.strategies._requests import count
from pytest_autoglm.strategies._validation import check_bool, check_choice, check_int


def _check_callable(name: str, value: Any) -> None:
    if not callable(value):
        raise InvalidArgument(
            f"Expected a function but got {name}={value!r} (type={type(value).__name__})"
        )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


def _agrees(result: Any, expected: Action) -> bool:
    if isinstance(result, dict):  # phone_agent's own shape
        return result == agent_action_dict(expected)
    return bool(result == expected)


def assert_parser_agrees(
    candidate_parse: Callable[[str], Any],
    *,
    well_formed: bool | None = None,
    feed: Literal["reply", "action_text"] = "reply",
    max_examples: int = 200,
) -> None:
    """Fail unless ``candidate_parse`` reads model outputs as the reference parser does.

    Generates :func:`model_outputs` (well-formed ones, broken ones, or both when
    ``well_formed`` is ``None``) and hands each to ``candidate_parse``: the whole reply
    (``feed="reply"``) or the action text ``split_reply`` cuts from it
    (``feed="action_text"``). On a well-formed output the candidate must return the
    action the output was written for, as a :mod:`pytest_autoglm.protocol` value or as
    the dict phone_agent's own ``parse_action`` returns; on a broken one it must reject
    it, by raising or returning ``None``. The first disagreement is shrunk and reported
    with the output, what the reference read, and what the candidate did.
    """
    __tracebackhide__ = True
    _check_callable("candidate_parse", candidate_parse)
    if well_formed is not None:
        check_bool("well_formed", well_formed)
    check_choice("feed", feed, ("reply", "action_text"))
    max_examples = check_int("max_examples", max_examples, min_value=1)
    kinds = [well_formed] if well_formed is not None else [True, False]
    cases = st.one_of([st.tuples(replies(well_formed=kind), st.just(kind)) for kind in kinds])

    @settings(max_examples=max_examples, deadline=None)
    @given(cases)
    def parser_agrees_with_reference(case: tuple[tuple[str, Action], bool]) -> None:
        __tracebackhide__ = True
        (text, action), ok = case
        given_text = text if feed == "reply" else split_reply(text).action_text
        try:
            result = candidate_parse(given_text)
        except Exception as exc:  # the candidate's rejection, or its crash
            outcome, result = f"raised {type(exc).__name__}: {exc}", None
        else:
            outcome = f"returned {_shown(result)}"
        if ok and not _agrees(result, action):
            problem = "read a well-formed output differently"
            reference = repr(action)
        elif not ok and result is not None:
            problem = "accepted an output the reference parser rejects"
            reference = "rejected (ActionParseError)"
        else:
            return
        raise AssertionError(
            f"candidate_parse {problem}\n"
            f"  {feed + ':':<13}{given_text!r}\n"
            f"  {'reference:':<13}{reference}\n"
            f"  {'candidate:':<13}{outcome}"
        )

    parser_agrees_with_reference()


def _default_count(config: ServerConfig) -> Callable[[list[Message]], int]:
    return lambda messages: count(messages, config).full


def assert_truncation_keeps(
    truncate: Callable[[list[Message], int], list[Message]],
    *,
    count_tokens: Callable[[list[Message]], int] | None = None,
    max_turns: int = 12,
    max_examples: int = 100,
) -> None:
    """Fail unless ``truncate(messages, limit)`` keeps what the agent needs, within ``limit``.

    Generates :func:`conversations` of up to ``max_turns`` steps and limits from the
    tokens of the system prompt plus the latest turn (the least any truncation can keep)
    up to the whole conversation. The result must: keep the system prompt (first
    message) unchanged; keep the latest turn (the last user message) unchanged, with
    the current screenshot; count at most ``limit`` tokens by ``count_tokens``
    (default: the fake server's documented estimate, images included); hold only
    messages of the input, in their order; and leave the input list unmodified.
    The first violation is shrunk and reported with the limit and the token counts.
    """
    __tracebackhide__ = True
    _check_callable("truncate", truncate)
    if count_tokens is not None:
        _check_callable("count_tokens", count_tokens)
    max_turns = check_int("max_turns", max_turns, min_value=1)
    max_examples = check_int("max_examples", max_examples, min_value=1)
    counter = count_tokens or _default_count(ServerConfig())

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[list[Message], int]:
        messages = draw(conversations(max_turns=max_turns))
        least = counter([messages[0], messages[-1]])
        total = counter(messages)
        edges = st.sampled_from((least, total, total + 1))
        return messages, draw(st.one_of(edges, st.integers(least, max(least, total))))

    @settings(max_examples=max_examples, deadline=None)
    @given(cases())
    def truncation_keeps_its_contract(case: tuple[list[Message], int]) -> None:
        __tracebackhide__ = True
        messages, limit = case
        original = copy.deepcopy(messages)
        result = truncate(messages, limit)
        problems = _truncation_problems(original, messages, result, limit, counter)
        if problems:
            before = f"{len(original)} messages, {counter(original)} tokens"
            after = (
                f"{len(result)} messages, {counter(result)} tokens"
                if isinstance(result, list) and all(isinstance(m, dict) for m in result)
                else _shown(result)
            )
            raise AssertionError(
                "truncate broke its contract: " + "; ".join(problems) + "\n"
                f"  limit:  {limit} tokens\n  input:  {before}\n  output: {after}"
            )

    truncation_keeps_its_contract()


def _truncation_problems(
    original: list[Message],
    given_list: list[Message],
    result: Any,
    limit: int,
    counter: Callable[[list[Message]], int],
) -> list[str]:
    if not isinstance(result, list) or not all(isinstance(m, dict) for m in result):
        return [f"it returned {type(result).__name__}, not a list of message dicts"]
    problems = []
    if given_list != original:
        problems.append("it modified the input list (copy before changing it)")
    if not result or result[0] != original[0]:
        problems.append("it dropped or changed the system prompt")
    if not result or result[-1] != original[-1]:
        problems.append("it dropped or changed the latest turn (the current screenshot with it)")
    tokens = counter(result)
    if tokens > limit:
        problems.append(f"the result has {tokens} tokens, over the limit of {limit}")
    position = 0
    for message in result:
        while position < len(original) and original[position] != message:
            position += 1
        if position == len(original):
            problems.append("it holds a message that is not in the input, or reorders them")
            break
        position += 1
    return problems
