"""autoglm_model_server against a real vLLM (CPU build): start, ready, stream, context, stop.

Runs with ``AUTOGLM_REAL_VLLM=1`` where vLLM is installed (``AUTOGLM_VLLM_VENV`` or
``.venv-vllm``): ``./dev realserver`` and ``.ci/run``; skips elsewhere. One inner pytest session starts one vLLM (~80-200 s on 2 cores); the
outer test then checks that no process of it is left.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import psutil
import pytest

from pytest_autoglm.realserver._spec import missing_module, server_python

ROOT = Path(__file__).parents[2]
PYTHON = server_python("vllm", ROOT)

pytestmark = [
    pytest.mark.skipif(not os.environ.get("AUTOGLM_REAL_VLLM"),
                       reason="real-vLLM tests are off (./dev realserver runs them)"),
    pytest.mark.skipif(sys.executable == PYTHON and missing_module(PYTHON, "vllm"),
                       reason="needs vLLM (set AUTOGLM_VLLM_VENV or run ./dev vllm); found none"),
]  # fmt: skip

INNER = """
import os, openai, pytest

def test_ready(autoglm_model_server):
    open(os.environ["PID_FILE"], "w").write(str(autoglm_model_server.pid))
    assert autoglm_model_server.model == "autoglm-phone-9b"
    assert [m.id for m in autoglm_model_server.client.models.list()] == ["autoglm-phone-9b"]

def test_streamed_chat(autoglm_model_server):
    stream = autoglm_model_server.client.chat.completions.create(
        model="autoglm-phone-9b", messages=[{"role": "user", "content": "Hi"}], max_tokens=5,
        stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[-1].usage.prompt_tokens == 8 and chunks[-1].usage.completion_tokens <= 5
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)

def test_over_long_context(autoglm_model_server):
    with pytest.raises(openai.BadRequestError) as caught:
        autoglm_model_server.client.chat.completions.create(
            model="autoglm-phone-9b", messages=[{"role": "user", "content": "a" * 600}], max_tokens=5)
    assert caught.value.body["param"] == "input_tokens"
"""


def _group_gone(pid: int, within: float = 30.0) -> list[str]:
    deadline = time.monotonic() + within
    while True:
        left = [f"{p.pid} {p.name()}" for p in psutil.process_iter(["pid", "name"])
                if _pgid(p.pid) == pid]  # fmt: skip
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def test_real_vllm_start_ready_stream_context_stop(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_autoglm import write_tiny_model

    model = write_tiny_model(tmp_path / "tiny", max_position_embeddings=512)
    monkeypatch.setenv("PID_FILE", str(tmp_path / "pid"))
    monkeypatch.setenv("AUTOGLM_VLLM_VENV", str(Path(PYTHON).parents[1]))
    pytester.makepyfile(INNER)
    result = pytester.runpytest_subprocess(
        f"--autoglm-model-server=vllm:{model}", "--autoglm-require-model-server", "-p",
        "no:randomly", "-s", timeout=1500,
    )  # fmt: skip
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["waiting for vLLM (* s): *"])
    pid = int((tmp_path / "pid").read_text())
    assert _group_gone(pid) == [], "vLLM processes outlived the session"


def test_real_vllm_broken_command_fails_at_once(pytester: pytest.Pytester) -> None:
    command = shlex.join([PYTHON, "-m", "vllm.entrypoints.openai.api_server", "--no-such-flag"])
    pytester.makepyfile("def test_it(autoglm_model_server):\n    pass\n")
    result = pytester.runpytest_subprocess(f"--autoglm-model-server={command}", timeout=600)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*exited with code 2 *", "*no-such-flag*"])
