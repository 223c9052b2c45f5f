"""Hooks, options and markers of the leaks capability.

``autoglm_no_leak`` repeats the test body with the same fixture values and
``autoglm_memory_limit`` measures the peak of the same call, by wrapping ``item.obj``
inside ``pytest_pyfunc_call`` (the wrappers live in :mod:`pytest_autoglm.leaks._marked`).
Failures are raised inside the call, so ``-x``, ``xfail(raises=)``
and xdist treat them like any assertion; the report then shows the message without the
kit's frames and a named section with every source's trend.
"""

from __future__ import annotations

import functools
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import (
    MarkerSpec,
    deferred_keyword_builder,
    marks_in_use,
    register_when_marked,
)
from pytest_autoglm._options import Option, flag_option
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._settings import settings_of
from pytest_autoglm._tally import any_tagged, tagged_reports
from pytest_autoglm.leaks._defaults import (
    DEFAULT_CPU,
    DEFAULT_GPU,
    DEFAULT_ROUNDS,
    DEFAULT_RSS,
    DEFAULT_WARMUP,
)
from pytest_autoglm.leaks._seam import registrars

if TYPE_CHECKING:
    from pytest_autoglm.leaks._thresholds import LeakOptions, LimitOptions

LEAK_CHECK = flag_option(
    name="leak-check",
    help=(
        "apply a default autoglm_no_leak check to every test that does not opt out with "
        "@pytest.mark.autoglm_no_leak(False) (for nightly runs)"
    ),
)


def _leak_options() -> type[LeakOptions]:
    from pytest_autoglm.leaks._thresholds import LeakOptions

    return LeakOptions


def _limit_options() -> type[LimitOptions]:
    from pytest_autoglm.leaks._thresholds import LimitOptions

    return LimitOptions


NO_LEAK = MarkerSpec(
    name="autoglm_no_leak",
    signature=(
        f"enabled=True, *, rounds={DEFAULT_ROUNDS}, warmup={DEFAULT_WARMUP}, "
        f'cpu="{DEFAULT_CPU}", rss="{DEFAULT_RSS}", gpu="{DEFAULT_GPU}"'
    ),
    doc=(
        "run the test body warmup+rounds times and fail on steady memory growth per round "
        "above cpu (Python heap), rss (process RSS and C heap) or gpu (CUDA allocator, "
        "confirmed by the driver); sizes per round, None turns a source off"
    ),
    build=deferred_keyword_builder(_leak_options, positional=("enabled",)),
)

MEMORY_LIMIT = MarkerSpec(
    name="autoglm_memory_limit",
    signature="*, cpu=None, gpu=None",
    doc=(
        "fail the test when its peak Python heap (tracemalloc) or CUDA allocator memory "
        "goes over cpu or gpu (size strings)"
    ),
    build=deferred_keyword_builder(_limit_options),
)

OPTIONS: tuple[Option[Any], ...] = (LEAK_CHECK,)
MARKERS: tuple[MarkerSpec[Any], ...] = (NO_LEAK, MEMORY_LIMIT)


def leak_options_for(item: pytest.Item) -> LeakOptions | None:
    """The leak check that applies to ``item``: its marker, else the ``--autoglm-leak-check`` default."""
    options = NO_LEAK.options_for(item)
    if options is None and settings_of(item.config)[LEAK_CHECK]:
        options = _leak_options()()
    return options if options is not None and options.enabled else None


def _warn_unittest_items(items: list[pytest.Item]) -> None:
    """A marked ``unittest.TestCase`` test cannot be repeated: say so rather than pass silently."""
    for item in items:
        if type(item).__name__ != "TestCaseFunction":  # _pytest.unittest's item type
            continue
        options = NO_LEAK.options_for(item)
        if options is not None and options.enabled:
            item.warn(
                pytest.PytestWarning(
                    "@pytest.mark.autoglm_no_leak has no effect on a unittest.TestCase test "
                    "(pytest calls it without the hook the leak check wraps); call "
                    "pytest_autoglm.assert_no_leak() inside the test instead"
                )
            )


@pytest.hookimpl(wrapper=True)
def _pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    leak = leak_options_for(pyfuncitem)
    limit = MEMORY_LIMIT.options_for(pyfuncitem)
    if leak is None and limit is None:
        return (yield)
    from pytest_autoglm.leaks._marked import limited, repeating

    original = pyfuncitem.obj
    wrapped = original
    if limit is not None:
        wrapped = limited(limit, wrapped)
    if leak is not None:
        wrapped = repeating(pyfuncitem, leak, wrapped)
    pyfuncitem.obj = wrapped
    try:
        return (yield)
    finally:
        pyfuncitem.obj = original


@pytest.hookimpl(wrapper=True)
def _runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when != "call":
        return report
    from pytest_autoglm.leaks._errors import LeakError, MemoryLimitError
    from pytest_autoglm.leaks._verdicts import SECTION, TABLE_KEY

    table = item.stash.get(TABLE_KEY, None)
    if table is not None:
        report.sections.append((SECTION, table))
    excinfo = call.excinfo
    if (
        report.failed
        and excinfo is not None
        and isinstance(excinfo.value, LeakError | MemoryLimitError)
    ):
        # The message is the whole story; the kit's own frames would only add noise.
        longrepr = excinfo.getrepr(style="value")
        summary = getattr(excinfo.value, "summary", str(excinfo.value))
        if longrepr.reprcrash is not None:  # the short summary and junit's message="..."
            longrepr.reprcrash.message = f"{type(excinfo.value).__name__}: {summary}"
        report.longrepr = longrepr
    return report


def autoglm_header(config: pytest.Config) -> str | None:
    if settings_of(config)[LEAK_CHECK]:
        return "leak check: every test (--autoglm-leak-check)"
    return None


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    if not any_tagged(config):
        return None
    from pytest_autoglm.leaks._verdicts import VERDICT_PROPERTY

    verdicts = [verdict for _, verdict in tagged_reports(config, VERDICT_PROPERTY, "call")]
    if not verdicts:
        return None
    parts = [
        f"{len(verdicts)} checked",
        f"{sum(1 for v in verdicts if v.startswith('leaked'))} leaked",
    ]
    warned = sum(1 for v in verdicts if v.startswith("warning"))
    failed_in_round = sum(1 for v in verdicts if v.startswith("error"))
    if warned:
        parts.append(f"{warned} with GPU warnings")
    if failed_in_round:
        parts.append(f"{failed_in_round} failed in a round")
    return ["leak check: " + ", ".join(parts)]


class _PerTestHooks:
    """Per-test leak and memory-limit hooks, registered only when a collected test is checked
    (a marker, or --autoglm-leak-check)."""

    pytest_pyfunc_call = staticmethod(_pyfunc_call)
    pytest_runtest_makereport = staticmethod(_runtest_makereport)


_PER_TEST = "autoglm.leaks.per-test"


def _register_per_test(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(_PER_TEST):
        config.pluginmanager.register(_PerTestHooks(), _PER_TEST)


def pytest_configure(config: pytest.Config) -> None:
    # the code API used in an unmarked test registers the per-test hooks then
    registrar = functools.partial(_register_per_test, config)
    registrars.append(registrar)
    config.add_cleanup(lambda: registrars.remove(registrar))


def pytest_collection_finish(session: pytest.Session) -> None:
    if marks_in_use(session.config, (NO_LEAK,)):
        _warn_unittest_items(session.items)
    if settings_of(session.config)[LEAK_CHECK]:
        _register_per_test(session.config)
        return
    register_when_marked(session, (NO_LEAK, MEMORY_LIMIT), _PerTestHooks(), _PER_TEST)


__dir__ = plugin_dir(globals())
