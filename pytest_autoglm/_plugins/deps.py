"""Hooks, options and markers of the dependency checks (``pytest_autoglm.deps`` does the work).

- ``@pytest.mark.autoglm_requires("torch>=2.1", ...)`` skips a test whose requirements
  are not met (fails it under ``--autoglm-require-deps``). Requirements accumulate over
  module, class and function markers; each is parsed at collection, so a malformed one
  is a collection error naming it.
- ``--autoglm-check-deps[=warn|fail]`` checks the whole environment like ``pip check``
  at session start, in the xdist controller only. ``warn`` lists the conflicts at the
  foot of the header and in the summary; ``fail`` stops the session right there with a
  usage error (exit code 4) that lists them, before the header, workers or collection.

Nothing here imports ``packaging`` at load time; the checks import it when they run.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

import pytest

from pytest_autoglm._markers import MarkerSpec, register_when_marked
from pytest_autoglm._options import Option, flag_option, parse_bool
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._reasons import cut_list, plural
from pytest_autoglm._settings import settings_of
from pytest_autoglm._workers import is_xdist_worker

if TYPE_CHECKING:
    from pytest_autoglm.deps import DependencyReport, IgnoreRule
    from pytest_autoglm.deps._installed import Lookup

CheckMode = Literal["off", "warn", "fail"]
_MODES: tuple[CheckMode, ...] = ("off", "warn", "fail")
#: conflicts listed under the header, and in the summary, before "...and N more"
HEADER_LIMIT = 20
SUMMARY_LIMIT = 10


def parse_check_mode(text: str) -> CheckMode:
    """``off``, ``warn`` or ``fail``; the boolean words map to ``warn`` and ``off``."""
    lowered = text.strip().lower()
    for mode in _MODES:
        if lowered == mode:
            return mode
    try:
        return "warn" if parse_bool(lowered) else "off"
    except ValueError:
        raise ValueError("expected off, warn or fail") from None


def parse_ignores(text: str) -> tuple[IgnoreRule, ...]:
    """Ignore entries, parsed by :func:`pytest_autoglm.deps.parse_ignore_rules` (imported late)."""
    from pytest_autoglm.deps import parse_ignore_rules

    return parse_ignore_rules(text)


REQUIRE_DEPS: Option[bool] = flag_option(
    name="require-deps",
    help=(
        "Fail, rather than skip, a test whose autoglm_requires requirements are not met "
        "(on a runner that must have them, a missing package is a broken runner)."
    ),
)
CHECK_DEPS: Option[CheckMode] = Option(
    name="check-deps",
    help=(
        "At session start, check every installed distribution's requirements like pip check "
        "and list the conflicts under the header: warn lists them, fail also stops the "
        "session (exit code 4). A bare flag means warn."
    ),
    parse=parse_check_mode,
    default="off",
    metavar="MODE",
    accepted=(
        "off, warn, fail, or a boolean word (1/true/yes/on = warn); write "
        "--autoglm-check-deps=fail, since a bare flag before a path takes the path as its value"
    ),
    const="warn",
    choices=_MODES,
)
IGNORE_CONFLICTS: Option[tuple[IgnoreRule, ...]] = Option(
    name="ignore-conflicts",
    help=(
        "Conflicts that --autoglm-check-deps reports but never fails on, as 'OWNER: DEPENDENCY' "
        "(e.g. 'vllm: transformers' for the pin Open-AutoGLM's README says to ignore; * for any)."
    ),
    parse=parse_ignores,
    default=(),
    kind="list",
    metavar="OWNER: DEPENDENCY",
    accepted=(
        "'OWNER: DEPENDENCY' entries (distribution names, or * for any), one per ini line, "
        "separated by commas in the environment variable"
    ),
)
OPTIONS: tuple[Option[Any], ...] = (REQUIRE_DEPS, CHECK_DEPS, IGNORE_CONFLICTS)


def build_requires(*requirements: object, **kwargs: object) -> tuple[str, ...]:
    """The requirements a test carries (each positional argument must be a PEP 508 string;
    there are no keyword arguments), in order, without repeats."""
    from pytest_autoglm.deps._requires import parse_requirement

    if kwargs:
        raise TypeError(
            f"unknown argument {next(iter(kwargs))!r}: autoglm_requires takes PEP 508 strings "
            "only, e.g. autoglm_requires('torch>=2.1')"
        )
    if not requirements:
        raise ValueError("no requirement given, e.g. autoglm_requires('torch>=2.1')")
    for text in requirements:
        parse_requirement(text)  # raises DependencyError (a ValueError) naming the bad one
    return tuple(dict.fromkeys(str(t) for t in requirements))


REQUIRES = MarkerSpec(
    name="autoglm_requires",
    signature="*requirements",
    doc=(
        "skip the test unless every PEP 508 requirement is met by the installed distributions "
        "(fail instead under --autoglm-require-deps)"
    ),
    build=build_requires,
    accumulate=True,
)
MARKERS: tuple[MarkerSpec[Any], ...] = (REQUIRES,)

_LOOKUP = pytest.StashKey["Lookup"]()
_REPORT = pytest.StashKey["DependencyReport"]()


# -- autoglm_requires -------------------------------------------------------------------------


def _lookup(config: pytest.Config) -> Lookup:
    lookup = config.stash.get(_LOOKUP, None)
    if lookup is None:
        from pytest_autoglm.deps._installed import Lookup

        lookup = config.stash[_LOOKUP] = Lookup()
    return lookup


@pytest.hookimpl(tryfirst=True)
def _requires_setup(item: pytest.Item) -> None:
    """Skip (or fail) before any fixture is set up when a requirement is unmet."""
    requires = REQUIRES.options_for(item)
    if requires is None:
        return
    from pytest_autoglm.deps._requires import check_requirement, parse_requirement, unmet_reason

    lookup = _lookup(item.config)
    unmet = [
        u
        for text in requires
        if (u := check_requirement(text, parse_requirement(text), lookup)) is not None
    ]
    if not unmet:
        return
    reason = unmet_reason(unmet)
    if settings_of(item.config)[REQUIRE_DEPS]:
        pytest.fail(f"{reason} (--autoglm-require-deps makes this a failure)", pytrace=False)
    raise pytest.skip.Exception(reason, _use_item_location=True)


# -- --autoglm-check-deps ---------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_sessionstart(session: pytest.Session) -> Generator[None, None, None]:
    """Check before the header is written (it lists the result) and before xdist starts workers.

    Under ``fail`` a conflict stops the session right here, as a usage error listing the
    conflicts: nothing after this (the header, xdist's workers, collection) is worth its time.
    """
    config = session.config
    settings = settings_of(config)
    mode = settings[CHECK_DEPS]
    if mode != "off" and not is_xdist_worker(config):
        from pytest_autoglm.deps import check_dependencies

        report = check_dependencies(ignore=settings[IGNORE_CONFLICTS])
        if mode == "fail" and not report.ok:
            raise pytest.UsageError(_failure_message(report))
        config.stash[_REPORT] = report
    return (yield)


def _failure_message(report: DependencyReport) -> str:
    lines = [
        f"autoglm: {plural(len(report.conflicts), 'dependency conflict')} "
        "(--autoglm-check-deps=fail):",
        *(f"  {line}" for line in cut_list(map(str, report.conflicts), HEADER_LIMIT)),
        f"  {_ignore_hint(report)}",
    ]
    return "\n".join(lines)


def _ignore_hint(report: DependencyReport) -> str:
    example = report.conflicts[0].ignore_entry if report.conflicts else "vllm: transformers"
    return (
        "fix the environment, or silence a known harmless one in ini "
        f"autoglm_ignore_conflicts, e.g. {example!r}"
    )


def autoglm_header(config: pytest.Config) -> str | None:
    report = config.stash.get(_REPORT, None)
    if report is None:
        return None
    counts = "no conflicts" if report.ok else plural(len(report.conflicts), "conflict")
    if report.ignored:
        counts += f", {len(report.ignored)} ignored"
    return f"deps: {counts} in {plural(report.distributions, 'distribution')}"


@pytest.hookimpl(tryfirst=True)  # called first, so written last: at the foot of the header
def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """The conflicts, one per line, under the header (ignored ones too with ``-v``)."""
    report = config.stash.get(_REPORT, None)
    if report is None:
        return None
    lines = [str(c) for c in report.conflicts]
    if config.get_verbosity() > 0:
        lines += [f"{c} (ignored: {c.ignore_entry!r})" for c in report.ignored]
    if not lines:
        return None
    if not report.conflicts:
        title = f"autoglm: {plural(len(report.ignored), 'ignored dependency conflict')}"
    else:
        title = f"autoglm: {plural(len(report.conflicts), 'dependency conflict')}"
        title += f" ({len(report.ignored)} ignored)" if report.ignored else ""
    return [f"{title}:", *(f"  {line}" for line in cut_list(lines, HEADER_LIMIT))]


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    """The conflicts again at the foot of the run (where CI logs are read), and stale ignores."""
    report = config.stash.get(_REPORT, None)
    if report is None:
        return None
    lines = []
    if report.conflicts:
        lines.append(f"deps: {plural(len(report.conflicts), 'dependency conflict')}:")
        lines += [f"  {line}" for line in cut_list(map(str, report.conflicts), SUMMARY_LIMIT)]
        lines.append(f"  {_ignore_hint(report)}")
    lines += [
        f"deps: ignore entry {entry!r} matched no conflict; remove it from autoglm_ignore_conflicts"
        for entry in report.unused_ignores
    ]
    return lines or None


class _PerTestHooks:
    """Per-test requirement check, registered only when some collected test uses autoglm_requires."""

    pytest_runtest_setup = staticmethod(_requires_setup)


def pytest_collection_finish(session: pytest.Session) -> None:
    register_when_marked(session, (REQUIRES,), _PerTestHooks(), "autoglm.deps.per-test")


__dir__ = plugin_dir(globals())
