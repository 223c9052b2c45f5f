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
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pytest
from _pytest._code.code import TerminalRepr  # not re-exported by pytest; stable since pytest 3
from _pytest.config import ConftestImportFailure  # the same

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
    redacted = registry.redact(rendered)  # also pieces cut across strings (a skipped diff)
    return redacted if redacted != rendered else longrepr


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
            (registry.redact(name), _redact_value(value, registry))
            for name, value in report.user_properties
        ]


def redact_node_ids(
    nodes: Iterable[pytest.Item | pytest.Collector], registry: SecretRegistry
) -> None:
    """Take secrets out of the names and ids of freshly collected nodes, in place.

    A secret in a test id (a ``bytes`` parameter, ``ids=``, ``pytest.param(id=...)``) would
    otherwise reach everything keyed by the id: junit xml, ``--report-log``, the cache's
    ``lastfailed`` and ``nodeids``, and the ``tmp_path`` folder named after the test.
    Done before anything reads the id (``pytest_itemcollected`` comes after the report).
    """
    for node in nodes:
        if registry.contains_secret(node.nodeid):
            node.name = registry.redact(node.name)
            _set_nodeid(node, registry.redact(node.nodeid))
            keywords = getattr(node.keywords, "_markers", None)  # the name and the param id
            if isinstance(keywords, dict):
                for key in [k for k in keywords if registry.contains_secret(k)]:
                    keywords[registry.redact(key)] = keywords.pop(key)


def _set_nodeid(node: Any, nodeid: str) -> None:
    """pytest keeps no public setter: ``_id`` (a ``NodeId``) since pytest 9.1, else ``_nodeid``."""
    current = getattr(node, "_id", None)
    if current is not None and hasattr(type(current), "parse"):
        node._id = type(current).parse(nodeid)
    else:
        node._nodeid = nodeid


def redact_terminal_repr(excrepr: Any, registry: SecretRegistry) -> None:
    """Redact an exception repr in place (``pytest_internalerror``'s, before junit xml and the
    terminal print it)."""
    _scrub(excrepr, registry.redact, set())


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


class RedactingStream:
    """A text stream (``sys.stdout``, ``sys.stderr``) whose ``write`` redacts; the rest is the
    wrapped stream's.

    Installed before pytest starts capturing, it is what capturing puts back while it is
    suspended, what ``--capture=tee-sys`` copies to, what ``capsys.disabled()`` and ``-s``
    write to, and what pytest's terminal writes to. Bytes written to ``.buffer`` or to the
    file descriptor itself (a subprocess under ``-s``) do not pass through it.
    """

    def __init__(self, inner: Any, registry: SecretRegistry) -> None:
        self.inner = inner
        self._registry = registry

    def write(self, text: str) -> int:
        self.inner.write(self._registry.redact(text) if isinstance(text, str) else text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def redact_std_streams(registry: SecretRegistry) -> Callable[[], None]:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in :class:`RedactingStream`; returns the undo."""
    wrapped: dict[str, RedactingStream] = {}
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            wrapped[name] = RedactingStream(stream, registry)
            setattr(sys, name, wrapped[name])

    def undo() -> None:
        for name, wrapper in wrapped.items():
            if getattr(sys, name) is wrapper:  # leave it alone if someone replaced it since
                setattr(sys, name, wrapper.inner)

    return undo


def redact_debug_log(config: pytest.Config, registry: SecretRegistry) -> None:
    """Redact ``--debug``'s log: pluggy's tracer writes every hook call's arguments to it."""
    root = config.trace.root
    write = getattr(root, "_writer", None)  # pluggy's TagTracer keeps no public getter
    if write is not None and not getattr(write, "redacts", False):

        def redacting(text: str) -> None:
            write(registry.redact(text))

        redacting.redacts = True  # type: ignore[attr-defined]
        root.setwriter(redacting)


def re_emit_captured(config: pytest.Config, registry: SecretRegistry) -> None:
    """Write what conftest imports printed now, redacted, instead of at the end of the run.

    pytest keeps it in the global capture and writes it out when capturing stops, with
    ``--capture=fd`` straight to the file descriptor, past every Python-level wrapper
    (under xdist, the controller's output of a worker's conftest import goes the same way).
    """
    capman = config.pluginmanager.get_plugin("capturemanager")
    if capman is None or not hasattr(capman, "read_global_capture"):
        return
    out, err = capman.read_global_capture()
    if out:
        sys.stdout.write(registry.redact(out))
    if err:
        sys.stderr.write(registry.redact(err))


def redacted_conftest_failure(
    failure: ConftestImportFailure, registry: SecretRegistry
) -> BaseException:
    """``failure`` as pytest would print it, redacted, as a ``UsageError`` (same exit code 4).

    pytest prints a conftest's import error after the session's cleanup, past every
    redaction; the failure itself is returned when it holds no secret.
    """
    shown = pytest.ExceptionInfo.from_exception(failure.cause).getrepr(style="short", chain=False)
    text = f"ImportError while loading conftest '{failure.path}'.\n{shown}"
    redacted = registry.redact(text)
    return failure if redacted == text else pytest.UsageError(redacted)
