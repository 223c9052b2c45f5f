"""Fixtures for the container tests: the real engine (no mocks), the local test images,
and a way to find the containers an inner pytest run left behind.

Tests that use ``engine`` skip with ``no container engine: ...`` when none answers, and
fail under ``--autoglm-require-docker`` (``./dev test-docker`` and CI pass it).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from container_images import ensure_images

# Import the modules an inner run uses out here: pytester drops modules first imported
# inside an inner run, and docker's would be imported again (slowly) for every run.
import pytest_autoglm._plugins.containers
import pytest_autoglm.containers._hardening
import pytest_autoglm.containers._in_pytest
import pytest_autoglm.containers._launch
import pytest_autoglm.containers._ready
import pytest_autoglm.containers._session

with contextlib.suppress(ImportError):  # without it, the tests skip through autoglm_docker
    import docker  # noqa: F401

#: label every inner run puts on its containers, valued with the test's own token
TOKEN_LABEL = "io.pytest-autoglm.test-token"


def inner_header(token: str) -> str:
    """The top of an inner run's test file: imports, and ``LABELS`` carrying the token."""
    return (
        "import os, time, pytest\n"
        "from pytest_autoglm.containers import http, log\n"
        f"LABELS = {{{TOKEN_LABEL!r}: {token!r}}}\n"
    )


@pytest.fixture(scope="session")
def engine(autoglm_docker: Any) -> Any:
    """The session's ContainerSession, with the test images built (once)."""
    ensure_images(autoglm_docker.client)
    return autoglm_docker


@pytest.fixture
def token() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
def containers_with(engine: Any) -> Callable[[str], list[Any]]:
    """The containers (running or not) whose test-token label has this value."""

    def find(value: str) -> list[Any]:
        return list(
            engine.client.containers.list(
                all=True, filters={"label": f"{TOKEN_LABEL}={value}"}, ignore_removed=True
            )
        )

    return find


@pytest.fixture
def inner_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress lines every 0.3 s in in-process inner runs (5 s by default)."""
    monkeypatch.setattr(pytest_autoglm.containers._ready, "PROGRESS_EVERY", 0.3)
