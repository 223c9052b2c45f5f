"""Plant a key, fail tests in every way, grep every output for it: zero hits.

The control run (the secrets plugin blocked) proves the same suite does leak the key,
so a zero here means redaction, not a suite that never printed it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

KEY = "sk-planted-7f3a9c2e41d8b6f0"
TOKEN = "ghp_plantedTokenFromDotenv42"  # a second secret, by name pattern in .env

SUITE = """
    import json
    import logging
    import os
    import sys
    import warnings

    import pytest

    KEY = os.environ["AUTOGLM_API_KEY"]
    TOKEN = os.environ["GITHUB_TOKEN"]
    log = logging.getLogger("app")


    def test_assert_fixture(autoglm_api_key):
        assert autoglm_api_key == "something else"


    def test_assert_plain_string_diff():
        key = os.environ["AUTOGLM_API_KEY"]
        assert key + "-suffix" == "expected"


    def test_exception_message():
        raise ValueError(f"server rejected {KEY}")


    def test_chained_exception():
        try:
            raise KeyError(TOKEN)
        except KeyError as exc:
            raise RuntimeError("wrapped") from exc


    def test_print_stdout_and_stderr():
        print("stdout", KEY)
        print("stderr", TOKEN, file=sys.stderr)
        assert False


    def test_logging():
        log.error("calling with key=%s", KEY)
        log.warning("json %s", json.dumps({"token": TOKEN}))
        assert False


    def test_locals_repr():
        headers = {"Authorization": f"Bearer {KEY}"}
        escaped = [KEY, TOKEN]
        assert not headers and not escaped


    def test_warning():
        warnings.warn(f"deprecated key {KEY}", UserWarning)


    def test_skip_reason():
        pytest.skip(f"skipping with {KEY}")


    def test_xfail_reason():
        pytest.xfail(f"xfail with {TOKEN}")


    @pytest.mark.parametrize("value", [KEY])
    def test_parametrized_by_secret(value):
        assert value == "x"


    def test_record_property(record_property):
        record_property("auth", f"Bearer {KEY}")


    @pytest.fixture
    def broken_teardown():
        yield
        raise RuntimeError(f"teardown saw {TOKEN}")


    def test_teardown_error(broken_teardown):
        pass


    def test_passing_test_prints(capsys):
        print("passing", KEY)
        log.info("passing log %s", TOKEN)
"""

COLLECT_ERROR = """
    import os
    raise RuntimeError("collect-time " + os.environ["AUTOGLM_API_KEY"])
"""

SUMMARY_PLUGIN = """
    import os

    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line("third-party summary " + os.environ["AUTOGLM_API_KEY"])
"""

ARGS = (
    "-l",
    "-rA",
    "--continue-on-collection-errors",
    "--junitxml=junit.xml",
    "--report-log=report.jsonl",
    "--log-file=run.log",
    "--log-level=INFO",
    "-o",
    "log_cli=true",
    "-p",
    "no:cacheprovider",
    "-W",
    "default",  # in-process runs would inherit our own filterwarnings=error
    "-o",
    "junit_family=xunit1",  # record_property is only allowed with xunit1
)

EXPECTED = {"failed": 8, "passed": 4, "skipped": 1, "xfailed": 1, "errors": 2, "warnings": 1}


def plant(pytester: pytest.Pytester) -> None:
    (pytester.path / ".env").write_text(f"AUTOGLM_API_KEY={KEY}\nGITHUB_TOKEN='{TOKEN}'\n")
    pytester.makepyfile(test_matrix=SUITE, test_collect_error=COLLECT_ERROR)
    pytester.makeconftest(SUMMARY_PLUGIN)


def outputs(pytester: pytest.Pytester, result: pytest.RunResult) -> dict[str, str]:
    texts = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    for name in ("junit.xml", "report.jsonl", "run.log"):
        path: Path = pytester.path / name
        texts[name] = path.read_text(encoding="utf-8")
    return texts


def assert_no_secret(texts: dict[str, str]) -> None:
    leaks = [
        f"{where}: {line.strip()[:120]}"
        for where, text in texts.items()
        for line in text.splitlines()
        if KEY in line or TOKEN in line
    ]
    assert not leaks, "secret found in output:\n" + "\n".join(leaks)


@pytest.mark.parametrize("tb", ["auto", "long", "short", "line", "native"])
def test_no_output_holds_a_secret(pytester: pytest.Pytester, tb: str) -> None:
    plant(pytester)
    result = pytester.runpytest(*ARGS, f"--tb={tb}")
    result.assert_outcomes(**EXPECTED)
    texts = outputs(pytester, result)
    assert_no_secret(texts)
    assert "***" in texts["junit.xml"]
    assert "***" in texts["report.jsonl"]
    assert "***" in texts["run.log"]
    result.stdout.fnmatch_lines(["secrets: * redactions of 2 secrets (*)"])


def test_no_output_holds_a_secret_with_xdist_workers(pytester: pytest.Pytester) -> None:
    plant(pytester)
    result = pytester.runpytest_subprocess(*ARGS, "-n", "2")
    result.assert_outcomes(**{**EXPECTED, "errors": 3})  # each worker reports the collect error
    assert_no_secret(outputs(pytester, result))
    result.stdout.fnmatch_lines(["secrets: * redactions of 2 secrets (*)"])


def test_the_matrix_does_leak_without_the_secrets_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant(pytester)
    monkeypatch.setenv("AUTOGLM_API_KEY", KEY)  # nothing loads .env without the plugin
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = pytester.runpytest(*ARGS, "-p", "no:autoglm.secrets")
    texts = outputs(pytester, result)
    leaking = {where for where, text in texts.items() if KEY in text or TOKEN in text}
    assert {"stdout", "junit.xml", "report.jsonl", "run.log"} <= leaking


@pytest.mark.parametrize(("prints", "expected"), [(2, 2), (0, 0)], ids=["two", "none"])
def test_summary_counts_redactions(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, prints: int, expected: int
) -> None:
    monkeypatch.setenv("AUTOGLM_API_KEY", KEY)
    pytester.makepyfile(
        f"""
        import os

        def test_prints():
            print(*[os.environ["AUTOGLM_API_KEY"]] * {prints})
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    noun = "redaction" if expected == 1 else "redactions"
    result.stdout.fnmatch_lines([f"secrets: {expected} {noun} of 1 secret (AUTOGLM_API_KEY)"])


def test_a_secret_cut_short_by_pytest_leaves_no_piece(pytester: pytest.Pytester) -> None:
    """pytest shortens long reprs around "..."; the ends of a secret caught in the cut go too."""
    (pytester.path / ".env").write_text(f"AUTOGLM_API_KEY={KEY}\n")
    pytester.makepyfile(
        test_cut="""
        import os

        def test_long_repr():
            payload = {"key": os.environ["AUTOGLM_API_KEY"]}
            assert payload == {}
        """
    )
    result = pytester.runpytest("-l", "--junitxml=junit.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    texts = {"stdout": result.stdout.str(), "junit.xml": (pytester.path / "junit.xml").read_text()}
    assert "..." in texts["stdout"]  # pytest did cut the repr
    pieces = {KEY[:8], KEY[-8:]}
    leaks = [
        f"{where}: {piece}" for where, text in texts.items() for piece in pieces if piece in text
    ]
    assert not leaks
