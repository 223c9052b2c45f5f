"""The deployment check: run with ``pytest --pyargs pytest_autoglm.conformance --autoglm-base-url URL``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_autoglm.conformance import _checks as checks
from pytest_autoglm.conformance._client import Client
from pytest_autoglm.conformance.conftest import note_figure

Run = Callable[..., Any]


def test_models_lists_the_served_name(conformance_run: Run, conformance_client: Client,
                                      conformance_model: str) -> None:  # fmt: skip
    facts = conformance_run(checks.models, conformance_client, conformance_model)
    assert facts.model == conformance_model


def test_context_length(conformance_run: Run, conformance_facts: checks.ServerFacts) -> None:
    assert conformance_run(checks.context_length, conformance_facts) >= checks.CONTEXT


def test_health(conformance_run: Run, conformance_client: Client) -> None:
    assert conformance_run(checks.health, conformance_client) == 200


def test_text_ping(
    conformance_run: Run, conformance_client: Client, conformance_model: str
) -> None:
    conformance_run(checks.text_ping, conformance_client, conformance_model)


def test_vision_with_a_phone_screenshot(conformance_run: Run, conformance_client: Client,
                                        conformance_model: str) -> None:  # fmt: skip
    conformance_run(checks.vision, conformance_client, conformance_model)


def test_image_tokens_follow_max_pixels(conformance_run: Run, conformance_client: Client,
                                        conformance_model: str) -> None:  # fmt: skip
    counts = conformance_run(checks.image_tokens, conformance_client, conformance_model)
    assert counts["counted"] > 0


def test_eleven_images_are_refused(conformance_run: Run, conformance_client: Client,
                                   conformance_model: str) -> None:  # fmt: skip
    assert conformance_run(checks.image_limit, conformance_client, conformance_model)


def test_an_over_long_prompt_is_refused(
    conformance_run: Run, conformance_client: Client, conformance_model: str,
    conformance_facts: checks.ServerFacts, pytestconfig: pytest.Config,
) -> None:  # fmt: skip
    message = conformance_run(checks.long_prompt, conformance_client, conformance_model,
                              conformance_facts)  # fmt: skip
    note_figure(pytestconfig, "over-long prompt refused with", repr(message[:160]))


def test_streaming_puts_the_thinking_in_content(
    conformance_run: Run, conformance_client: Client, conformance_model: str,
    pytestconfig: pytest.Config,
) -> None:  # fmt: skip
    facts = conformance_run(checks.stream_shape, conformance_client, conformance_model)
    note_figure(pytestconfig, "time to first token", f"{facts.ttft:.3f} s")
    rate = (
        "n/a (one chunk)" if facts.tokens_per_second is None else f"{facts.tokens_per_second:.1f}"
    )
    note_figure(pytestconfig, "tokens per second", f"{rate} ({facts.tokens} tokens streamed)")


def test_temperature_zero_gives_the_same_answer(conformance_run: Run, conformance_client: Client,
                                                conformance_model: str) -> None:  # fmt: skip
    conformance_run(checks.deterministic, conformance_client, conformance_model)


def test_output_is_an_autoglm_action(
    conformance_run: Run, conformance_client: Client, conformance_model: str,
    conformance_facts: checks.ServerFacts,
) -> None:  # fmt: skip
    conformance_run(checks.output_format, conformance_client, conformance_model, conformance_facts)
