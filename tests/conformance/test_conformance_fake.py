"""The deployment check against the fake server: a good deployment passes on both transports in
every flavour; a misdeployed one is reported with exactly its faults, each with the fix."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_autoglm.conformance._checks import garbled
from pytest_autoglm.protocol import Tap
from pytest_autoglm.server import FakeServer, TokenEstimate

CHECK = ("--pyargs", "pytest_autoglm.conformance", "-p", "no:randomly", "-rA")


def run_check(pytester: pytest.Pytester, **config: Any) -> pytest.RunResult:
    """The deployment check (in this process, so the respx transport sees its requests)."""
    with FakeServer(export_env=False, strict=False, **config) as fake:
        fake.reply(Tap((500, 120)), thinking="The settings icon is on the home screen.",
                   reusable=True)  # fmt: skip
        return pytester.runpytest("--autoglm-base-url", fake.base_url, *CHECK)


@pytest.mark.parametrize("flavour", ["vllm", "sglang", "bigmodel", "openai"])
@pytest.mark.parametrize("transport", ["respx", "http"])
def test_a_good_deployment_passes(pytester: pytest.Pytester, transport: str, flavour: str) -> None:
    result = run_check(pytester, transport=transport, flavour=flavour)
    result.assert_outcomes(passed=11)
    result.stdout.fnmatch_lines([
        "*autoglm deployment check*",
        "over-long prompt refused with: *",
        "time to first token: * s",
        "tokens per second: * tokens streamed)",
    ])  # fmt: skip


def test_a_misdeployment_is_reported_with_exactly_its_faults(pytester: pytest.Pytester) -> None:
    result = run_check(
        pytester,
        tokens=TokenEstimate(max_pixels=12_845_056),  # the processor's default: max_pixels ignored
        max_images=1000,  # no --limit-mm-per-prompt
        reasoning_parser="glm45",  # --reasoning-parser glm45
    )
    result.assert_outcomes(passed=8, failed=3)
    failed = sorted(
        line.split("::")[1].split(" ")[0] for line in result.outlines if line.startswith("FAILED")
    )
    assert failed == [
        "test_eleven_images_are_refused",
        "test_image_tokens_follow_max_pixels",
        "test_streaming_puts_the_thinking_in_content",
    ]
    result.stdout.fnmatch_lines_random([
        "  expected: about 6307 image tokens for a 1800x4000 screenshot *max_pixels=5,000,000*",
        "  server did: counted 9152 image tokens *(as if max_pixels were not set*",
        "  fix: vLLM: --mm_processor_kwargs '{\"max_pixels\":5000000}'; SGLang: *",
        "  server did: accepted 11 images",
        "  fix: vLLM: --limit-mm-per-prompt '{\"image\":10}'",
        "  server did: sent * chunk(s) of delta.reasoning_content *which phone_agent never reads",
        "  fix: drop --reasoning-parser from the server command*",
    ])  # fmt: skip
    assert "During handling" not in result.stdout.str()


def test_a_short_context_and_a_wrong_name_are_findings(pytester: pytest.Pytester) -> None:
    result = run_check(pytester, max_model_len=8192, model="glm-4v")
    result.stdout.fnmatch_lines_random([
        "*server did: it lists ?'glm-4v'?",
        "*server did: 404 *The model `autoglm-phone-9b` does not exist*",
        "*fix: vLLM/SGLang: --served-model-name autoglm-phone-9b*",
    ])  # fmt: skip
    failed = {
        line.split("::")[1].split(" ")[0] for line in result.outlines if line.startswith("FAILED")
    }
    assert "test_models_lists_the_served_name" in failed
    with FakeServer(export_env=False, strict=False, max_model_len=8192) as fake:
        fake.reply('<think>x</think>\n<answer>finish(message="done")', reusable=True)
        short = pytester.runpytest("--autoglm-base-url", fake.base_url, *CHECK, "-k", "context")
    short.assert_outcomes(failed=1, deselected=10)
    short.stdout.fnmatch_lines(
        ["*server did: max_model_len is 8192", "*fix: vLLM: --max-model-len 25480*"]
    )


def test_without_a_url_the_check_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*CHECK)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*the deployment check needs the server to check: pytest --pyargs "
         "pytest_autoglm.conformance --autoglm-base-url http://HOST:PORT/v1*"]
    )  # fmt: skip


def test_a_server_that_is_not_there_is_one_clear_error_per_check(
    pytester: pytest.Pytester,
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = pytester.runpytest("--autoglm-base-url", f"http://127.0.0.1:{port}/v1", *CHECK)
    result.assert_outcomes(errors=11)
    result.stdout.fnmatch_lines([
        f"*cannot reach the server under check at http://127.0.0.1:{port}/v1: ConnectError: *; "
        "is it running, and is --autoglm-base-url its OpenAI base URL (http://HOST:PORT/v1)?"
    ])  # fmt: skip
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('<think>Open it.</think>\n<answer>do(action="Launch", app="微信")', None),
        ('<think>Done.</think>\n<answer>finish(message="ok")', None),
        ("", "an empty answer"),
        (
            '<think>a</think><answer>do(action="Tap", element=[1,2])</answer>',
            "phone_agent cannot parse",
        ),
        ("<|begin_of_box|>Tap<|end_of_box|>", "box tags"),
        ("abc\ufffddef", "replacement characters"),
        ("the the the the the the the the the the the the the the", "repeated"),
        ("I cannot help with that.", "phone_agent cannot parse"),
    ],
    ids=["launch", "finish", "empty", "closing-answer-tag", "glm46v-box", "fffd", "loop", "prose"],
)
def test_the_garbled_output_detector(text: str, why: str | None) -> None:
    found = garbled(text)
    assert (found is None) if why is None else (found is not None and why in found), found


def test_a_hosted_api_without_health_or_context_skips_those_checks() -> None:
    import httpx

    from pytest_autoglm.conformance import _checks as checks
    from pytest_autoglm.conformance._findings import NotApplicable

    class NoHealth:
        def health(self) -> httpx.Response:
            return httpx.Response(404, text='{"detail":"Not Found"}')

    with pytest.raises(NotApplicable, match=r"no /health endpoint \(a hosted API\?\)"):
        checks.health(NoHealth())  # type: ignore[arg-type]
    hosted = checks.ServerFacts("autoglm-phone", "autoglm-phone", None)
    with pytest.raises(NotApplicable, match="does not report max_model_len"):
        checks.context_length(hosted)
    assert hosted.is_autoglm  # the model checks still run on BigModel's autoglm-phone
