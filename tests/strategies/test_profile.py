"""The ``autoglm-ci`` hypothesis profile and ``--autoglm-hypothesis-profile``."""

from __future__ import annotations

import pytest
from hypothesis import settings

SHOW_PROFILE = """
from hypothesis import settings

def test_show():
    current = settings.default
    print("PROFILE", settings.get_current_profile_name(), current.derandomize,
          current.deadline, current.print_blob, current.database)
"""


@pytest.fixture
def show(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(SHOW_PROFILE)
    return pytester


@pytest.mark.parametrize(
    "args",
    [["--autoglm-hypothesis-profile=autoglm-ci"], ["--hypothesis-profile=autoglm-ci"]],
    ids=["our-flag", "hypothesis-flag"],
)
def test_the_ci_profile_is_derandomized_without_deadline_and_prints_blobs(
    show: pytest.Pytester, args: list[str]
) -> None:
    before = settings.get_current_profile_name()
    try:
        result = show.runpytest("-s", *args)
        after = settings.get_current_profile_name()
    finally:
        settings.load_profile(before)  # hypothesis's own flag leaves its profile loaded
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PROFILE autoglm-ci True None True None"])
    if args[0].startswith("--autoglm"):
        assert after == before  # ours puts back the profile of the run around it


def test_environment_and_ini_select_the_profile(
    show: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_HYPOTHESIS_PROFILE", "autoglm-ci")
    show.runpytest("-s").stdout.fnmatch_lines(["*PROFILE autoglm-ci *"])
    monkeypatch.delenv("AUTOGLM_HYPOTHESIS_PROFILE")
    show.makeini("[pytest]\nautoglm_hypothesis_profile = autoglm-ci\n")
    show.runpytest("-s").stdout.fnmatch_lines(["*PROFILE autoglm-ci *"])


def test_a_profile_registered_in_a_conftest_can_be_chosen(show: pytest.Pytester) -> None:
    show.makeconftest(
        "from hypothesis import settings\n"
        "settings.register_profile('nightly', settings.get_profile('default'), max_examples=7)\n"
    )
    result = show.runpytest("-s", "--autoglm-hypothesis-profile", "nightly")
    result.stdout.fnmatch_lines(["*PROFILE nightly False *"])


@pytest.mark.parametrize(
    "flag", ["--autoglm-hypothesis-profile", "--hypothesis-profile"], ids=["ours", "hypothesis"]
)
def test_the_header_names_the_ci_profile(show: pytest.Pytester, flag: str) -> None:
    before = settings.get_current_profile_name()
    try:
        result = show.runpytest(f"{flag}=autoglm-ci")
    finally:
        settings.load_profile(before)
    result.stdout.fnmatch_lines(["autoglm: *hypothesis profile autoglm-ci*"])


def test_the_header_is_quiet_without_a_profile(show: pytest.Pytester) -> None:
    before = settings.get_current_profile_name()
    settings.load_profile("default")  # this suite itself may run under autoglm-ci
    try:
        result = show.runpytest()
    finally:
        settings.load_profile(before)
    assert "hypothesis profile" not in result.stdout.str()


def test_an_unknown_profile_is_a_usage_error_listing_the_registered_ones(
    show: pytest.Pytester,
) -> None:
    result = show.runpytest("--autoglm-hypothesis-profile=nihgtly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --autoglm-hypothesis-profile: invalid value 'nihgtly': no hypothesis profile"
            " of that name; registered: autoglm-ci, ci, default*register_profile()*"
        ]
    )


def test_a_malformed_profile_name_is_a_usage_error(show: pytest.Pytester) -> None:
    result = show.runpytest("--autoglm-hypothesis-profile", "ci profile")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --autoglm-hypothesis-profile: invalid value 'ci profile': *no spaces*accepted:*"]
    )


def test_importing_the_strategies_registers_the_profile() -> None:
    import pytest_autoglm.strategies  # noqa: F401

    ci = settings.get_profile("autoglm-ci")
    assert (ci.derandomize, ci.deadline, ci.print_blob) == (True, None, True)


def test_a_plain_run_does_not_import_hypothesis(pytester: pytest.Pytester) -> None:
    # Registering the profile must cost nothing when no one asked for hypothesis.
    pytester.makepyfile(
        """
        import sys
        def test_plain():
            assert "hypothesis" not in sys.modules
        """
    )
    plain = pytester.runpytest_subprocess("-p", "no:respx", "-p", "no:anyio", "-p", "no:memray")
    plain.assert_outcomes(passed=1)
