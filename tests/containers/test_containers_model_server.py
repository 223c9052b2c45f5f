"""autoglm_model_server's container mode, with a local busybox image standing in for
vllm/vllm-openai (which cannot be pulled here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from container_images import CRASH, HTTPD

from pytest_autoglm.realserver import LaunchSpec
from pytest_autoglm.realserver._container import DEFAULT_IMAGE, container_command

TEST_LABEL = "io.pytest-autoglm.test"


def _left(engine: Any, nodeid_part: str) -> list[Any]:
    return [
        c
        for c in engine.client.containers.list(
            all=True, filters={"label": TEST_LABEL}, ignore_removed=True
        )
        if nodeid_part in c.labels.get(TEST_LABEL, "")
    ]


@pytest.mark.usefixtures("engine")
def test_image_mode_serves_and_is_removed(pytester: pytest.Pytester, engine: Any) -> None:
    pytester.makepyfile(
        test_image_mode_stand_in="""
        import json, urllib.request

        def test_models(autoglm_model_server, autoglm_docker):
            assert autoglm_model_server.base_url.startswith("http://127.0.0.1:")
            assert autoglm_model_server.model == "autoglm-phone-9b"
            (container,) = autoglm_docker.live.values()
            assert container.raw.attrs["HostConfig"]["ReadonlyRootfs"] is True
            assert container.port(8000) == int(autoglm_model_server.base_url.split(":")[2].split("/")[0])
            assert "server ready" in autoglm_model_server.log_tail()
        """
    )
    result = pytester.runpytest(f"--autoglm-model-server-image={HTTPD}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"autoglm: *model-server-image='{HTTPD}'*"])
    assert _left(engine, "test_image_mode_stand_in") == []


@pytest.mark.usefixtures("engine")
def test_image_that_exits_fails_at_once(pytester: pytest.Pytester, engine: Any) -> None:
    pytester.makepyfile(
        test_image_mode_crash="""
        def test_models(autoglm_model_server):
            pass
        """
    )
    result = pytester.runpytest(f"--autoglm-model-server-image={CRASH}")
    result.assert_outcomes(errors=1)
    # caught while the container starts, or by the fixture's poll once it ran: both say so
    result.stdout.fnmatch_lines(["*exit* code 3*", "*CUDA error: out of memory*"])
    assert _left(engine, "test_image_mode_crash") == []


def test_no_engine_skips_the_container_mode(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/autoglm/docker.sock")
    pytester.makepyfile("def test_models(autoglm_model_server):\n    pass\n")
    result = pytester.runpytest("-rs", "--autoglm-model-server-image")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no container engine: cannot reach unix:///nonexistent/*"])


def test_vllm_flags_go_to_the_image_entrypoint_with_the_model_mounted(tmp_path: Path) -> None:
    spec = LaunchSpec(
        "vllm",
        ("/venv/bin/python", "-m", "vllm.entrypoints.openai.api_server", "--model",
         str(tmp_path), "--served-model-name", "autoglm-phone-9b", "--max-model-len", "25480"),
    )  # fmt: skip
    command, model = container_command(spec)
    assert command == [
        "--model", "/model", "--served-model-name", "autoglm-phone-9b", "--max-model-len",
        "25480", "--host", "0.0.0.0", "--port", "8000",
    ]  # fmt: skip
    assert model == str(tmp_path)
    assert container_command(LaunchSpec("command", ("serve", "--port", "{port}"))) == (
        ["serve", "--port", "8000"],
        None,
    )
    assert container_command(LaunchSpec("image", ())) == (None, None)
    assert DEFAULT_IMAGE == "vllm/vllm-openai:v0.12.0"


def test_bare_flag_means_the_readme_image(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--autoglm-model-server-image")
    result.stdout.fnmatch_lines(["autoglm: *model-server-image='vllm/vllm-openai:v0.12.0'*"])
