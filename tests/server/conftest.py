"""Fixtures for the fake server's own tests: one server per transport, clients per HTTP stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_autoglm.server import FakeServer

TRANSPORTS = ["respx", "http"]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(transport: str) -> Iterator[FakeServer]:
    """A started fake server on each transport; strict checks run at teardown."""
    with FakeServer(transport=transport, export_env=False) as fake:
        yield fake
    fake.verify()
