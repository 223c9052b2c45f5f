"""Our own parsers: ignore entries, metadata headers, names (with hypothesis for the properties)."""

from __future__ import annotations

import email
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm._plugins.deps import parse_check_mode
from pytest_autoglm.deps import DependencyError, IgnoreRule, parse_ignore_rules
from pytest_autoglm.deps._installed import canonical_name, scan_headers

NAMES = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?\Z")
SIDES = st.one_of(NAMES, st.just("*"))


class TestIgnoreEntries:
    def test_one_entry(self) -> None:
        assert parse_ignore_rules("vllm: transformers") == (IgnoreRule("vllm", "transformers"),)

    def test_separators(self) -> None:
        expected = (IgnoreRule("vllm", "transformers"), IgnoreRule("torch", "*"))
        assert parse_ignore_rules("vllm: transformers\ntorch: *") == expected
        assert parse_ignore_rules("vllm: transformers, torch: *") == expected
        assert parse_ignore_rules(f"vllm: transformers{os.pathsep}torch: *") == expected

    def test_blank_is_empty(self) -> None:
        assert parse_ignore_rules("  \n ") == ()

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("vllm", "'vllm' holds 1 name(s), not pairs"),
            ("vllm:", "an entry in 'vllm:' is missing a name"),
            ("vllm: transformers: torch", "holds 3 name(s)"),
            ("vllm: trans formers", "'trans formers' (in 'vllm: trans formers') is not a"),
            ("vllm: -x", "'-x' (in 'vllm: -x') is not a distribution name or *"),
        ],
    )
    def test_malformed_entries_name_the_culprit(self, text: str, message: str) -> None:
        with pytest.raises(DependencyError) as info:
            parse_ignore_rules(text)
        assert message in str(info.value)

    @given(st.lists(st.tuples(SIDES, SIDES), max_size=5), st.sampled_from(["\n", ", ", os.pathsep]))
    def test_written_entries_parse_back(self, pairs: list[tuple[str, str]], sep: str) -> None:
        text = sep.join(f"{owner}: {dep}" for owner, dep in pairs)
        rules = parse_ignore_rules(text)
        expected = [
            (o if o == "*" else canonical_name(o), d if d == "*" else canonical_name(d))
            for o, d in pairs
        ]
        assert [(r.owner, r.dependency) for r in rules] == expected
        assert parse_ignore_rules(sep.join(map(str, rules))) == rules

    @given(SIDES, SIDES, NAMES, NAMES, st.booleans(), st.booleans())
    def test_a_rule_matches_its_names_or_any_for_a_star(
        self,
        owner: str,
        dep: str,
        other_owner: str,
        other_dep: str,
        same_owner: bool,
        same_dep: bool,
    ) -> None:
        (rule,) = parse_ignore_rules(f"{owner}: {dep}")
        o = canonical_name(owner if same_owner and owner != "*" else other_owner)
        d = canonical_name(dep if same_dep and dep != "*" else other_dep)
        expected = (owner == "*" or canonical_name(owner) == o) and (
            dep == "*" or canonical_name(dep) == d
        )
        assert rule.matches(o, d) == expected


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("warn", "warn"),
        (" FAIL ", "fail"),
        ("off", "off"),
        ("1", "warn"),
        ("on", "warn"),
        ("no", "off"),
    ],
)
def test_check_modes(text: str, mode: str) -> None:
    assert parse_check_mode(text) == mode


def test_an_unknown_check_mode_lists_the_modes() -> None:
    with pytest.raises(ValueError, match=r"^expected off, warn or fail$"):
        parse_check_mode("strict")


@given(NAMES)
def test_canonical_name_agrees_with_packaging(name: str) -> None:
    from packaging.utils import canonicalize_name

    assert canonical_name(name) == canonicalize_name(name)
    assert canonical_name(canonical_name(name)) == canonical_name(name)


HEADER_VALUES = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=40
).map(str.strip)


@given(
    name=NAMES,
    version=st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3}){0,2}(rc[0-9])?\Z"),
    requires=st.lists(HEADER_VALUES.filter(bool), max_size=6),
    extras=st.lists(NAMES, max_size=3),
    body=st.text(max_size=200),
    fold=st.booleans(),
)
def test_header_scan_agrees_with_the_email_parser(
    name: str, version: str, requires: list[str], extras: list[str], body: str, fold: bool
) -> None:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += ["Summary: a summary" + ("\n        that is folded" if fold else "")]
    lines += [f"Provides-Extra: {e}" for e in extras]
    lines += [f"Requires-Dist: {r}" for r in requires]
    text = "\n".join(lines) + "\n\n" + body
    headers = scan_headers(text)
    parsed = email.message_from_string(text)
    for key in ("Name", "Version", "Requires-Dist", "Provides-Extra"):
        assert headers.get(key.lower(), []) == [v.strip() for v in parsed.get_all(key, [])], key
    summary = " ".join(parsed["Summary"].split())
    assert headers["summary"] == [summary]


@pytest.mark.parametrize(
    ("raw", "extra"),
    [
        ('pytest; extra == "test"', "test"),
        ("pytest ; extra=='Test_Suite'", "test-suite"),
        ('foo; python_version < "3.8" and extra == "x"', "x"),
        ('foo; (python_version < "3.8") and extra == "x"', "x"),
        ('foo; extra == "x" and sys_platform == "linux"', "x"),
        ('foo; python_version < "3.8" or extra == "x"', None),
        ('foo; "x" == extra', None),
        ('foo; python_version >= "3"', None),
        ("foo>=1", None),
    ],
)
def test_requirements_surely_gated_by_an_extra(raw: str, extra: str | None) -> None:
    from pytest_autoglm.deps._conflicts import _gated_by

    assert _gated_by(raw) == extra


CLAUSES = st.sampled_from(
    [
        'extra == "gpu"',
        "extra == 'test'",
        'python_version >= "3"',
        'sys_platform == "win32"',
        'platform_machine == "armor"',
        '"gpu" == extra',
    ]
)


@given(st.lists(CLAUSES, min_size=1, max_size=4), st.lists(st.sampled_from([" and ", " or "])))
def test_a_gated_requirement_never_applies_without_its_extra(
    clauses: list[str], joins: list[str]
) -> None:
    """Soundness of the shortcut: what it defers really applies only under its own extra."""
    from packaging.requirements import Requirement

    from pytest_autoglm.deps._conflicts import _gated_by

    marker = clauses[0]
    for clause, join in zip(clauses[1:], joins + [" and "] * len(clauses), strict=False):
        marker = f"({marker}){join}{clause}" if "or" in join else f"{marker}{join}{clause}"
    raw = f"foo>=1; {marker}"
    gated = _gated_by(raw)
    if gated is not None:
        requirement = Requirement(raw)
        assert requirement.marker is not None
        for other in ("", "test", "gpu", "other"):
            if other != gated:
                assert not requirement.marker.evaluate({"extra": other}), (raw, other)
