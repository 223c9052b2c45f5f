"""The per-report redaction hooks, registered once the first secret is.

Separate from the plugin module (``_plugins/secrets.py``) because that one is imported by
every pytest run; this one only when a secret is registered (an env file or environment
variable holding one, or ``autoglm_api_key``). The stash key of the redacted standard
streams comes in as an argument: nothing here imports the wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_autoglm.secrets._registry import SecretRegistry


class Redaction:
    """The per-report hooks, registered once the first secret is (a suite without secrets
    pays nothing per test). Reports are redacted where they are made, and again where
    xdist's controller rebuilds them from a worker."""

    def __init__(
        self, registry: SecretRegistry, undo_streams_key: pytest.StashKey[Callable[[], None]]
    ) -> None:
        self.registry = registry
        #: set in the config's stash when ``sys.stdout``/``sys.stderr`` are already redacted
        self.undo_streams_key = undo_streams_key

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Redact the terminal and pytest's log files (a historic hook: when registered
        after configuration, pluggy calls it at once)."""
        from pytest_autoglm.secrets._scrub import (
            redact_debug_log,
            redact_log_handlers,
            redact_terminal,
        )

        streams = self.undo_streams_key in config.stash  # the terminal writes to sys.stdout then
        if not streams and config.pluginmanager.get_plugin("terminalreporter") is not None:
            redact_terminal(config.get_terminal_writer(), self.registry)
        redact_log_handlers(config, self.registry)
        redact_debug_log(config, self.registry)  # --debug sets its writer after parsing

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        from pytest_autoglm.secrets._scrub import redact_item_sections, redact_report

        redact_item_sections(item, self.registry)  # before the report copies them
        report = yield
        redact_report(report, self.registry)
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(
        self,
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        from pytest_autoglm.secrets._scrub import redact_node_ids, redact_report

        report = yield
        redact_report(report, self.registry)
        redact_node_ids(report.result, self.registry)
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_report_from_serializable(self) -> Generator[None, Any, Any]:
        """Redact reports that xdist's controller rebuilds from a worker (secrets the worker
        registered at run time were already redacted there)."""
        from pytest_autoglm.secrets._scrub import redact_report

        report = yield
        if isinstance(report, pytest.TestReport | pytest.CollectReport):
            redact_report(report, self.registry)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_internalerror(self, excrepr: Any) -> None:
        from pytest_autoglm.secrets._scrub import redact_terminal_repr

        redact_terminal_repr(excrepr, self.registry)  # before junit xml and the terminal
