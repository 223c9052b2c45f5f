"""The frame every capability plugs into: the hooks of the entry point (``plugin.py``).

Each capability lives in its own plugin module under ``pytest_autoglm/_plugins/``, which
declares ``OPTIONS`` and ``MARKERS`` and implements its own hooks and fixtures; the list
of them is :mod:`pytest_autoglm._features`. These hooks register those modules, add
every option to one ``autoglm`` group, register every marker, check marker arguments at
collection, and write the one ``autoglm:`` header line and the ``autoglm`` summary section.

This module is loaded with the normal loader, inside ``plain_imports()`` (see
:mod:`pytest_autoglm._plain_imports`); ``plugin.py``, which pytest loads through its
assertion-rewrite hook, only names these hooks. Importing it must stay cheap: no torch,
docker, pynvml, hypothesis, respx or httpx here or in any ``_plugins`` module's top level.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from functools import cache
from types import ModuleType
from typing import Any

import pytest

from pytest_autoglm._features import FEATURES, all_markers, all_options, feature_modules
from pytest_autoglm._markers import (
    KIT_MARKS_KEY,
    KIT_MARKS_USED_KEY,
    MarkerError,
    MarkerSpec,
    kit_marks,
)
from pytest_autoglm._plain_imports import plain_imports
from pytest_autoglm._settings import settings_of


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    with plain_imports():
        from pytest_autoglm import _hookspecs

        modules = feature_modules()
    pluginmanager.add_hookspecs(_hookspecs)
    for name, module in zip(FEATURES, modules, strict=True):
        if not pluginmanager.is_registered(module):
            pluginmanager.register(module, f"autoglm.{name}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autoglm", "AutoGLM testing kit (pytest-autoglm)")
    for option in all_options():
        option.register(group, parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for spec in all_markers():
        config.addinivalue_line("markers", spec.ini_line)
    # resolve every option now, so a bad value stops the run before collection
    settings_of(config).resolve_all(all_options())


@cache
def _specs() -> dict[str, MarkerSpec[Any]]:
    return {spec.name: spec for spec in all_markers()}


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Turn a marker used with bad arguments into a collection error naming the argument."""
    report = yield
    if not report.passed:
        return report
    errors = []
    specs = _specs()
    names = frozenset(specs)
    inherited: dict[int, frozenset[str]] = {}
    for node in report.result:
        if not isinstance(node, pytest.Item):
            continue
        for name in sorted(kit_marks(node, names, inherited)):
            spec = specs[name]
            try:
                spec.options_for(node)
            except MarkerError as exc:
                errors.append(f"{node.nodeid}: {exc}")
    if errors:
        report.outcome = "failed"
        report.longrepr = "\n".join(errors)
        report.result = []
    return report


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Generator[None, None, None]:
    """Note which of the kit's markers each test carries, after every other plugin and
    conftest has added its own (markers added later, at run time, are not seen), and
    which of them any test carries."""
    yield
    names = frozenset(_specs())
    inherited: dict[int, frozenset[str]] = {}
    used: set[str] = set()
    for item in items:
        marks = item.stash[KIT_MARKS_KEY] = kit_marks(item, names, inherited)
        if marks:
            used |= marks
    config.stash[KIT_MARKS_USED_KEY] = frozenset(used)


def _capabilities(config: pytest.Config) -> Iterator[ModuleType]:
    """The capability modules registered in this run (``-p no:autoglm.<name>`` drops one)."""
    return (module for module in feature_modules() if config.pluginmanager.is_registered(module))


def pytest_report_header(config: pytest.Config) -> str:
    # The capabilities' fragments are plain calls, not hookimpls: 19 fewer hooks for pluggy
    # to register in every run. Conftests and other plugins add theirs through the hook.
    fragments = [
        fragment
        for module in _capabilities(config)
        if (header := getattr(module, "autoglm_header", None)) and (fragment := header(config))
    ]
    fragments += [f for f in reversed(config.hook.pytest_autoglm_header(config=config)) if f]
    explicit = settings_of(config).explicit()
    if explicit:
        fragments.append("options: " + ", ".join(explicit))
    return "autoglm: " + ("; ".join(fragments) if fragments else "all defaults")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = [
        summary(config)
        for module in _capabilities(config)
        if (summary := getattr(module, "autoglm_summary", None))
    ]
    results += reversed(config.hook.pytest_autoglm_summary(config=config))
    lines = [line for lines in results if lines for line in lines]
    if lines:
        terminalreporter.write_sep("-", "autoglm")
        for line in lines:
            terminalreporter.write_line(line)
