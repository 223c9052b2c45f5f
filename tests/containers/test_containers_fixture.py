"""The autoglm_container fixture against a real engine: defaults, ports, readiness, errors."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from conftest import inner_header
from container_images import CRASH, HANG, HTTPD

from pytest_autoglm.containers import assert_container_hardened, http, log

pytestmark = pytest.mark.usefixtures("engine")


def test_safe_defaults_seen_by_inspection(autoglm_container: Callable[..., Any]) -> None:
    server = autoglm_container(HTTPD, ready=http("/health"))
    host = server.raw.attrs["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert "/tmp" in host["Tmpfs"]
    assert host["CapDrop"] == ["ALL"]
    assert not host["CapAdd"]
    assert host["SecurityOpt"] == ["no-new-privileges:true"]
    assert host["Init"] is True
    assert host["PidsLimit"] == 1024
    assert host["Privileged"] is False
    assert host["NetworkMode"] != "host"
    assert host["PortBindings"] == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    assert not [m for m in server.raw.attrs["Mounts"] if m["Type"] == "bind"]
    labels = server.raw.labels
    assert labels["io.pytest-autoglm.test"].endswith("test_safe_defaults_seen_by_inspection")
    assert {"io.pytest-autoglm.session", "io.pytest-autoglm.pid"} <= labels.keys()
    # the root filesystem is read-only from inside; /tmp is writable
    _, output = server.exec(["sh", "-c", "touch /x 2>&1 || echo denied; touch /tmp/y && echo ok"])
    assert output.split() == ["touch:", "/x:", "Read-only", "file", "system", "denied", "ok"]
    assert_container_hardened(server)


def test_port_is_random_on_loopback_and_read_back(autoglm_container: Callable[..., Any]) -> None:
    server = autoglm_container(HTTPD, ready=http("/health"))
    port = server.port(8000)
    published = server.raw.attrs["NetworkSettings"]["Ports"]["8000/tcp"]
    assert published == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    assert server.url("/health") == f"http://127.0.0.1:{port}/health"
    with urllib.request.urlopen(server.url("/v1/models"), timeout=5) as response:
        assert b"autoglm-phone-9b" in response.read()
    # nothing listens on that port on the machine's other addresses
    others = {
        info[4][0]
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        if not info[4][0].startswith("127.")
    }
    for address in others:
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection((address, port), timeout=2),
        ):
            pass


def test_readiness_by_log_then_http_and_log(autoglm_container: Callable[..., Any]) -> None:
    by_log = autoglm_container(HTTPD, ready=log(r"server ready on port \d+"), env={"DELAY": "1"})
    assert "server ready on port 8000" in by_log.logs()
    both = autoglm_container(HTTPD, ready=http("/health") & log("server ready"))
    with urllib.request.urlopen(both.url("/health"), timeout=5) as response:
        assert response.read() == b"ok\n"


def test_http_probe_waits_for_the_server(autoglm_container: Callable[..., Any]) -> None:
    server = autoglm_container(HTTPD, ready=http("/health"), env={"DELAY": "1"})
    # ready means answering: the first request after the fixture returns succeeds
    with urllib.request.urlopen(server.url("/health"), timeout=5) as response:
        assert response.status == 200
    assert server.ready_seconds is not None


def test_a_status_other_than_200_can_be_awaited(autoglm_container: Callable[..., Any]) -> None:
    server = autoglm_container(HTTPD, ready=http("/missing", status=404))
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(server.url("/missing"), timeout=5)
    raised.value.close()
    assert raised.value.code == 404


def _inner(pytester: pytest.Pytester, body: str, token: str) -> None:
    pytester.makepyfile(inner_header(token) + body)


def test_early_exit_fails_at_once_with_exit_code_and_logs(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    _inner(
        pytester,
        f"""
def test_crash(autoglm_container):
    autoglm_container("{CRASH}", ready=http("/health"), timeout=600, labels=LABELS)
""",
        token,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*container crash (autoglm-test/crash:local) exited while waiting for GET /health answering 200: exit code 3; last 2 log line(s):",
            "*    loading model",
            "*    CUDA error: out of memory",
        ]
    )
    result.stdout.no_fnmatch_line("*not ready after*")
    result.stdout.no_fnmatch_line("*pytest_autoglm/*")  # the message, not the kit's frames
    assert containers_with(token) == []


def test_deadline_names_what_it_waited_for(
    pytester: pytest.Pytester,
    token: str,
    containers_with: Callable[[str], list[Any]],
    inner_env: None,
) -> None:
    _inner(
        pytester,
        f"""
def test_hang(autoglm_container):
    autoglm_container("{HANG}", ready=http("/health"), timeout=1.5, labels=LABELS)
""",
        token,
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=0, failed=1)
    result.stdout.fnmatch_lines(
        [
            "autoglm: waiting for hang (0 s): last log line: loading model forever",
            "*container hang (autoglm-test/hang:local) not ready after 1.5 s: waited for GET /health answering 200; it is still running*",
            "*    loading model forever",
        ]
    )
    assert containers_with(token) == []


def test_progress_lines_while_waiting(
    pytester: pytest.Pytester, token: str, inner_env: None
) -> None:
    _inner(
        pytester,
        f"""
def test_slow(autoglm_container):
    autoglm_container("{HTTPD}", name="vllm", ready=log("server ready"), env={{"DELAY": "2"}}, labels=LABELS)
""",
        token,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["autoglm: waiting for vllm (? s): last log line: starting stand-in server"]
    )


def test_missing_image_names_the_pull_command_and_pulls_nothing(
    pytester: pytest.Pytester, engine: Any, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    images_before = {image.id for image in engine.client.images.list()}
    _inner(
        pytester,
        """
def test_absent(autoglm_container):
    autoglm_container("autoglm-test/absent:never", labels=LABELS)
""",
        token,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*image 'autoglm-test/absent:never' is not on the container engine, and the kit never pulls implicitly; run:",
            "*    docker pull autoglm-test/absent:never",
        ]
    )
    assert {image.id for image in engine.client.images.list()} == images_before
    assert containers_with(token) == []


def test_scope_module_shares_one_container(
    pytester: pytest.Pytester, token: str, containers_with: Callable[[str], list[Any]]
) -> None:
    _inner(
        pytester,
        f"""
IDS = []

@pytest.mark.parametrize("n", [1, 2])
def test_shared(autoglm_container, n):
    IDS.append(autoglm_container("{HTTPD}", ready=http("/health"), scope="module", labels=LABELS).id)

def test_own(autoglm_container):
    assert autoglm_container("{HTTPD}", ready=http("/health"), labels=LABELS).id not in IDS

def test_same():
    assert len(IDS) == 2 and IDS[0] == IDS[1]
""",
        token,
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4)
    assert containers_with(token) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            "ports={'http': None}",
            "ports: 'http' is not a container port; expected 8000 or '8000/tcp'",
        ),
        ("gpus=0", "gpus=0: expected a whole number >= 1, 'all', or None"),
        (
            "scope='worker'",
            "scope='worker': expected one of function, class, module, package, session",
        ),
        ("redy=None", "unknown argument 'redy' (did you mean 'ready'?)*"),
        ("ready='/health'", "ready='/health': expected http('/health'), log(r'pattern')*"),
    ],
    ids=["port", "gpus", "scope", "typo", "ready"],
)
def test_bad_arguments_name_the_culprit(
    pytester: pytest.Pytester, token: str, arguments: str, message: str
) -> None:
    _inner(
        pytester,
        f"""
def test_bad(autoglm_container):
    autoglm_container("{HTTPD}", {arguments})
""",
        token,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"E * {message}", "test_bad_arguments_name_the_culprit.py:*"])
