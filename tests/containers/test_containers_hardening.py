"""assert_container_hardened on real containers: the kit's, and deliberately unsafe ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from container_images import HANG, HTTPD

from pytest_autoglm.containers import CHECKS, HardeningError, assert_container_hardened, log

pytestmark = pytest.mark.usefixtures("engine")


def test_every_opt_out_shows_up_as_a_violation(
    autoglm_container: Callable[..., Any], tmp_path: Path
) -> None:
    # privileged=True is left out: this sandboxed engine refuses it ("unable to apply caps");
    # the unit tests cover how a privileged container's inspect data is judged.
    unsafe = autoglm_container(
        HTTPD,
        ready=log("server ready"),
        read_only=False, cap_drop=(), cap_add=["NET_ADMIN"], no_new_privileges=False,
        host="0.0.0.0", volumes={str(tmp_path): "/data"},
    )  # fmt: skip
    with pytest.raises(HardeningError) as raised:
        assert_container_hardened(unsafe)
    assert raised.value.violations == (
        "cap-add", "cap-drop", "writable-root", "public-port", "host-path",
        "no-new-privileges",
    )  # fmt: skip
    message = str(raised.value)
    assert f"container {unsafe.name} is not hardened: 6 violation(s)" in message
    assert "8000/tcp published on 0.0.0.0:" in message
    assert f"host path {tmp_path} mounted read-only at /data" in message


def test_a_deployment_started_outside_the_kit(engine: Any) -> None:
    """As a user checks the container their compose file or script started."""
    raw = engine.client.containers.create(
        HANG, network_mode="host", pid_mode="host", ipc_mode="host",
        volumes={"/var/run": {"bind": "/host-run", "mode": "rw"}},
        labels={"io.pytest-autoglm.test-token": "outside"},
    )  # fmt: skip
    try:
        raw.start()
        with pytest.raises(HardeningError) as raised:
            assert_container_hardened(engine.client.containers.get(raw.id))
        assert set(raised.value.violations) == set(CHECKS) - {
            "privileged", "cap-add", "public-port", "host-path",
        }  # fmt: skip
        assert "/var/run mounted at /host-run: root on the host" in str(raised.value)
    finally:
        raw.remove(force=True)
