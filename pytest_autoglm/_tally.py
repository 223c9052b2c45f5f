"""Counting the kit's verdicts once, at the end of the run, instead of on every report.

A capability that gates or checks a test writes its verdict into the report's
``user_properties`` (which xdist carries from worker to controller). The terminal reporter
keeps every report of the run, so the summary reads the verdicts there: no hook runs per
test to tally them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

_TAGGED_KEY = pytest.StashKey[list[pytest.TestReport]]()


def _with_properties(config: pytest.Config) -> list[pytest.TestReport]:
    """The run's reports that carry any user property, found in one pass over all reports
    (every capability's summary reads them: the pass is shared)."""
    found = config.stash.get(_TAGGED_KEY, None)
    if found is not None:
        return found
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    found = []
    if reporter is not None:
        for reports in reporter.stats.values():
            found.extend(r for r in reports if getattr(r, "user_properties", None))
    config.stash[_TAGGED_KEY] = found
    return found


def any_tagged(config: pytest.Config) -> bool:
    """Whether any report of the run carries a user property (a summary with nothing to
    count stops here, before it imports what it would count with)."""
    return bool(_with_properties(config))


def tagged_reports(
    config: pytest.Config, name: str, when: str
) -> Iterator[tuple[pytest.TestReport, str]]:
    """Each report of phase ``when`` that carries property ``name``, with its last value.

    Read once the run is over (the summary): the reports are gathered on the first call.
    """
    for report in _with_properties(config):
        if getattr(report, "when", None) != when:
            continue
        values = [value for key, value in report.user_properties if key == name]
        if values:
            yield report, str(values[-1])
