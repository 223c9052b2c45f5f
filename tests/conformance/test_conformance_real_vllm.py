"""The deployment check against a real vLLM (CPU, a tiny text-only model with dummy weights):
the model-independent checks pass, the rest skip with their reason.

Runs when a real server is configured (``--autoglm-model-server vllm:PATH``); skips otherwise.
"""

from __future__ import annotations

import pytest

from pytest_autoglm.realserver import ModelServer

CHECK = ("--pyargs", "pytest_autoglm.conformance", "-p", "no:randomly", "-v", "-rs")


def test_the_deployment_check_on_a_real_vllm(
    pytester: pytest.Pytester, autoglm_model_server: ModelServer
) -> None:
    result = pytester.runpytest("--autoglm-base-url", autoglm_model_server.base_url, *CHECK)
    outcome = {
        line.split("::")[1].split(" ")[0]: line.split(" ")[1]
        for line in result.outlines
        if line.startswith("test_deployment.py::")
    }
    served = autoglm_model_server.client.models.list().data[0].model_dump()
    context = "PASSED" if served.get("max_model_len", 0) >= 25480 else "FAILED"
    result.assert_outcomes(passed=6 + (context == "PASSED"), failed=int(context == "FAILED"),
                           skipped=4)  # fmt: skip
    assert outcome["test_context_length"] == context  # a tiny model served with less: a finding
    model_independent = [
        "test_models_lists_the_served_name", "test_health", "test_text_ping",
        "test_an_over_long_prompt_is_refused", "test_streaming_puts_the_thinking_in_content",
        "test_temperature_zero_gives_the_same_answer",
    ]  # fmt: skip
    assert {name: outcome.get(name) for name in model_independent} == dict.fromkeys(
        model_independent, "PASSED"
    ), result.stdout.str()
    needs_vision = ["test_vision_with_a_phone_screenshot", "test_image_tokens_follow_max_pixels",
                    "test_eleven_images_are_refused"]  # fmt: skip
    assert {name: outcome.get(name) for name in needs_vision} == dict.fromkeys(
        needs_vision, "SKIPPED"
    )
    assert outcome.get("test_output_is_an_autoglm_action") == "SKIPPED"
    result.stdout.fnmatch_lines_random([
        "SKIPPED *the served model takes no images (a text-only model)*",
        "SKIPPED *needs the AutoGLM-Phone model's own answers; the server serves '/*",
        "over-long prompt refused with: *",
        "time to first token: * s",
    ])  # fmt: skip
