"""A live server to record from: a fake on the loopback transport, scripted per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_autoglm.server import FakeServer


@pytest.fixture
def live() -> Iterator[FakeServer]:
    """The "live" server a recording passes through to (a real HTTP server on 127.0.0.1)."""
    with FakeServer(transport="http", export_env=False, strict=False) as server:
        yield server
