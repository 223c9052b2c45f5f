"""The one ``autoglm:`` header line and the ``autoglm`` summary section."""

from __future__ import annotations

import pytest

from pytest_autoglm._features import FEATURES, all_options

#: every capability that writes a header fragment by default, blocked
QUIET = [arg for name in FEATURES for arg in ("-p", f"no:autoglm.{name}")]


def _header(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("autoglm:")]


def _section(result: pytest.RunResult) -> list[str]:
    """The lines of the ``autoglm`` summary section, up to the next separator."""
    lines = result.outlines
    starts = [i for i, line in enumerate(lines) if line.startswith("-") and " autoglm " in line]
    if not starts:
        return []
    body = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith(("=", "-")):
            break
        body.append(line)
    return body


def test_header_without_contributions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=1)
    assert _header(result) == ["autoglm: all defaults"]


def test_header_lists_explicit_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest(*QUIET, "--autoglm-server-seed=7")
    assert _header(result) == ["autoglm: options: server-seed=7"]


def test_header_joins_fragments_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_autoglm_header(config):
            return "demo fragment"
        """
    )
    pytester.makepyfile("def test_ok(): pass")
    assert _header(pytester.runpytest(*QUIET)) == ["autoglm: demo fragment"]
    # with the capabilities' own fragments, still one line, fragments joined by "; "
    header = _header(pytester.runpytest())
    assert len(header) == 1
    fragments = header[0].removeprefix("autoglm: ").split("; ")
    assert "demo fragment" in fragments
    assert len(fragments) > 1


def test_summary_section_only_when_there_is_something_to_say(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    quiet = pytester.runpytest()
    quiet.assert_outcomes(passed=1)
    assert _section(quiet) == []
    assert not [line for line in quiet.outlines if " autoglm " in line and line.startswith("-")]
    pytester.makeconftest(
        """
        def pytest_autoglm_summary(config):
            return ["demo line one", "demo line two"]
        """
    )
    result = pytester.runpytest()
    assert _section(result) == ["demo line one", "demo line two"]


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass\ndef test_kit(autoglm_gpus): pass")
    result = pytester.runpytest_subprocess("-p", "no:autoglm")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'autoglm_gpus' not found*"])
    assert _header(result) == []
    assert (
        "--autoglm-" not in pytester.runpytest_subprocess("-p", "no:autoglm", "--help").stdout.str()
    )


def test_help_lists_the_autoglm_group_and_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["AutoGLM testing kit (pytest-autoglm):", "*--autoglm-*"])
    text = result.stdout.str()
    missing = [option.flag for option in all_options() if option.flag not in text]
    assert not missing
