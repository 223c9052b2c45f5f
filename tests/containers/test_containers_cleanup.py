"""Nothing is left behind: after a failing test, a failed start, Ctrl-C, and dead sessions."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import TOKEN_LABEL, inner_header
from container_images import HANG, HTTPD

from pytest_autoglm.containers._owner import HOST, PID, PID_STARTED, SESSION, Owner

pytestmark = pytest.mark.usefixtures("engine")


def test_failing_test_gets_the_log_section_and_loses_its_container(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    pytester.makepyfile(
        inner_header(token)
        + f"""
def test_fails(autoglm_container):
    server = autoglm_container("{HTTPD}", ready=log("server ready"), labels=LABELS)
    assert server.exec(["sh", "-c", "echo from the test >> /proc/1/fd/1"])[0] == 0
    assert False, "the agent misbehaved"
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: the agent misbehaved",
            "-* container log: autoglm-httpd-*-1 (autoglm-test/httpd:local) -*",
            "starting stand-in server",
            "server ready on port 8000",
        ]
    )
    assert containers_with(token) == []


def test_passing_test_has_no_log_section(pytester: pytest.Pytester, token: str) -> None:
    pytester.makepyfile(
        inner_header(token)
        + f"""
def test_passes(autoglm_container):
    autoglm_container("{HTTPD}", ready=log("server ready"), labels=LABELS)
"""
    )
    result = pytester.runpytest("-rA")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*container log:*")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            "init=False, command=['/no/such/program']",
            "*could not start; engine said: *no/such/program*",
        ),
        ("gpus='all'", "*asked for gpus='all', but the container engine has no GPU runtime*"),
    ],
    ids=["bad-command", "no-gpu-runtime"],
)
def test_failed_start_leaves_no_created_container(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]],
    arguments: str, message: str,
) -> None:  # fmt: skip
    pytester.makepyfile(
        inner_header(token)
        + f"""
def test_start(autoglm_container):
    autoglm_container("{HANG}", {arguments}, labels=LABELS)
"""
    )
    # a simulated GPU gets the GPU container past the autoglm_gpu rules to the engine
    result = pytester.runpytest(
        "--autoglm-gpu", "--autoglm-simulate-gpus", "1x Test GPU: memory=16GiB"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])
    assert containers_with(token) == []


def test_gpu_container_follows_the_autoglm_gpu_rules(pytester: pytest.Pytester, token: str) -> None:
    pytester.makepyfile(
        inner_header(token)
        + f"""
def test_gpu(autoglm_container):
    autoglm_container("{HANG}", gpus=2, labels=LABELS)
"""
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED ?1? test_gpu_*.py:*: GPU tests are off (pass --autoglm-gpu): container hang asks for gpus=2"
        ]
    )
    one = ("--autoglm-simulate-gpus", "1x Test GPU: memory=16GiB")
    result = pytester.runpytest("-rs", "--autoglm-gpu", *one)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED ?1? test_gpu_*.py:*: container hang: needs 2 GPUs; found 1 simulated GPU*"]
    )
    result = pytester.runpytest("--autoglm-require-gpu", *one)
    result.assert_outcomes(failed=1)


def _wait_for(
    find: Callable[[], list[Any]], deadline: float, what: str, process: subprocess.Popen[str]
) -> list[Any]:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        found = find()
        if found:
            return found
        if process.poll() is not None:  # the inner run ended: its output says why
            raise AssertionError(
                f"no {what}: the inner run exited; its output:\n{process.stdout.read() if process.stdout else ''}"
            )
        time.sleep(0.1)
    raise AssertionError(f"no {what} after {deadline} s")


@pytest.mark.parametrize("moment", ["test-body", "readiness-wait"])
def test_ctrl_c_removes_the_container(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]], moment: str
) -> None:
    if moment == "test-body":
        body = f"""
def test_interrupted(autoglm_container):
    autoglm_container("{HTTPD}", ready=log("server ready"), labels=LABELS)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        time.sleep(0.05)
"""
    else:
        body = f"""
def test_interrupted(autoglm_container):
    autoglm_container("{HANG}", ready=http("/health"), timeout=120, labels=LABELS)
"""
    script = pytester.makepyfile(inner_header(token) + body)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(script), "-p", "no:cacheprovider", "-q"],
        cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        running = _wait_for(
            lambda: [c for c in containers_with(token) if c.status == "running"],
            60,
            "running container",
            process,
        )
        if moment == "test-body":  # the readiness wait is over: the server logged its line
            _wait_for(
                lambda: ["x"] if b"server ready" in running[0].logs() else [],
                30,
                "ready line",
                process,
            )
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "KeyboardInterrupt" in output, output
    assert containers_with(token) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sweep_removes_dead_sessions_containers_only(
    pytester: pytest.Pytester, engine: Any, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        dead_owner = Owner(session="dead" + token, pid=_dead_pid(), worker="gw7")
        live_owner = Owner(session="live" + token, pid=live.pid, worker="gw3")
        other_host = {**dead_owner.labels(), HOST: "another-machine", SESSION: "far" + token}
        made = {}
        for kind, labels in [
            ("dead", dead_owner.labels()), ("live", live_owner.labels()), ("far", other_host),
        ]:  # fmt: skip
            made[kind] = engine.client.containers.create(
                HANG, name=f"autoglm-sweep-{kind}-{token}", labels={**labels, TOKEN_LABEL: token}
            ).name
        reused = {
            **dead_owner.labels(), PID: str(live.pid), PID_STARTED: "1.00", SESSION: "reused" + token
        }  # fmt: skip
        assert reused[PID_STARTED] != live_owner.labels()[PID_STARTED]  # a pid reused since
        made["reused"] = engine.client.containers.create(
            HANG, name=f"autoglm-sweep-reused-{token}", labels={**reused, TOKEN_LABEL: token}
        ).name
        # the live owner's start time read one boot-time step (1 s) apart: still alive
        stepped = live_owner.labels()
        stepped.update(
            {PID_STARTED: f"{float(stepped[PID_STARTED]) + 1:.2f}", SESSION: "step" + token}
        )
        made["stepped"] = engine.client.containers.create(
            HANG, name=f"autoglm-sweep-stepped-{token}", labels={**stepped, TOKEN_LABEL: token}
        ).name
        pytester.makepyfile(
            inner_header(token)
            + f"""
def test_any(autoglm_container):
    autoglm_container("{HTTPD}", ready=log("server ready"))
"""
        )
        result = pytester.runpytest()
        result.assert_outcomes(passed=1)
        # Under xdist another worker's inner run may sweep them first: both are right.
        left = {c.name for c in containers_with(token)}
        assert left == {made["live"], made["far"], made["stepped"]}
    finally:
        live.kill()
        live.wait()
        for container in containers_with(token):
            container.remove(force=True)


def test_session_scoped_containers_live_until_the_session_ends(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    pytester.makeconftest(
        inner_header(token)
        + f"""
@pytest.fixture(scope="session")
def model_server(autoglm_docker):
    return autoglm_docker.run("{HTTPD}", ready=http("/health"), labels=LABELS)
"""
    )
    pytester.makepyfile(
        """
import urllib.request
IDS = set()

def test_one(model_server):
    IDS.add(model_server.id)

def test_two(model_server, autoglm_docker):
    IDS.add(model_server.id)
    assert len(IDS) == 1
    assert urllib.request.urlopen(model_server.url("/health")).status == 200
    assert model_server.name in autoglm_docker.live
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)
    assert containers_with(token) == []


def test_containers_of_xdist_workers_are_their_own(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    pytester.makepyfile(
        inner_header(token)
        + f"""
@pytest.mark.parametrize("n", range(4))
def test_worker(autoglm_container, n):
    server = autoglm_container("{HTTPD}", ready=http("/health"), labels=LABELS)
    labels = server.raw.labels
    assert labels["io.pytest-autoglm.worker"] == os.environ["PYTEST_XDIST_WORKER"]
    assert labels["io.pytest-autoglm.pid"] == str(os.getpid())
"""
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    assert containers_with(token) == []


def test_session_scope_is_one_container_for_the_whole_xdist_run(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    seen = pytester.path / "seen.txt"
    pytester.makepyfile(
        inner_header(token)
        + f"""
@pytest.mark.parametrize("n", range(6))
def test_shared(autoglm_container, n):
    server = autoglm_container("{HTTPD}", ready=http("/health"), scope="session", labels=LABELS)
    assert server.raw.labels["io.pytest-autoglm.worker"] == "controller"
    with open({str(seen)!r}, "a") as out:
        out.write(os.environ["PYTEST_XDIST_WORKER"] + " " + server.id + "\\n")
"""
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=6)
    rows = [line.split() for line in seen.read_text().splitlines()]
    assert {worker for worker, _ in rows} == {"gw0", "gw1"}
    assert len({container for _, container in rows}) == 1
    assert containers_with(token) == []
