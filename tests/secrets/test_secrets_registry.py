"""The secret registry: what it redacts, what it counts, what it refuses to register."""

from __future__ import annotations

import json
import string
import warnings

import pytest
from hypothesis import given, settings
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


@settings(deadline=None)  # compiling the pattern costs what the machine's load says
@given(
    secrets=st.lists(secrets_, min_size=1, max_size=12, unique=True),
    parts=st.lists(fillers, min_size=1, max_size=5),
)
def test_one_matcher_for_many_secrets_removes_every_one(
    secrets: list[str], parts: list[str]
) -> None:
    """The prefix-tree pattern over all secrets finds what a scan per secret finds."""
    registry = registry_with(*secrets)
    text = "".join(p + s for p, s in zip(parts, secrets, strict=False))
    redacted = registry.redact(text)
    for secret in secrets:
        assert secret not in redacted
    assert registry.redact(redacted) == redacted


def test_secrets_sharing_a_prefix_are_each_redacted_whole() -> None:
    values = ["sk-shared-aaaaaaaa", "sk-shared-aaaaaaaabbbb", "sk-shared-zzzzzzzz"]
    registry = registry_with(*values)
    assert registry.redact(" ".join(values)) == " ".join([MASK] * 3)
    assert registry.count == 3


@pytest.mark.parametrize(
    "shown",
    [
        "https://api.example.test/v1?key=" + KEY,  # quote_plus / urlencode of the same
        "q=" + KEY.replace("-", "%2D"),
    ],
    ids=["raw-in-url", "over-encoded"],
)
def test_url_encoded_forms_are_redacted(shown: str) -> None:
    from urllib.parse import quote_plus, urlencode

    secret = "sk live/key+with=odd&chars"
    registry = registry_with(secret)
    for form in (quote_plus(secret), urlencode({"k": secret}), quote_plus(secret, safe="")):
        assert "live" not in registry.redact(form)
    assert KEY not in registry_with(KEY).redact(shown) or "%2D" in shown


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("url https://api....0123456789abcdef)", "url https://api....***)"),
        ("sk-live-0....", "***...."),
    ],
    ids=["dot-of-the-text-before-the-ellipsis", "dot-after-the-head"],
)
def test_pieces_next_to_a_longer_run_of_dots_are_redacted(shown: str, expected: str) -> None:
    assert registry_with(KEY).redact(shown) == expected


@pytest.mark.parametrize(
    "diff",
    [
        "Skipping 40 identical leading characters in diff, use -v to show\n"
        "- 456789abcdef-suffix\n+ 456789abcdef-other\n",
        "Skipping 40 identical trailing characters in diff, use -v to show\n"
        "- prefix-sk-live-012\n+ other-sk-live-012\n",
    ],
    ids=["leading", "trailing"],
)
def test_pieces_left_by_a_skipped_diff_are_redacted(diff: str) -> None:
    redacted = registry_with(KEY).redact(diff)
    assert "456789ab" not in redacted
    assert "sk-live-0" not in redacted
    assert redacted.count(MASK) == 2


def test_when_active_runs_once_on_the_first_secret() -> None:
    registry = SecretRegistry()
    calls: list[str] = []
    registry.when_active(lambda: calls.append("first"))
    assert calls == []
    registry.add(KEY, name="A")
    registry.add("another-long-secret", name="B")
    registry.when_active(lambda: calls.append("late"))  # already active: called at once
    assert calls == ["first", "late"]
