"""The one ``autoglm:`` header line and the ``autoglm`` summary section."""

from __future__ import annotations

import pytest


def test_header_without_contributions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("-p", "no:autoglm.server", "-p", "no:autoglm.gpu")
    assert len([line for line in result.outlines if line.startswith("autoglm:")]) == 1


def test_header_joins_fragments_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_autoglm_header(config):
            return "demo fragment"
        """
    )
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest()
    header = [line for line in result.outlines if line.startswith("autoglm:")]
    assert len(header) == 1
    assert "demo fragment" in header[0]


def test_summary_section_only_when_there_is_something_to_say(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    assert "autoglm" not in "\n".join(
        line for line in pytester.runpytest().outlines if line.startswith("-")
    )
    pytester.makeconftest(
        """
        def pytest_autoglm_summary(config):
            return ["demo line one", "demo line two"]
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*- autoglm -*", "demo line one", "demo line two"])


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest_subprocess("-p", "no:autoglm")
    result.assert_outcomes(passed=1)
    assert not [line for line in result.outlines if line.startswith("autoglm:")]


def test_help_lists_the_autoglm_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["AutoGLM testing kit (pytest-autoglm):", "*--autoglm-*"])
