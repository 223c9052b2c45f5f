"""The markers and the option, run the way users run them (pytester)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

LEAKY = """
import pytest

HISTORY = []

@pytest.mark.autoglm_no_leak
def test_leaky():
    HISTORY.append(bytes(4096))

@pytest.mark.autoglm_no_leak
def test_clean():
    chunks = [bytes(4096) for _ in range(10)]
"""


def test_a_leak_fails_with_a_summary_and_a_named_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_agent=LEAKY)
    result = pytester.runpytest("-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_leaky _*",
            "leaked 4.0 KiB/round over 20 rounds (Python heap)",
            "top growing allocation sites:",
            "+4.0 KiB/round (+1.0 blocks/round) at test_agent.py:7",
            "    test_agent.py:7: HISTORY.append(bytes(4096))",
            "*- autoglm leaks -*",
            "5 warm-up rounds, then 20 measured rounds, then 20 more (below): the first 20 "
            "grew (Python heap 4.0 KiB/round*); so did the next",
            "Python heap: 4.0 KiB/round (halves *), threshold 512 B/round, *: LEAK",
            "RSS: *: ok",
            "*- autoglm -*",
            "leak check: 2 checked, 1 leaked",
            "FAILED test_agent.py::test_leaky - LeakError: leaked 4.0 KiB/round*",
        ]
    )
    # the kit's own frames stay out of the report
    assert "_check.py" not in result.stdout.str()


def test_the_report_reaches_junit_xml(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_agent=LEAKY)
    result = pytester.runpytest("--junitxml=report.xml")
    result.assert_outcomes(passed=1, failed=1)
    cases = {
        case.get("name"): case for case in ET.parse(pytester.path / "report.xml").iter("testcase")
    }
    failure = cases["test_leaky"].find("failure")
    assert failure is not None
    assert failure.get("message") == "LeakError: leaked 4.0 KiB/round over 20 rounds (Python heap)"
    assert failure.text is not None
    assert "top growing allocation sites:" in failure.text
    assert "test_agent.py:7: HISTORY.append(bytes(4096))" in failure.text
    verdicts = {
        name: {p.get("name"): p.get("value") for p in case.iter("property")}
        for name, case in cases.items()
    }
    assert verdicts["test_clean"] == {
        "autoglm_leak_check": "no leak over 20 rounds (Python heap, RSS, C heap)"
    }
    assert verdicts["test_leaky"]["autoglm_leak_check"].startswith("leaked 4.0 KiB/round")


def test_the_body_repeats_with_the_same_fixture_values(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_rounds="""
        import pytest

        SETUPS, CALLS = [], []

        @pytest.fixture
        def session():
            SETUPS.append(1)
            return object()

        @pytest.mark.autoglm_no_leak(rounds=8, warmup=2)
        def test_body(session):
            CALLS.append(id(session))

        def test_counts():
            assert len(SETUPS) == 1
            assert len(CALLS) == 10
            assert len(set(CALLS)) == 1
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_failure_in_round_three_fails_normally(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_flaky="""
        import pytest

        CALLS = []

        @pytest.mark.autoglm_no_leak
        def test_third_call_breaks():
            CALLS.append(1)
            assert len(CALLS) != 3, "third call"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '>       assert len(CALLS) != 3, "third call"',
            "E       AssertionError: third call",
            "E       (in warm-up round 3 of 5 of the leak check)",
            "test_flaky.py:8: AssertionError",
            "leak check: 1 checked, 0 leaked, 1 failed in a round",
        ]
    )


def test_logging_and_printing_per_round_are_not_leaks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_noisy="""
        import logging
        import pytest

        log = logging.getLogger("agent")

        @pytest.mark.autoglm_no_leak
        def test_logs(caplog):
            log.warning("step done %s", "x" * 200)
            assert len(caplog.records) == 1  # each round sees its own records

        @pytest.mark.autoglm_no_leak
        def test_prints(capsys):
            print("screenshot" * 100)

        @pytest.mark.autoglm_no_leak
        def test_prints_under_fd_capture():
            print("screenshot" * 100)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


def test_hypothesis_tests_do_not_trip_the_check(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_props="""
        import pytest
        from hypothesis import given, settings, strategies as st

        @pytest.mark.autoglm_no_leak
        @settings(max_examples=5, database=None, deadline=None)
        @given(st.lists(st.integers(), max_size=20))
        def test_sort_is_idempotent(xs):
            assert sorted(sorted(xs)) == sorted(xs)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize("leaks", [False, True], ids=["clean", "leaky"])
def test_async_tests_repeat_inside_one_event_loop(pytester: pytest.Pytester, leaks: bool) -> None:
    pytester.makepyfile(
        test_async=f"""
        import asyncio
        import pytest

        HISTORY, LOOPS = [], set()

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        @pytest.mark.autoglm_no_leak(rounds=10, warmup=2)
        async def test_agent_step():
            LOOPS.add(id(asyncio.get_running_loop()))
            await asyncio.sleep(0)
            if {leaks}:
                HISTORY.append(bytes(8192))

        def test_one_loop():
            assert len(LOOPS) == 1
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    if leaks:
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["leaked 8.* KiB/round over 10 rounds (Python heap)*"])
    else:
        result.assert_outcomes(passed=2)


def test_xfail_raises_leak_error_documents_a_known_leak(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_known="""
        import pytest
        from pytest_autoglm.leaks import LeakError

        CACHE = []

        @pytest.mark.xfail(raises=LeakError, reason="issue #12: screenshots kept", strict=True)
        @pytest.mark.autoglm_no_leak
        def test_known_leak():
            CACHE.append(bytes(4096))
        """
    )
    pytester.runpytest().assert_outcomes(xfailed=1)


def test_a_marked_unittest_case_warns_that_it_is_not_repeated(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_legacy="""
        import unittest
        import pytest

        class TestLegacy(unittest.TestCase):
            @pytest.mark.autoglm_no_leak
            def test_marked(self):
                pass

            @pytest.mark.autoglm_no_leak(False)
            def test_opted_out(self):
                pass
        """
    )
    result = pytester.runpytest("-W", "default::pytest.PytestWarning")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        ["*PytestWarning: @pytest.mark.autoglm_no_leak has no effect on a unittest.TestCase*"]
    )


# -- --autoglm-leak-check -----------------------------------------------------------------------
NIGHTLY = """
import pytest

HISTORY = []

def test_unmarked_leak():
    HISTORY.append(bytes(4096))

@pytest.mark.autoglm_no_leak(False)
def test_opted_out():
    HISTORY.append(bytes(4096))

@pytest.mark.autoglm_no_leak(False)
class TestOptedOut:
    @pytest.mark.autoglm_no_leak(True, rounds=6)  # positional arguments: the nearest marker's
    def test_nearest_marker_wins(self):
        HISTORY.append(bytes(4096))
"""


def test_leak_check_option_checks_every_test_that_does_not_opt_out(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_nightly=NIGHTLY)
    result = pytester.runpytest("--autoglm-leak-check")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "autoglm: *leak check: every test (--autoglm-leak-check)*",
            "leak check: 2 checked, 2 leaked",
            "FAILED test_nightly.py::test_unmarked_leak - LeakError: *",
            "FAILED test_nightly.py::TestOptedOut::test_nearest_marker_wins - LeakError: *",
        ]
    )


def test_without_the_option_unmarked_tests_run_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nightly=NIGHTLY)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    assert "leak check: every test" not in result.stdout.str()


def test_leak_check_from_ini_and_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_nightly=NIGHTLY)
    pytester.makeini("[pytest]\nautoglm_leak_check = true\n")
    pytester.runpytest().assert_outcomes(passed=1, failed=2)
    monkeypatch.setenv("AUTOGLM_LEAK_CHECK", "off")
    pytester.runpytest().assert_outcomes(passed=2, failed=1)


def test_a_bad_option_value_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_LEAK_CHECK", "nightly")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*AUTOGLM_LEAK_CHECK (environment): invalid value 'nightly'*1, true, yes, on*"]
    )


def test_help_lists_the_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--autoglm-leak-check*", "*autoglm_no_leak*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("autoglm_no_leak(round=5)", "unknown argument 'round' (did you mean 'rounds'?)"),
        ("autoglm_no_leak(rounds=2)", "rounds must be a whole number >= 6, got 2"),
        ("autoglm_no_leak(cpu='lots')", "cpu='lots': invalid size 'lots'"),
        ("autoglm_no_leak(True, False)", "takes 1 positional argument(s) but 2 were given"),
        ("autoglm_memory_limit(cpu='big')", "cpu='big': invalid size 'big'"),
        ("autoglm_memory_limit()", "give cpu= and/or gpu="),
        ("autoglm_memory_limit(rss='1 GiB')", "unknown argument 'rss'"),
    ],
)
def test_bad_marker_arguments_are_collection_errors(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        test_bad=f"""
        import pytest

        @pytest.mark.{marker}
        def test_it():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    assert message in result.stdout.str()


# -- autoglm_memory_limit -----------------------------------------------------------------------
def test_memory_limit_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_limits="""
        import pytest

        @pytest.mark.autoglm_memory_limit(cpu="1 MiB")
        def test_over():
            frame = bytearray(3 * 1024 * 1024)

        @pytest.mark.autoglm_memory_limit(cpu="8 MiB", gpu="1 GiB")
        def test_under():
            frame = bytearray(3 * 1024 * 1024)

        @pytest.mark.autoglm_memory_limit(cpu="64 MiB")
        @pytest.mark.autoglm_no_leak(rounds=6, warmup=1)
        def test_both():
            frame = bytearray(1024 * 1024)
        """
    )
    result = pytester.runpytest("-rf")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_over _*",
            "memory limit exceeded: needs a Python heap peak <= 1.0 MiB; found 3.0 MiB",
            "FAILED test_limits.py::test_over - MemoryLimitError: memory limit exceeded: *",
        ]
    )


# -- real plugin loading, xdist -----------------------------------------------------------------
def test_under_xdist_the_verdicts_reach_the_controller(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_agent=LEAKY)
    result = pytester.runpytest_subprocess("-n", "2", "-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "leaked 4.0 KiB/round over 20 rounds (Python heap)",
            "*- autoglm leaks -*",
            "leak check: 2 checked, 1 leaked",
            "FAILED test_agent.py::test_leaky - LeakError: leaked 4.0 KiB/round*",
        ]
    )
    assert re.search(r"top growing allocation sites:\n\+4\.0 KiB/round", result.stdout.str())


@pytest.mark.parametrize("api", ["no_leak", "assert_no_leak", "memory_limit"])
def test_the_code_api_in_an_unmarked_test_gets_the_short_report(
    pytester: pytest.Pytester, api: str
) -> None:
    # No marker and no --autoglm-leak-check: the per-test hooks are registered when the
    # code API is first used, so its failure reads as the marker's does.
    body = {
        "no_leak": "with no_leak() as check:\n        for _ in check:\n            HISTORY.append(bytes(4096))",
        "assert_no_leak": "assert_no_leak(lambda: HISTORY.append(bytes(4096)))",
        "memory_limit": "with memory_limit(cpu='1 MiB'):\n        HISTORY.append(bytes(4 * 2**20))",
    }[api]
    pytester.makepyfile(
        test_agent=f"""
from pytest_autoglm import assert_no_leak, memory_limit, no_leak

HISTORY = []

def test_plain():
    assert True

def test_leaky():
    {body}
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    error = "MemoryLimitError" if api == "memory_limit" else "LeakError"
    result.stdout.fnmatch_lines([f"FAILED test_agent.py::test_leaky - {error}: *"])
    output = result.stdout.str()
    for kit_module in ("_check.py", "_limit.py", "_api.py"):  # the kit's frames stay out
        assert kit_module not in output, output
