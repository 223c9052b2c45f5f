"""Taking registered secrets out of everything pytest writes.

Reports are redacted where they are made (``pytest_runtest_makereport``,
``pytest_make_collect_report``) and where xdist's controller rebuilds them from a
worker, so the terminal, junit xml, ``--report-log`` and any other consumer of reports
only ever see ``***``. Warnings are redacted before any plugin records them. As a last
line of defence, the terminal writer and pytest's log-file and live-log handlers redact
whatever else is written through them (other plugins' summaries, ``log_cli`` output).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from _pytest._code.code import TerminalRepr  # not re-exported by pytest; stable since pytest 3

from pytest_autoglm.secrets._registry import SecretRegistry

if TYPE_CHECKING:
    from _pytest._io import TerminalWriter

Redact = Callable[[str], str]


def _scrub(obj: Any, redact: Redact, seen: set[int]) -> Any:
    """Redact every string reachable from a report's ``TerminalRepr`` tree, in place."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, list):
        obj[:] = [_scrub(item, redact, seen) for item in obj]
        return obj
    if isinstance(obj, tuple):
        items = [_scrub(item, redact, seen) for item in obj]
        return tuple(items) if type(obj) is tuple else type(obj)(*items)  # namedtuples
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = _scrub(value, redact, seen)
        return obj
    if isinstance(obj, TerminalRepr) and id(obj) not in seen:
        seen.add(id(obj))
        for name, value in getattr(obj, "__dict__", {}).items():
            object.__setattr__(obj, name, _scrub(value, redact, seen))
    return obj


def redact_longrepr(longrepr: Any, registry: SecretRegistry) -> Any:
    """A report's ``longrepr`` without secrets: redacted in place where possible.

    Keeping the structured form keeps pytest's short summary (``FAILED t.py::x - msg``)
    and colours. If a secret still shows in the rendered text (a repr class this walk
    does not know), the longrepr becomes its redacted rendering.
    """
    if longrepr is None:
        return None
    if isinstance(longrepr, str):
        return registry.redact(longrepr)
    if isinstance(longrepr, tuple):  # skip reasons: (path, lineno, reason)
        return tuple(registry.redact(x) if isinstance(x, str) else x for x in longrepr)
    longrepr = _scrub(longrepr, registry.redact, set())
    rendered = str(longrepr)
    if registry.contains_secret(rendered):
        return registry.redact(rendered)
    return longrepr


def redact_report(
    report: pytest.TestReport | pytest.CollectReport, registry: SecretRegistry
) -> None:
    """Take secrets out of a report's failure text, captured sections and user properties."""
    if not registry.active:
        return
    report.longrepr = redact_longrepr(report.longrepr, registry)
    report.sections = [(title, registry.redact(body)) for title, body in report.sections]
    wasxfail = getattr(report, "wasxfail", None)
    if isinstance(wasxfail, str):  # the xfail reason lives outside longrepr
        report.wasxfail = registry.redact(wasxfail)  # type: ignore[union-attr]
    if isinstance(report, pytest.TestReport) and report.user_properties:  # junit <properties>
        report.user_properties = [
            (name, _redact_value(value, registry)) for name, value in report.user_properties
        ]


def redact_item_sections(item: pytest.Item, registry: SecretRegistry) -> None:
    """Redact the captured output an item has collected so far, where pytest keeps it.

    Each phase's report copies every section so far (the teardown report repeats the
    call's output), so redacting the source once keeps the count to real occurrences.
    """
    sections = getattr(item, "_report_sections", None)
    if registry.active and isinstance(sections, list):
        sections[:] = [(when, key, registry.redact(body)) for when, key, body in sections]


def _redact_value(value: object, registry: SecretRegistry) -> object:
    if isinstance(value, str):
        return registry.redact(value)
    text = str(value)
    return registry.redact(text) if registry.contains_secret(text) else value


def redact_warning(message: Any, registry: SecretRegistry) -> None:
    """Redact a ``warnings.WarningMessage`` before the terminal or report log records it."""
    if not registry.active:
        return
    text = str(message.message)
    redacted = registry.redact(text)
    if redacted != text:
        message.message = _same_category(message.category, redacted)
    if message.line:
        message.line = registry.redact(message.line)


def _same_category(category: type[Warning], text: str) -> Warning:
    """A warning of the original category whose text is ``text`` (plain Warning if it won't)."""
    try:
        rebuilt = category(text)
    except Exception:  # a category with its own __init__ signature
        return Warning(text)
    return rebuilt if str(rebuilt) == text else Warning(text)


def redact_terminal(writer: TerminalWriter, registry: SecretRegistry) -> None:
    """Make ``writer`` redact everything written through it (all terminal output of pytest)."""
    write = writer.write

    def redacting_write(msg: str, *, flush: bool = False, **markup: bool) -> None:
        write(registry.redact(msg), flush=flush, **markup)

    writer.write = redacting_write  # type: ignore[method-assign]


class RedactingFormatter(logging.Formatter):
    """Wraps a handler's formatter so formatted records come out redacted.

    It redacts the formatted text rather than the record, because the same record also
    goes to ``caplog``, where a test may assert on the real value.
    """

    def __init__(self, inner: logging.Formatter, registry: SecretRegistry) -> None:
        super().__init__()
        self.inner = inner
        self.registry = registry

    def format(self, record: logging.LogRecord) -> str:
        return self.registry.redact(self.inner.format(record))


def redact_log_handlers(config: pytest.Config, registry: SecretRegistry) -> None:
    """Redact ``--log-file`` and ``log_cli`` output (captured log sections are in reports)."""
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    for attribute in ("log_file_handler", "log_cli_handler"):
        handler = getattr(plugin, attribute, None)
        formatter = getattr(handler, "formatter", None)
        if (
            isinstance(handler, logging.Handler)
            and isinstance(formatter, logging.Formatter)
            and not isinstance(formatter, RedactingFormatter)
        ):
            handler.setFormatter(RedactingFormatter(formatter, registry))
