"""What needs no engine: the skip without one, argument checks, and the hardening rules."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from pytest_autoglm.containers import (
    CHECKS,
    ContainerSpec,
    ContainerUsageError,
    HardeningError,
    assert_container_hardened,
    http,
    log,
    violations,
)
from pytest_autoglm.containers._owner import HOST, PID_STARTED, Owner, owner_alive
from pytest_autoglm.containers._session import make_spec
from pytest_autoglm.containers._spec import exposes_engine_socket, short_label

NO_SOCKET = "unix:///nonexistent/autoglm/docker.sock"


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> pytest.Pytester:
    monkeypatch.setenv("DOCKER_HOST", NO_SOCKET)
    pytester.makepyfile(
        """
        def test_needs_a_container(autoglm_container):
            autoglm_container("busybox:latest")

        def test_plain():
            pass
        """
    )
    return pytester


def test_no_engine_skips_with_the_reason(no_engine: pytest.Pytester) -> None:
    result = no_engine.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"SKIPPED ?1? test_no_engine_skips_with_the_reason.py:1: no container engine: cannot reach {NO_SOCKET}: No such file or directory (start dockerd (or Docker Desktop), or set DOCKER_HOST to a running engine)"
        ]
    )


def test_require_docker_turns_the_skip_into_a_failure(no_engine: pytest.Pytester) -> None:
    result = no_engine.runpytest("--autoglm-require-docker")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "autoglm: *options: require-docker=True*",
            f"*no container engine: cannot reach {NO_SOCKET}: * ?--autoglm-require-docker?",
        ]
    )


def test_no_docker_sdk_skips_naming_the_extra(
    no_engine: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "docker", None)
    result = no_engine.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*no container engine: the docker SDK is not installed (run: pip install 'pytest-autoglm?docker?')"
        ]
    )


# -- arguments -------------------------------------------------------------------------------
def _kwargs(**arguments: Any) -> dict[str, Any]:
    return ContainerSpec(image="img:1", **arguments).create_kwargs("name", {"k": "v"})


def test_safe_defaults_become_engine_arguments() -> None:
    kwargs = _kwargs()
    assert kwargs["read_only"] is True
    assert kwargs["tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=256m"}
    assert kwargs["cap_drop"] == ["ALL"]
    assert kwargs["cap_add"] == []
    assert kwargs["security_opt"] == ["no-new-privileges:true"]
    assert kwargs["init"] is True
    assert kwargs["pids_limit"] == 1024
    assert kwargs["privileged"] is False
    assert "network_mode" not in kwargs
    assert kwargs["ports"] == {"8000/tcp": ("127.0.0.1", None)}
    assert kwargs["labels"] == {"k": "v"}
    assert "device_requests" not in kwargs


@pytest.mark.parametrize(
    ("argument", "value", "key", "expected"),
    [
        ("read_only", False, "read_only", False),
        ("tmpfs", {}, "tmpfs", {}),
        ("cap_drop", (), "cap_drop", []),
        ("cap_add", ["NET_ADMIN"], "cap_add", ["NET_ADMIN"]),
        ("no_new_privileges", False, "security_opt", []),
        ("init", False, "init", False),
        ("host", "0.0.0.0", "ports", {"8000/tcp": ("0.0.0.0", None)}),
        ("privileged", True, "privileged", True),
        ("host_network", True, "network_mode", "host"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_safe_default_is_opted_out_by_one_argument(
    argument: str, value: Any, key: str, expected: Any
) -> None:
    default, changed = _kwargs(), _kwargs(**{argument: value})
    assert changed[key] == expected
    differing = {k for k in default.keys() | changed.keys() if default.get(k) != changed.get(k)}
    assert differing == {key} | ({"ports"} if argument == "host_network" else set())


def test_pids_limit_none_lifts_the_limit() -> None:
    assert "pids_limit" not in _kwargs(pids_limit=None)


def test_ports_gpus_volumes_env() -> None:
    kwargs = _kwargs(
        ports={8000: None, "9000/udp": 19000},
        gpus="all",
        volumes={"/models": "/models", "/cache": {"bind": "/root/.cache", "mode": "rw"}},
        env={"N": 3},
        command=["serve", "--port", "8000"],
    )
    assert kwargs["ports"] == {"8000/tcp": ("127.0.0.1", None), "9000/udp": ("127.0.0.1", 19000)}
    (request,) = kwargs["device_requests"]
    assert (request["Count"], request["Capabilities"]) == (-1, [["gpu"]])
    assert _kwargs(gpus=2)["device_requests"][0]["Count"] == 2
    assert kwargs["volumes"] == {
        "/models": {"bind": "/models", "mode": "ro"},
        "/cache": {"bind": "/root/.cache", "mode": "rw"},
    }
    assert kwargs["environment"] == {"N": "3"}
    assert kwargs["command"] == ["serve", "--port", "8000"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"image": ""}, "image='': expected an image name such as 'busybox:1.36'"),
        (
            {"ports": {70000: None}},
            "ports: 70000 is not a container port; expected 8000 or '8000/tcp'",
        ),
        (
            {"ports": {8000: "x"}},
            "ports[8000]='x': expected None (a random host port) or a port number",
        ),
        (
            {"ports": [8000]},
            "ports=[8000]: expected a mapping such as {8000: None} (None: a random host port)",
        ),
        ({"gpus": True}, "gpus=True: expected a whole number >= 1, 'all', or None"),
        ({"timeout": 0}, "timeout=0: expected seconds > 0"),
        ({"pids_limit": 0}, "pids_limit=0: expected a whole number >= 1, or None for no limit"),
        ({"host": "localhost"}, "host='localhost': expected an IP address such as '127.0.0.1'"),
        ({"command": 5}, "command=5: expected a string or a list of strings"),
        (
            {"volumes": {"/m": 5}},
            "volumes['/m']=5: expected a container path, or {'bind': PATH, 'mode': 'ro' or 'rw'}",
        ),
        (
            {"ready": "log"},
            "ready='log': expected http('/health'), log(r'pattern'), http(...) & log(...), or None (ready once running)",
        ),
        ({"env": ["A=1"]}, "env=['A=1']: expected a mapping of variable names to values"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_bad_arguments_name_themselves(arguments: dict[str, Any], message: str) -> None:
    arguments = {"image": "img:1", **arguments}
    with pytest.raises(ContainerUsageError) as raised:
        ContainerSpec(**arguments)
    assert str(raised.value) == message


def test_unknown_argument_suggests_the_near_one() -> None:
    with pytest.raises(
        ContainerUsageError,
        match=r"unknown argument 'read_onyl' \(did you mean 'read_only'\?\); accepted: image, command, ports",
    ):
        make_spec("img:1", read_onyl=False)


@pytest.mark.parametrize(
    "path", ["/var/run/docker.sock", "/var/run", "/run", "/", "/home/me/.docker/run/docker.sock"]
)
def test_the_engine_socket_is_never_mounted_unless_asked(path: str) -> None:
    assert exposes_engine_socket(path)
    with pytest.raises(
        ContainerUsageError,
        match=r"gives the container the container engine's socket, i\.e\. root on the host; pass docker_socket=True",
    ):
        ContainerSpec(image="img:1", volumes={path: "/x"})
    assert ContainerSpec(image="img:1", volumes={path: "/x"}, docker_socket=True).volumes


def test_an_ordinary_path_is_not_the_socket(tmp_path: Any) -> None:
    assert not exposes_engine_socket(str(tmp_path))


@pytest.mark.parametrize(
    ("image", "label"),
    [
        ("vllm/vllm-openai:v0.12.0", "vllm-openai"),
        ("lmsysorg/sglang@sha256:abc", "sglang"),
        ("localhost:5000/x/y:z", "y"),
        ("busybox", "busybox"),
    ],
)
def test_short_label(image: str, label: str) -> None:
    assert short_label(image) == label


def test_probes_combine_and_check_their_arguments() -> None:
    both = http("/health") & log("ready")
    assert both.describe() == "GET /health answering 200 and a log line matching 'ready'"
    assert (both & log("x")).describe().count(" and ") == 2
    with pytest.raises(ContainerUsageError, match=r"log\('\('\): not a regular expression"):
        log("(")
    with pytest.raises(
        ContainerUsageError, match=r"http\(path='health'\): expected a path such as '/health'"
    ):
        http("health")


# -- hardening rules, on inspect data --------------------------------------------------------
SAFE: dict[str, Any] = {
    "Name": "/safe",
    "HostConfig": {
        "Privileged": False, "CapAdd": None, "CapDrop": ["ALL"], "ReadonlyRootfs": True,
        "PortBindings": {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
        "NetworkMode": "bridge", "PidMode": "", "IpcMode": "private",
        "SecurityOpt": ["no-new-privileges:true"],
    },
    "NetworkSettings": {"Ports": {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"}]}},
    "Mounts": [{"Type": "volume", "Source": "/var/lib/docker/volumes/x", "Destination": "/data", "RW": True}],
}  # fmt: skip


def test_a_safe_container_passes() -> None:
    assert violations(SAFE) == []
    assert_container_hardened(SAFE)


def test_every_violation_is_listed_with_its_fix() -> None:
    unsafe = {
        "Name": "/compose-vllm-1",
        "HostConfig": {
            "Privileged": True, "CapAdd": ["SYS_ADMIN", "NET_ADMIN"], "CapDrop": None,
            "ReadonlyRootfs": False,
            "PortBindings": {"8000/tcp": [{"HostIp": "", "HostPort": "8000"}, {"HostIp": "::", "HostPort": "8000"}]},
            "NetworkMode": "host", "PidMode": "host", "IpcMode": "host", "SecurityOpt": None,
        },
        "NetworkSettings": {"Ports": {}},
        "Mounts": [
            {"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": True},
            {"Type": "bind", "Source": "/srv/models", "Destination": "/models", "RW": False},
        ],
    }  # fmt: skip
    with pytest.raises(HardeningError) as raised:
        assert_container_hardened(unsafe)
    assert set(raised.value.violations) == set(CHECKS)
    assert str(raised.value).splitlines() == [
        "container compose-vllm-1 is not hardened: 12 violation(s)",
        "  - privileged: runs privileged: every device and capability (fix: drop --privileged (privileged=True))",
        "  - cap-add: added capabilities NET_ADMIN, SYS_ADMIN (fix: remove --cap-add (cap_add=...))",
        "  - cap-drop: keeps the engine's default capabilities (no cap_drop ALL) (fix: add --cap-drop ALL (cap_drop=('ALL',)))",
        "  - writable-root: root filesystem is writable (fix: add --read-only and a tmpfs for the paths it writes (read_only=True))",
        "  - public-port: 8000/tcp published on 0.0.0.0:8000 (every interface) (fix: publish on 127.0.0.1 only (-p 127.0.0.1::8000; host='127.0.0.1'))",
        "  - public-port: 8000/tcp published on :::8000 (every interface) (fix: publish on 127.0.0.1 only (-p 127.0.0.1::8000; host='127.0.0.1'))",
        "  - engine-socket: /var/run/docker.sock mounted at /var/run/docker.sock: root on the host (fix: do not mount the container engine's socket)",
        "  - host-path: host path /srv/models mounted read-only at /models (fix: mount named volumes, or host paths read-only and only those needed)",
        "  - host-network: shares the host's network namespace (fix: drop --network host (host_network=True))",
        "  - host-pid: shares the host's pid namespace (fix: drop --pid host)",
        "  - host-ipc: shares the host's ipc namespace (fix: drop --ipc host (use --shm-size for shared memory))",
        "  - no-new-privileges: no-new-privileges is not set (fix: add --security-opt no-new-privileges (no_new_privileges=True))",
    ]


def test_allow_accepts_named_checks_only() -> None:
    writable = {**SAFE, "HostConfig": {**SAFE["HostConfig"], "ReadonlyRootfs": False}}
    assert_container_hardened(writable, allow={"writable-root"})
    with pytest.raises(
        ContainerUsageError,
        match=r"allow: unknown check\(s\) 'writable'; accepted: privileged, cap-add",
    ):
        assert_container_hardened(writable, allow={"writable"})


def test_something_else_is_a_usage_error() -> None:
    with pytest.raises(ContainerUsageError, match="expected a container from autoglm_container"):
        assert_container_hardened("my-container")


def test_summary_names_what_was_swept() -> None:
    from pytest_autoglm.containers._session import ContainerSession

    session = ContainerSession(client=None)
    session.engine = "docker 26.1 (API 1.45) at unix:///run/docker.sock"
    assert session.summary() == []
    session.ready_seconds = [1.0, 3.0, 2.0]
    session.swept = ["autoglm-httpd-abc-1", "autoglm-vllm-def-2"]
    session.leftovers = ["autoglm-x-1: engine said no"]
    assert session.summary() == [
        "containers: 3 started on docker 26.1 (API 1.45) at unix:///run/docker.sock, median start-to-ready 2.00 s",
        "containers: swept 2 left by dead sessions: autoglm-httpd-abc-1, autoglm-vllm-def-2",
        "container NOT removed: autoglm-x-1: engine said no",
    ]


@pytest.mark.parametrize(
    ("shift", "alive"),
    [(0.0, True), (1.0, True), (-1.0, True), (-30.0, False), (3600.0, False)],
)
def test_owner_alive_tolerates_the_boot_time_step(shift: float, alive: bool) -> None:
    # Linux derives a start time from /proc/stat's boot time, which steps by whole seconds:
    # a live owner read a second apart is still alive; a pid reused later is not its owner.
    owner = Owner(session="s", pid=os.getpid())
    labels = owner.labels()
    labels[PID_STARTED] = f"{float(labels[PID_STARTED]) + shift:.2f}"
    assert owner_alive(labels) is alive


def test_owner_alive_without_a_start_time_trusts_the_pid() -> None:
    labels = {**Owner(session="s", pid=os.getpid()).labels(), PID_STARTED: ""}
    assert owner_alive(labels) is True
    assert owner_alive({**labels, HOST: "another-machine"}) is None
