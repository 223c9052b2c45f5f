"""autoglm_model_server with a stand-in server process: start, ready, log, stop, xdist, errors."""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

STUB = Path(__file__).with_name("stub_server.py")


def _command(*extra: str) -> str:
    return shlex.join([sys.executable, str(STUB), *extra])


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


TESTS = """
import json, urllib.request

def test_ready(autoglm_model_server):
    server = autoglm_model_server
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
    assert server.model == "stub-model"
    with urllib.request.urlopen(server.root + "/health") as answer:
        assert answer.status == 200

def test_streamed_chat(autoglm_model_server):
    stream = autoglm_model_server.client.chat.completions.create(
        model=autoglm_model_server.model, messages=[{"role": "user", "content": "Hi"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream) == "hi"
"""


def test_starts_serves_and_stops_the_process(pytester: pytest.Pytester, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    pytest.importorskip("openai")
    pids = tmp_path / "pids"
    monkeypatch.setenv("STUB_PIDS", str(pids))
    pytester.makepyfile(TESTS)
    result = pytester.runpytest_subprocess(
        f"--autoglm-model-server={_command()}", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["autoglm: *options: model-server=*stub_server.py*"])
    [pid] = _pids(pids)
    assert _gone(pid), "the server process outlived the session"


def test_progress_line_while_it_loads(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(autoglm_model_server):\n    pass\n")
    pytester.makeini("[pytest]\nautoglm_model_server_timeout = 60\n")
    result = pytester.runpytest_subprocess(
        f"--autoglm-model-server={_command('--delay', '12')}", "-p", "no:randomly", "-s"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["waiting for model server (1? s): INFO: loading the stub model"])


def test_early_exit_fails_at_once_with_code_and_log(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_a(autoglm_model_server):\n    pass\n"
                        "def test_b(autoglm_model_server):\n    pass\n")  # fmt: skip
    started = time.monotonic()
    result = pytester.runpytest_subprocess(f"--autoglm-model-server={_command('--crash', '3')}")
    assert time.monotonic() - started < 60
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "*ModelServerError: model server exited with code 3 * after start, before it was ready*",
        "*last 50 lines of its log*", "ERROR: cannot load the model: stub failure",
    ])  # fmt: skip
    # Started once and cached: both errors name the same port and the same log
    # (counting messages would depend on CI=true, which lengthens the summary).
    output = result.stdout.str()
    assert len(set(re.findall(r"--port (\d+)", output))) == 1, output
    assert len(set(re.findall(r"model-server-\d+\.log", output))) == 1, output


def test_failing_test_report_carries_the_server_log(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_fails(autoglm_model_server):\n    assert False\n")
    result = pytester.runpytest_subprocess(f"--autoglm-model-server={_command()}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*autoglm model server log (last 50 lines of *model-server-*.log)*",
                                 "INFO: Application startup complete."])  # fmt: skip


def test_one_server_for_the_whole_run_under_xdist(pytester: pytest.Pytester, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    pytest.importorskip("xdist")
    pids = tmp_path / "pids"
    monkeypatch.setenv("STUB_PIDS", str(pids))
    for name in ("a", "b", "c", "d"):
        pytester.makepyfile(**{f"test_{name}": "def test_it(autoglm_model_server):\n"
                                               "    assert autoglm_model_server.model\n"})  # fmt: skip
    result = pytester.runpytest_subprocess(f"--autoglm-model-server={_command()}", "-n", "2")
    result.assert_outcomes(passed=4)
    [pid] = _pids(pids)
    assert _gone(pid)


def test_off_by_default_and_required_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(autoglm_model_server):\n    pass\n")
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*model-server tests are off (pass --autoglm-model-server=vllm:PATH*"]
    )
    result = pytester.runpytest("--autoglm-require-model-server")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*model-server tests are off * (--autoglm-require-model-server is set)"]
    )


def test_vllm_not_installed_skips_with_the_install_command(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_autoglm.realserver._spec import missing_module

    if not missing_module(sys.executable, "vllm"):
        pytest.skip("vLLM is installed in this interpreter")
    from pytest_autoglm import write_tiny_model

    pytest.importorskip("tokenizers")
    model = write_tiny_model(tmp_path / "tiny")
    monkeypatch.setenv("AUTOGLM_VLLM_VENV", str(tmp_path / "no-venv"))
    pytester.makepyfile("def test_it(autoglm_model_server):\n    pass\n")
    result = pytester.runpytest(f"--autoglm-model-server=vllm:{model}", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*needs vLLM (vllm importable); found none in *install: python -m venv .venv-vllm*"]
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [("vllm:/no/such/model", "*/no/such/model is not a model folder (no config.json)*"),
     ("'unclosed", "*--autoglm-model-server=\"'unclosed\": No closing quotation*")],
)  # fmt: skip
def test_bad_option_values_are_usage_errors(
    pytester: pytest.Pytester, value: str, message: str
) -> None:
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest(f"--autoglm-model-server={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_url_of_a_running_server_is_used_as_is(pytester: pytest.Pytester) -> None:
    from pytest_autoglm.realserver import parse_spec, start_server

    server = start_server(parse_spec(_command()), pytester.path / "log", timeout=60,
                          progress=lambda line: None)  # fmt: skip
    try:
        pytester.makepyfile(f"def test_it(autoglm_model_server):\n"
                            f"    assert autoglm_model_server.base_url == {server.base_url!r}\n"
                            f"    assert autoglm_model_server.pid is None\n")  # fmt: skip
        result = pytester.runpytest(f"--autoglm-model-server-url={server.root}")
        result.assert_outcomes(passed=1)
    finally:
        pid = server.pid
        server.stop()
    assert pid is not None
    assert _gone(pid)


def test_interrupted_start_stops_the_process(tmp_path: Path) -> None:
    from pytest_autoglm.realserver import parse_spec, start_server

    pids = tmp_path / "pids"

    def interrupt(line: str) -> None:
        raise KeyboardInterrupt

    spec = parse_spec(_command("--delay", "30"))
    spec.env["STUB_PIDS"] = str(pids)
    with pytest.raises(KeyboardInterrupt):
        start_server(spec, tmp_path / "log", timeout=60, progress=interrupt, every=0.5)
    [pid] = _pids(pids)
    assert _gone(pid)


class _SquattingLauncher:
    """Another process's server takes the chosen port first (the race on a shared machine)."""

    def __init__(self, squat_times: int) -> None:
        self.squat_times = squat_times
        self.squatters: list[Any] = []

    def start(self, spec: Any, host: str, port: int, log: Path) -> Any:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from pytest_autoglm.realserver._launcher import ProcessLauncher

        class Answer(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps({"data": [{"id": "squatter"}]}).encode()
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        if len(self.squatters) < self.squat_times:
            squatter = ThreadingHTTPServer((host, port), Answer)
            threading.Thread(target=squatter.serve_forever, daemon=True).start()
            self.squatters.append(squatter)
        return ProcessLauncher().start(spec, host, port, log)

    def close(self) -> None:
        for squatter in self.squatters:
            squatter.shutdown()
            squatter.server_close()


def test_a_port_taken_by_another_server_is_not_mistaken_for_ours(tmp_path: Path) -> None:
    from pytest_autoglm.realserver import parse_spec, start_server

    launcher = _SquattingLauncher(squat_times=1)
    notes: list[str] = []
    try:
        server = start_server(parse_spec(_command()), tmp_path / "log", timeout=60,
                              progress=notes.append, launcher=launcher)  # fmt: skip
        try:
            assert server.model == "stub-model"  # the squatter answers "squatter"
            squatted = launcher.squatters[0].server_address[1]
            assert f":{squatted}" not in server.base_url
        finally:
            server.stop()
    finally:
        launcher.close()
    assert [n for n in notes if "was taken by another process; trying a fresh port" in n], notes


def test_a_port_taken_every_time_is_a_clear_error(tmp_path: Path) -> None:
    from pytest_autoglm.realserver import ModelServerError, parse_spec, start_server

    launcher = _SquattingLauncher(squat_times=3)
    try:
        with pytest.raises(
            ModelServerError, match=r"(?s)exited with code 1 .*Address already in use"
        ):
            start_server(parse_spec(_command()), tmp_path / "log", timeout=60,
                         progress=lambda line: None, launcher=launcher)  # fmt: skip
    finally:
        launcher.close()
    assert len(launcher.squatters) == 3
