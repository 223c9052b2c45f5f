"""The per-report redaction hooks exist only once a secret does; the summary stays one line."""

from __future__ import annotations

import pytest

KEY = "sk-runtime-5b1e9d3c7a2f4e60"


def test_no_secret_no_redaction_hooks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_plugins(pytestconfig):
            manager = pytestconfig.pluginmanager
            assert manager.get_plugin("autoglm.secrets") is not None
            assert manager.get_plugin("autoglm.secrets.redaction") is None
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_secret_registered_at_run_time_adds_the_hooks(pytester: pytest.Pytester) -> None:
    """``SecretRegistry.add`` from a test: what follows is redacted, the terminal included."""
    pytester.makepyfile(
        f"""
        from pytest_autoglm import secret_registry

        def test_registers(pytestconfig):
            assert pytestconfig.pluginmanager.get_plugin("autoglm.secrets.redaction") is None
            secret_registry(pytestconfig).add("{KEY}", name="RUNTIME")
            assert pytestconfig.pluginmanager.get_plugin("autoglm.secrets.redaction")

        def test_fails_with_it():
            raise ValueError("server said {KEY}")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    assert KEY not in result.stdout.str()
    assert KEY not in (pytester.path / "junit.xml").read_text()
    result.stdout.fnmatch_lines(["*ValueError: server said ***"])


def test_summary_names_a_few_secrets_and_counts_the_rest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(101):
        monkeypatch.setenv(f"BENCH_{i:03d}", f"sk-many-secrets-{i:03d}-abcdef")
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "--autoglm-secret-names", "BENCH_*")
    result.assert_outcomes(passed=1)
    lines = [line for line in result.stdout.lines if line.startswith("secrets: 0 redactions")]
    assert len(lines) == 1
    assert lines[0].endswith(", ...and 96 more)")
    assert lines[0].count("BENCH_") == 5
