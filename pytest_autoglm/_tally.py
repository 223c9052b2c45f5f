"""Counting the kit's verdicts once, at the end of the run, instead of on every report.

A capability that gates or checks a test writes its verdict into the report's
``user_properties`` (which xdist carries from worker to controller). The terminal reporter
keeps every report of the run, so the summary reads the verdicts there: no hook runs per
test to tally them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def tagged_reports(
    config: pytest.Config, name: str, when: str
) -> Iterator[tuple[pytest.TestReport, str]]:
    """Each report of phase ``when`` that carries property ``name``, with its last value."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    for reports in reporter.stats.values():
        for report in reports:
            properties = getattr(report, "user_properties", None)
            if not properties or getattr(report, "when", None) != when:
                continue
            values = [value for key, value in properties if key == name]
            if values:
                yield report, str(values[-1])
