"""The plugin as users run it: ``autoglm_requires``, ``--autoglm-require-deps``, ``--autoglm-check-deps``."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_autoglm.deps import check_dependencies


@pytest.fixture
def stack(on_path: Any) -> Any:
    """The AutoGLM stack as Open-AutoGLM's README installs it: vLLM 0.12 with transformers 5 rc."""
    on_path.add("vllm", "0.12.0", ["transformers<5,>=4.56.0", "xformers==0.0.33"])
    on_path.add("transformers", "5.0.0rc1")
    return on_path


class TestRequiresMarker:
    def test_met_unmet_and_missing(self, pytester: pytest.Pytester, on_path: Any) -> None:
        on_path.add("transformers", "4.57.1")
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.autoglm_requires("transformers>=4.25,<6")
            def test_met(): pass

            @pytest.mark.autoglm_requires("transformers>=5.0.0rc0")
            def test_too_old(): pass

            @pytest.mark.autoglm_requires("no-such-dist>=1")
            def test_missing(): pass

            @pytest.mark.autoglm_requires("no-such-dist; python_version < '3'")
            def test_marker_does_not_apply(): pass
            """
        )
        result = pytester.runpytest("-rs")
        result.assert_outcomes(passed=2, skipped=2)
        result.stdout.fnmatch_lines(
            [
                "SKIPPED [[]1[]] test_met_unmet_and_missing.py:6: "
                "needs transformers>=5.0.0rc0; found 4.57.1",
                "SKIPPED [[]1[]] test_met_unmet_and_missing.py:9: "
                "needs no-such-dist>=1; found not installed",
            ],
            consecutive=True,
        )

    def test_a_skipped_test_sets_up_no_fixture(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            """
            import pytest

            @pytest.fixture
            def expensive():
                raise AssertionError("set up although the test is skipped")

            @pytest.mark.autoglm_requires("no-such-dist")
            def test_skipped(expensive): pass
            """
        )
        pytester.runpytest().assert_outcomes(skipped=1)

    @pytest.mark.parametrize(
        "how",
        ["flag", "env", "ini"],
    )
    def test_require_deps_makes_an_unmet_requirement_an_error(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
    ) -> None:
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.autoglm_requires("no-such-dist>=1")
            def test_needs_it(): pass

            def test_plain(): pass
            """
        )
        args = []
        if how == "flag":
            args.append("--autoglm-require-deps")
        elif how == "env":
            monkeypatch.setenv("AUTOGLM_REQUIRE_DEPS", "yes")
        else:
            pytester.makeini("[pytest]\nautoglm_require_deps = true\n")
        result = pytester.runpytest(*args)
        result.assert_outcomes(passed=1, errors=1)
        result.stdout.fnmatch_lines(
            [
                "*needs no-such-dist>=1; found not installed "
                "(--autoglm-require-deps makes this a failure)"
            ]
        )

    def test_requirements_add_up_across_module_class_and_function(
        self, pytester: pytest.Pytester, on_path: Any
    ) -> None:
        on_path.add("torch", "2.5.0")
        pytester.makepyfile(
            """
            import pytest

            pytestmark = pytest.mark.autoglm_requires("torch>=2.1")

            @pytest.mark.autoglm_requires("no-class-dist")
            class TestInClass:
                def test_class_level(self): pass

                @pytest.mark.autoglm_requires("torch>=3")
                def test_every_level(self): pass

            def test_module_level_only(): pass

            @pytest.mark.autoglm_requires("torch>=2.1")
            def test_repeated(): pass
            """
        )
        result = pytester.runpytest("-rs")
        result.assert_outcomes(passed=2, skipped=2)
        result.stdout.fnmatch_lines_random(
            [
                "SKIPPED*:7: needs no-class-dist; found not installed",
                "SKIPPED*:9: needs no-class-dist, torch>=3; "
                "found no-class-dist not installed, torch 2.5.0",
            ]
        )

    def test_bad_use_is_a_collection_error_naming_it(self, pytester: pytest.Pytester) -> None:
        cases = {
            "malformed": ('("torch>>2")', "invalid requirement 'torch>>2'*PEP 508*"),
            "keyword": (
                '("torch", reason="why")',
                "unknown argument 'reason'*PEP 508 strings only*",
            ),
            "empty_call": ("()", "no requirement given*"),
            "bare": ("", "no requirement given*"),
            "list": (
                '(["torch", "numpy"])',
                "requirement [[]'torch', 'numpy'[]] is a list, not a*",
            ),
        }
        # one run for all cases: pytest collects every module before it stops on errors
        pytester.makepyfile(
            **{
                f"test_{name}": f"import pytest\n\n@pytest.mark.autoglm_requires{decoration}\n"
                "def test_it(): pass\n"
                for name, (decoration, _) in cases.items()
            }
        )
        result = pytester.runpytest()
        result.assert_outcomes(errors=len(cases))
        for name, (_, message) in cases.items():
            result.stdout.fnmatch_lines(
                [f"test_{name}.py::test_it: @pytest.mark.autoglm_requires: {message}"]
            )

    def test_a_malformed_requirement_further_out_is_still_caught(
        self, pytester: pytest.Pytester
    ) -> None:
        pytester.makepyfile(
            """
            import pytest

            pytestmark = pytest.mark.autoglm_requires("torch>>2")

            @pytest.mark.autoglm_requires("packaging")
            def test_it(): pass
            """
        )
        result = pytester.runpytest()
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*invalid requirement 'torch>>2'*"])

    def test_the_marker_is_registered(self, pytester: pytest.Pytester) -> None:
        result = pytester.runpytest("--markers")
        result.stdout.fnmatch_lines(
            ["@pytest.mark.autoglm_requires(*requirements): skip the test*"]
        )


@pytest.fixture(scope="session")
def venv_ignores() -> list[str]:
    """Ignore entries for whatever this project's own environment gets wrong, so tests see only
    the fake stack's conflicts (session-scoped: computed before any fake site is on the path)."""
    return sorted({c.ignore_entry for c in check_dependencies().conflicts})


class TestCheckDeps:
    def test_off_by_default(self, pytester: pytest.Pytester, stack: Any) -> None:
        pytester.makepyfile("def test_ok(): pass")
        result = pytester.runpytest()
        result.assert_outcomes(passed=1)
        assert "deps:" not in result.stdout.str()
        assert "dependency conflict" not in result.stdout.str()

    def test_warn_lists_conflicts_under_the_header_and_in_the_summary(
        self, pytester: pytest.Pytester, venv_ignores: list[str], stack: Any
    ) -> None:
        pytester.makeini(
            "[pytest]\nautoglm_ignore_conflicts =\n"
            + "".join(f"    {entry}\n" for entry in venv_ignores)
        )
        pytester.makepyfile("def test_ok(): pass")
        result = pytester.runpytest("--autoglm-check-deps")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            [
                "autoglm: *deps: 2 conflicts* in * distributions*",
                "*",
                "autoglm: 2 dependency conflicts*:",
                "  vllm 0.12.0: needs transformers<5,>=4.56.0; found 5.0.0rc1",
                "  vllm 0.12.0: needs xformers==0.0.33; found not installed",
                "collected 1 item",
            ]
        )
        result.stdout.fnmatch_lines(
            [
                "*- autoglm -*",
                "deps: 2 dependency conflicts:",
                "  vllm 0.12.0: needs transformers<5,>=4.56.0; found 5.0.0rc1",
                "  vllm 0.12.0: needs xformers==0.0.33; found not installed",
                "  fix the environment, or silence a known harmless one in ini "
                "autoglm_ignore_conflicts, e.g. 'vllm: transformers'",
            ]
        )

    def test_fail_stops_the_session_with_the_list(
        self,
        pytester: pytest.Pytester,
        venv_ignores: list[str],
        stack: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("AUTOGLM_CHECK_DEPS", "fail")
        pytester.makeini(
            "[pytest]\nautoglm_ignore_conflicts =\n" + "".join(f"    {e}\n" for e in venv_ignores)
        )
        pytester.makepyfile("def test_ok(): pass")
        result = pytester.runpytest()
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(
            [
                "ERROR: autoglm: * dependency conflict* (--autoglm-check-deps=fail):",
                "  vllm 0.12.0: needs transformers<5,>=4.56.0; found 5.0.0rc1",
                "  vllm 0.12.0: needs xformers==0.0.33; found not installed",
                "  fix the environment, or silence a known harmless one in ini "
                "autoglm_ignore_conflicts, e.g. 'vllm: transformers'",
            ]
        )
        assert "collected" not in result.stdout.str()

    def test_ignored_conflicts_never_fail_and_show_with_v(
        self, pytester: pytest.Pytester, venv_ignores: list[str], stack: Any
    ) -> None:
        entries = [*venv_ignores, "vllm: transformers", "vllm: xformers", "vllm: triton"]
        pytester.makeini(
            "[pytest]\nautoglm_ignore_conflicts =\n" + "".join(f"    {e}\n" for e in entries)
        )
        pytester.makepyfile("def test_ok(): pass")
        result = pytester.runpytest("--autoglm-check-deps=fail", "-v")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            [
                "autoglm: *deps: no conflicts, * ignored in * distributions*",
                "autoglm: * ignored dependency conflict*:",
                "*vllm 0.12.0: needs transformers<5,>=4.56.0; found 5.0.0rc1 "
                "(ignored: 'vllm: transformers')",
            ]
        )
        result.stdout.fnmatch_lines(
            [
                "deps: ignore entry 'vllm: triton' matched no conflict; "
                "remove it from autoglm_ignore_conflicts"
            ]
        )

    def test_long_lists_are_cut(
        self, pytester: pytest.Pytester, venv_ignores: list[str], on_path: Any
    ) -> None:
        on_path.add("many", "1.0", [f"missing-{i:02d}" for i in range(25)])
        pytester.makeini(
            "[pytest]\nautoglm_ignore_conflicts =\n" + "".join(f"    {e}\n" for e in venv_ignores)
        )
        pytester.makepyfile("def test_ok(): pass")
        result = pytester.runpytest("--autoglm-check-deps")
        result.stdout.fnmatch_lines(
            [
                "autoglm: 25 dependency conflicts*:",
                "  many 1.0: needs missing-00; found not installed",
                *(f"  many 1.0: needs missing-{i:02d}; found not installed" for i in range(1, 20)),
                "  ...and 5 more",
                "collected 1 item",
            ],
            consecutive=True,
        )
        result.stdout.fnmatch_lines(
            [
                "deps: 25 dependency conflicts*:",
                *(f"  many 1.0: needs missing-{i:02d}; found not installed" for i in range(10)),
                "  ...and 15 more",
            ],
            consecutive=True,
        )

    @pytest.mark.parametrize(
        ("args", "ini", "message"),
        [
            (
                ["--autoglm-check-deps=maybe"],
                "",
                "ERROR: --autoglm-check-deps: invalid value 'maybe': expected off, warn or fail*",
            ),
            (
                [],
                "autoglm_ignore_conflicts = vllm\n",
                "ERROR: autoglm_ignore_conflicts (ini file): invalid value [[]'vllm'[]]: "
                "'vllm' holds 1 name(s), not pairs*write 'vllm: [*]'*",
            ),
            (
                ["--autoglm-ignore-conflicts", "vllm: trans formers"],
                "",
                "ERROR: --autoglm-ignore-conflicts: invalid value *'trans formers'*"
                "is not a distribution name*",
            ),
        ],
        ids=["mode", "ini-entry", "flag-entry"],
    )
    def test_bad_settings_are_usage_errors(
        self, pytester: pytest.Pytester, args: list[str], ini: str, message: str
    ) -> None:
        pytester.makeini(f"[pytest]\n{ini}")
        pytester.makepyfile("def test_ok(): pass")
        result = pytester.runpytest(*args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([message])

    def test_help_lists_the_options(self, pytester: pytest.Pytester) -> None:
        result = pytester.runpytest("--help")
        result.stdout.fnmatch_lines_random(
            ["*--autoglm-require-deps*", "*--autoglm-check-deps*", "*--autoglm-ignore-conflicts*"]
        )


def test_under_xdist_only_the_controller_checks(pytester: pytest.Pytester, stack: Any) -> None:
    """Real entry-point loading, workers and all: markers evaluated in workers, the check once."""
    pytester.makeconftest(
        """
        import pytest_autoglm.deps

        def pytest_configure(config):
            if hasattr(config, "workerinput"):
                def refuse(**kwargs):
                    raise RuntimeError("a worker ran the environment check")
                pytest_autoglm.deps.check_dependencies = refuse
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autoglm_requires("transformers>=5.0.0rc0")
        def test_rc_admitted(): pass

        @pytest.mark.autoglm_requires("transformers<5")
        def test_rc_is_not_below_5(): pass
        """
    )
    result = pytester.runpytest_subprocess("-n", "1", "--autoglm-check-deps", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "  vllm 0.12.0: needs transformers<5,>=4.56.0; found 5.0.0rc1",
            "*SKIPPED*needs transformers<5; found 5.0.0rc1",
        ]
    )
