"""Whether a test's call phase failed, noted only for tests whose fixtures ask.

A fixture that acts differently after a failed test (the fake server then reports only
unexpected requests, not unused replies) calls :func:`track_call_outcome` when it is set
up: that registers one ``makereport`` wrapper for the rest of the session. A suite that
never uses such a fixture pays nothing per test.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

_CALL_FAILED = pytest.StashKey[bool]()
_NAME = "autoglm.call-outcome"


class _CallOutcome:
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "call" and report.failed:
            item.stash[_CALL_FAILED] = True
        return report


def track_call_outcome(config: pytest.Config) -> None:
    """Note from now on whether each test's call phase fails (call it from a fixture)."""
    if config.pluginmanager.get_plugin(_NAME) is None:
        config.pluginmanager.register(_CallOutcome(), _NAME)


def call_failed(item: pytest.Item) -> bool:
    """Whether the test's call phase failed; needs :func:`track_call_outcome` at its setup."""
    return item.stash.get(_CALL_FAILED, False)
