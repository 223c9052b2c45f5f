"""Fixtures of the deployment check: the live server from ``--autoglm-base-url``, its facts,
and the figures printed at the end (time to first token, tokens per second)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from httpx import TransportError

from pytest_autoglm._settings import settings_of
from pytest_autoglm.cassettes._options import BASE_URL, MODEL
from pytest_autoglm.conformance._checks import ServerFacts
from pytest_autoglm.conformance._client import Client
from pytest_autoglm.conformance._findings import Finding, NotApplicable

DEFAULT_MODEL = "autoglm-phone-9b"
_FIGURES = pytest.StashKey[dict[str, str]]()
T = TypeVar("T")


@pytest.fixture(scope="session")
def conformance_model(pytestconfig: pytest.Config) -> str:
    """The served model name the check asks for (``--autoglm-model``, else autoglm-phone-9b)."""
    return settings_of(pytestconfig)[MODEL] or DEFAULT_MODEL


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server to check the run is a usage error, not eleven quiet skips."""
    here = Path(__file__).parent
    if settings_of(config)[BASE_URL] is None and any(here in item.path.parents for item in items):
        raise pytest.UsageError(
            "the deployment check needs the server to check: pytest --pyargs "
            "pytest_autoglm.conformance --autoglm-base-url http://HOST:PORT/v1 "
            "(or set AUTOGLM_BASE_URL)"
        )


@pytest.fixture(scope="session")
def conformance_client(pytestconfig: pytest.Config) -> Iterator[Client]:
    """A client of the server under check; every check errors at once if it is not reachable."""
    base_url = settings_of(pytestconfig)[BASE_URL]
    if base_url is None:
        pytest.skip("the deployment check needs the server: pass --autoglm-base-url URL")
    from pytest_autoglm.secrets import find_api_key, secret_registry

    key = find_api_key(os.environ)
    if key is not None:
        secret_registry(pytestconfig).add(key, name=key.source)
    client = Client(base_url, key)
    try:
        unreachable = client.unreachable()
        if unreachable is not None:
            pytest.fail(unreachable, pytrace=False)
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def conformance_facts(conformance_client: Client, conformance_model: str) -> ServerFacts:
    """What /v1/models says of the served model (the models check reports a failure)."""
    from pytest_autoglm.conformance._checks import models

    try:
        return models(conformance_client, conformance_model)
    except Finding:
        return ServerFacts(conformance_model, conformance_model, None)


@pytest.fixture
def conformance_run(pytestconfig: pytest.Config) -> Callable[..., Any]:
    """Run one check: a finding fails the test with its text, not-applicable skips it."""

    def run(check: Callable[..., T], *args: Any) -> T:
        try:
            return check(*args)
        except Finding as finding:
            failure = str(finding)
        except TransportError as exc:  # the server went away during the run
            failure = f"the server stopped answering: {type(exc).__name__}: {exc}"
        except NotApplicable as reason:  # reported at the test, not at this helper
            raise pytest.skip.Exception(str(reason), _use_item_location=True) from None
        pytest.fail(failure, pytrace=False)  # outside the except: no chained traceback

    return run


def note_figure(config: pytest.Config, name: str, value: str) -> None:
    """A figure for the summary at the end of the run."""
    config.stash.setdefault(_FIGURES, {})[name] = value


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(_FIGURES, None)
    if figures:
        terminalreporter.write_sep("-", "autoglm deployment check")
        for name, value in figures.items():
            terminalreporter.write_line(f"{name}: {value}")
