"""The autoglm_api_key fixture and the ApiKey value it gives."""

from __future__ import annotations

import copy
import pickle

import pytest

from pytest_autoglm.secrets import NO_KEY_REASON, ApiKey, find_api_key

PLANTED_KEY = "sk-planted-7f3a9c2e41d8b6f0"


def test_api_key_is_the_real_value_with_a_masked_repr() -> None:
    key = ApiKey(PLANTED_KEY, source="AUTOGLM_API_KEY")
    assert key == PLANTED_KEY
    assert str(key) == PLANTED_KEY
    assert type(str(key)) is str
    assert f"Bearer {key}" == f"Bearer {PLANTED_KEY}"
    assert f"{key}" == PLANTED_KEY
    assert repr(key) == "ApiKey('***', source='AUTOGLM_API_KEY')"
    assert PLANTED_KEY not in repr([key])


def test_api_key_survives_copy_and_pickle() -> None:
    key = ApiKey(PLANTED_KEY, source="PHONE_AGENT_API_KEY")
    for clone in (copy.copy(key), copy.deepcopy(key), pickle.loads(pickle.dumps(key))):
        assert clone == PLANTED_KEY
        assert repr(clone) == repr(key)


@pytest.mark.parametrize(
    ("environ", "source"),
    [
        ({"AUTOGLM_API_KEY": "a" * 10, "PHONE_AGENT_API_KEY": "b" * 10}, "AUTOGLM_API_KEY"),
        ({"AUTOGLM_API_KEY": "  ", "PHONE_AGENT_API_KEY": "b" * 10}, "PHONE_AGENT_API_KEY"),
        ({}, None),
    ],
    ids=["autoglm-first", "blank-falls-through", "none"],
)
def test_find_api_key_order(environ: dict[str, str], source: str | None) -> None:
    key = find_api_key(environ)
    assert (key.source if key is not None else None) == source


USES_KEY = """
    def test_key(autoglm_api_key):
        assert autoglm_api_key.startswith("sk-")
        assert repr(autoglm_api_key).startswith("ApiKey('***'")
"""


@pytest.mark.parametrize("variable", ["AUTOGLM_API_KEY", "PHONE_AGENT_API_KEY"])
def test_fixture_reads_either_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, PLANTED_KEY)
    pytester.makepyfile(USES_KEY)
    pytester.runpytest().assert_outcomes(passed=1)


def test_fixture_reads_the_key_from_the_env_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".env", f"AUTOGLM_API_KEY={PLANTED_KEY}\n").rename(pytester.path / ".env")
    pytester.makepyfile(USES_KEY)
    pytester.runpytest().assert_outcomes(passed=1)


def test_missing_key_skips_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_KEY)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"SKIPPED*{NO_KEY_REASON}"])


@pytest.mark.parametrize("how", ["flag", "ini", "env"], ids=["flag", "ini", "env"])
def test_require_key_turns_the_skip_into_a_failure(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pytester.makepyfile(USES_KEY)
    args: list[str] = []
    if how == "flag":
        args.append("--autoglm-require-key")
    elif how == "ini":
        pytester.makeini("[pytest]\nautoglm_require_key = true\n")
    else:
        monkeypatch.setenv("AUTOGLM_REQUIRE_KEY", "1")
    result = pytester.runpytest(*args)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{NO_KEY_REASON}; --autoglm-require-key is set*"])


def test_short_key_is_used_but_warned_about(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_API_KEY", "sk-1")
    pytester.makepyfile(USES_KEY)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*ShortSecretWarning: secret AUTOGLM_API_KEY is shorter than 8 characters (4)*"]
    )


def test_placeholder_key_is_neither_redacted_nor_warned_about(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHONE_AGENT_API_KEY", "EMPTY")
    pytester.makepyfile("def test_key(autoglm_api_key):\n    assert autoglm_api_key == 'EMPTY'\n")
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=1)
