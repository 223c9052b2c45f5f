"""Env files load before conftest.py is imported, never override, and report bad lines."""

from __future__ import annotations

import os

import pytest

SEES_AT_IMPORT = """
    import os
    SEEN_AT_IMPORT = os.environ.get("FROM_ENV_FILE")

    def pytest_configure(config):
        config.seen_at_configure = os.environ.get("FROM_ENV_FILE")
"""

CHECKS = """
    import os

    def test_values(request):
        from conftest import SEEN_AT_IMPORT
        assert SEEN_AT_IMPORT == {expected!r}
        assert request.config.seen_at_configure == {expected!r}
        assert os.environ.get("FROM_ENV_FILE") == {expected!r}
"""


def test_default_env_file_is_seen_by_conftest_import_and_configure(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".env", "FROM_ENV_FILE=loaded\n").rename(pytester.path / ".env")
    pytester.makeconftest(SEES_AT_IMPORT)
    pytester.makepyfile(CHECKS.format(expected="loaded"))
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["autoglm: *secrets: env .env (1 set)*"])
    assert "FROM_ENV_FILE" not in os.environ  # restored after the in-process run


def test_loading_is_real_through_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makefile(".env", "FROM_ENV_FILE=loaded\n").rename(pytester.path / ".env")
    pytester.makeconftest(SEES_AT_IMPORT)
    pytester.makepyfile(CHECKS.format(expected="loaded"))
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "expected"),
    [((), "environment"), (("--autoglm-env-override",), "file")],
    ids=["kept", "overridden"],
)
def test_variables_already_set_win_unless_override(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], expected: str
) -> None:
    monkeypatch.setenv("FROM_ENV_FILE", "environment")
    pytester.makefile(".env", "FROM_ENV_FILE=file\n").rename(pytester.path / ".env")
    pytester.makeconftest(SEES_AT_IMPORT)
    pytester.makepyfile(CHECKS.format(expected=expected))
    pytester.runpytest(*args).assert_outcomes(passed=1)
    assert os.environ["FROM_ENV_FILE"] == "environment"


def test_several_files_later_ones_win(pytester: pytest.Pytester) -> None:
    pytester.makefile(".env", base="FROM_ENV_FILE=base\nONLY_BASE=yes\n")
    pytester.makefile(".env", local="FROM_ENV_FILE=local\n")
    pytester.makeconftest(SEES_AT_IMPORT)
    pytester.makepyfile(
        CHECKS.format(expected="local") + "\n    assert os.environ['ONLY_BASE'] == 'yes'\n"
    )
    result = pytester.runpytest("--autoglm-env-file", "base.env", "--autoglm-env-file=local.env")
    result.assert_outcomes(passed=1)


def test_ini_paths_are_relative_to_the_ini_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pytester.path / "config").mkdir()
    (pytester.path / "config" / "ci.env").write_text("FROM_ENV_FILE=ini\n")
    ini = pytester.makeini("[pytest]\nautoglm_env_files =\n    config/ci.env\n")
    pytester.makeconftest(SEES_AT_IMPORT)
    pytester.makepyfile(CHECKS.format(expected="ini"))
    monkeypatch.chdir(pytester.path / "config")  # relative to here it would be config/config/
    pytester.runpytest("-c", str(ini), str(pytester.path)).assert_outcomes(passed=1)


def test_environment_variable_names_the_files(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".env", ci="FROM_ENV_FILE=envvar\n")
    monkeypatch.setenv("AUTOGLM_ENV_FILE", str(pytester.path / "ci.env"))
    pytester.makeconftest(SEES_AT_IMPORT)
    pytester.makepyfile(CHECKS.format(expected="envvar"))
    pytester.runpytest().assert_outcomes(passed=1)


def test_no_env_file_is_fine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "secrets:" not in result.stdout.str()


def test_missing_explicit_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--autoglm-env-file", "nope.env")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --autoglm-env-file: env file not found: *nope.env"])


def test_malformed_line_is_a_usage_error_naming_file_and_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(".env", 'OK=1\nOPENAI_API_KEY="sk-never-closed\nX=2\n').rename(
        pytester.path / ".env"
    )
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: the default .env in the rootdir: malformed env file line(s)*",
            '*.env:2: unterminated "-quoted value (add the closing ")',
        ]
    )
    assert "sk-never-closed" not in result.stderr.str()


def test_bad_secret_names_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--autoglm-secret-names", "A=B")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --autoglm-secret-names: invalid value *'A=B' is not a variable name*accepted:*"]
    )


def test_help_works_with_a_broken_env_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".env", "=broken\n").rename(pytester.path / ".env")
    result = pytester.runpytest("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*--autoglm-env-file=PATH*", "*--autoglm-env-override*"])


def test_secret_names_from_ini_cover_environment_variables(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_DSN", "postgres://user:pw-0123456789@db/app")
    monkeypatch.setenv("SERVICE_CREDS", "creds-0123456789")
    pytester.makeini("[pytest]\nautoglm_secret_names =\n    DB_DSN\n    *_CREDS\n")
    pytester.makepyfile(
        """
        import os

        def test_leaks():
            assert os.environ["DB_DSN"] + os.environ["SERVICE_CREDS"] == ""
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert "pw-0123456789" not in result.stdout.str()
    assert "creds-0123456789" not in result.stdout.str()
    result.stdout.fnmatch_lines(["autoglm: *secrets: 2 secrets to redact*"])


def test_short_env_file_secret_warns_by_name_only(pytester: pytest.Pytester) -> None:
    (pytester.path / ".env").write_text("SHORT_TOKEN=zq9x\nLONG_TOKEN=long-enough-token\n")
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*ShortSecretWarning: secret SHORT_TOKEN (.env) is shorter than 8 characters (4)*"]
    )
    assert "zq9x" not in result.stdout.str()


def test_a_short_key_in_env_warns_once_not_once_per_name_or_worker(
    pytester: pytest.Pytester,
) -> None:
    """The .env value is also AUTOGLM_API_KEY's, and each xdist worker loads .env again."""
    (pytester.path / ".env").write_text("AUTOGLM_API_KEY=zq9x\n")
    pytester.makepyfile("def test_a(autoglm_api_key): pass\ndef test_b(): pass")
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=2, warnings=1)
    assert result.stdout.str().count("ShortSecretWarning: secret AUTOGLM_API_KEY") == 1


def test_short_secret_warning_obeys_filterwarnings(pytester: pytest.Pytester) -> None:
    (pytester.path / ".env").write_text("SHORT_TOKEN=zq9x\n")
    pytester.makeini("[pytest]\nfilterwarnings =\n    ignore::pytest_autoglm.ShortSecretWarning\n")
    pytester.makepyfile("def test_ok(): pass")
    pytester.runpytest().assert_outcomes(passed=1, warnings=0)
