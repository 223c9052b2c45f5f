"""The secret registry: what it redacts, what it counts, what it refuses to register."""

from __future__ import annotations

import json
import string
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.secrets import MASK, SecretRegistry, ShortSecretWarning, secret_registry

KEY = "sk-live-0123456789abcdef"

secrets_ = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=8, max_size=40)
fillers = st.text(
    st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="*"), max_size=30
)


def registry_with(*values: str) -> SecretRegistry:
    registry = SecretRegistry()
    for value in values:
        registry.add(value, name="TEST")
    return registry


def test_redacts_every_occurrence_and_counts_them() -> None:
    registry = registry_with(KEY)
    assert registry.redact(f"a {KEY} b {KEY}") == f"a {MASK} b {MASK}"
    assert registry.count == 2
    assert registry.redact("nothing here") == "nothing here"
    assert registry.count == 2


def test_empty_registry_is_inactive_and_changes_nothing() -> None:
    registry = SecretRegistry()
    assert not registry.active
    assert registry.redact(KEY) == KEY
    assert registry.count == 0


def test_escaped_spellings_are_redacted_too() -> None:
    value = 'abc"def\\ghi/jk'
    registry = registry_with(value)
    for shown in (repr(value), json.dumps(value), "abc%22def%5Cghi%2Fjk"):
        assert value not in registry.redact(shown)
        assert registry.redact(shown).count(MASK) == 1


def test_longer_secret_containing_a_shorter_one_is_redacted_whole() -> None:
    registry = registry_with("abcdefgh", "xxabcdefghyy")
    assert registry.redact("<xxabcdefghyy>") == f"<{MASK}>"


def test_short_secret_is_not_redacted_and_warns_once_without_the_value() -> None:
    registry = SecretRegistry()
    with pytest.warns(ShortSecretWarning, match=r"secret DB_PASSWORD is shorter than 8") as caught:
        assert registry.add("hunter2", name="DB_PASSWORD") is False
    assert "hunter2" not in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.add("hunter2", name="DB_PASSWORD") is False  # no second warning
    assert registry.redact("pw hunter2") == "pw hunter2"


@pytest.mark.parametrize("value", ["", "EMPTY"], ids=["empty", "openautoglm-placeholder"])
def test_placeholders_are_ignored_silently(value: str) -> None:
    registry = SecretRegistry()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.add(value, name="PHONE_AGENT_API_KEY") is False
    assert not registry.active


def test_names_say_where_secrets_came_from() -> None:
    registry = SecretRegistry()
    registry.add(KEY, name="AUTOGLM_API_KEY")
    registry.add(KEY, name="OTHER")  # same value: first name kept
    registry.add("another-long-secret", name="TOKEN (.env)")
    assert registry.names == ("AUTOGLM_API_KEY", "TOKEN (.env)")
    assert len(registry) == 2


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("assert {'k': 'sk-live-01...3456789abcdef'} == {}", "assert {'k': '***...***'} == {}"),
        (
            "FAILED t.py::x - AssertionError: sk-live-012...",
            "FAILED t.py::x - AssertionError: ***...",
        ),
        ("x = '...89abcdef'", "x = '...***'"),
    ],
    ids=["repr-cut-in-the-middle", "summary-cut-at-the-end", "only-the-tail-shown"],
)
def test_pieces_of_a_secret_cut_by_an_ellipsis_are_redacted(shown: str, expected: str) -> None:
    registry = registry_with(KEY)
    assert registry.redact(shown) == expected
    assert registry.count == expected.count(MASK)


@pytest.mark.parametrize(
    "shown",
    ["sk-...", "a...b", "...", f"{KEY[4:12]}...", "sk-live-0123456789abcdef.sk-live"],
    ids=["too-short", "unrelated", "bare", "from-the-middle", "no-ellipsis"],
)
def test_ellipses_alone_are_left_alone(shown: str) -> None:
    registry = registry_with(KEY)
    assert KEY not in registry.redact(shown)
    assert registry.redact(shown.replace(KEY, "")) == shown.replace(KEY, "")


def test_registry_lives_in_the_config_stash(pytestconfig: pytest.Config) -> None:
    assert secret_registry(pytestconfig) is secret_registry(pytestconfig)


@given(secret=secrets_, parts=st.lists(fillers, min_size=1, max_size=5))
def test_no_registered_secret_survives_redaction(secret: str, parts: list[str]) -> None:
    registry = registry_with(secret)
    text = secret.join(parts)
    redacted = registry.redact(text)
    assert secret not in redacted
    assert registry.redact(redacted) == redacted  # idempotent


@given(secret=secrets_, text=fillers)
def test_text_without_secrets_is_unchanged_and_uncounted(secret: str, text: str) -> None:
    registry = registry_with(secret)
    if secret not in text and "..." not in text:  # pieces cut by "..." are the next tests'
        assert registry.redact(text) == text
        assert registry.count == 0


@given(
    secret=st.text(string.ascii_letters + string.digits + "-_", min_size=8, max_size=30),
    n=st.integers(0, 5),
    separator=st.text(" .,:;|()[]{}<>=+", max_size=10),
)
def test_count_matches_occurrences(secret: str, n: int, separator: str) -> None:
    registry = registry_with(secret)
    redacted = registry.redact(separator.join([secret] * n))
    assert registry.count == n
    assert redacted == separator.join([MASK] * n)
