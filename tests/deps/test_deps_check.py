"""``check_dependencies``: the environment-wide check, against fake sites and against ``pip check``."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from pytest_autoglm.deps import DependencyConflict, check_dependencies


def conflicts_in(site: Any, **kwargs: Any) -> list[str]:
    report = check_dependencies(path=[str(site.root)], **kwargs)
    return [str(c) for c in report.conflicts]


def test_a_clean_site_has_no_conflicts(fake_site: Any) -> None:
    fake_site.add("vllm", "0.12.0", ["transformers<5,>=4.56.0", "torch==2.9.0"])
    fake_site.add("transformers", "4.57.1", ["packaging>=20"])
    fake_site.add("torch", "2.9.0")
    fake_site.add("packaging", "25.0")
    report = check_dependencies(path=[str(fake_site.root)])
    assert report.ok
    assert report.distributions == 4
    assert report.conflicts == report.ignored == report.unused_ignores == ()


def test_the_autoglm_stack_pin_conflict(fake_site: Any) -> None:
    fake_site.add("vllm", "0.12.0", ["transformers<5,>=4.56.0"])
    fake_site.add("transformers", "5.0.0rc1")
    (conflict,) = check_dependencies(path=[str(fake_site.root)]).conflicts
    assert conflict == DependencyConflict(
        "vllm", "0.12.0", "transformers", "transformers<5,>=4.56.0", "5.0.0rc1"
    )
    assert str(conflict) == "vllm 0.12.0: needs transformers<5,>=4.56.0; found 5.0.0rc1"
    assert conflict.ignore_entry == "vllm: transformers"


def test_missing_and_conflicting_are_both_reported_in_order(fake_site: Any) -> None:
    fake_site.add("zeta", "1.0", ["alpha>=2"])
    fake_site.add("alpha", "1.5", ["Missing_Thing (>=1.0)"])
    assert conflicts_in(fake_site) == [
        "alpha 1.5: needs Missing_Thing (>=1.0); found not installed",
        "zeta 1.0: needs alpha>=2; found 1.5",
    ]


def test_markers_that_do_not_hold_here_are_skipped(fake_site: Any) -> None:
    fake_site.add(
        "owner",
        "1.0",
        [
            "win-only>=1; sys_platform == 'win32' and python_version >= '3'",
            "old-python-only; python_version < '3'",
            "here>=2; python_version >= '3'",
        ],
    )
    assert conflicts_in(fake_site) == ["owner 1.0: needs here>=2; found not installed"]


def test_extras_nobody_requested_are_skipped(fake_site: Any) -> None:
    fake_site.add("owner", "1.0", ["tensorizer>=2.9; extra == 'tensorizer'"], extras=["tensorizer"])
    assert conflicts_in(fake_site) == []


def test_extras_an_installed_distribution_requests_are_checked(fake_site: Any) -> None:
    fake_site.add("vllm", "0.12.0", ["fastapi[standard]>=0.115.0"])
    fake_site.add(
        "fastapi",
        "0.115.0",
        ["starlette>=0.40", "uvicorn[standard]>=0.12; extra == 'standard'"],
        extras=["standard", "all"],
    )
    fake_site.add("starlette", "0.41.0", ["never-requested; extra == 'full'"])
    fake_site.add("uvicorn", "0.30.0", ["httptools>=0.6; extra == 'standard'"], extras=["standard"])
    assert conflicts_in(fake_site) == [
        "uvicorn[standard] 0.30.0: needs httptools>=0.6; found not installed"
    ]
    fake_site.add("httptools", "0.5.0")
    assert conflicts_in(fake_site) == [
        "uvicorn[standard] 0.30.0: needs httptools>=0.6; found 0.5.0"
    ]


def test_prereleases_are_judged_as_pip_judges_installed_versions(fake_site: Any) -> None:
    fake_site.add("a", "1.0", ["transformers>=5.0.0rc0"])
    fake_site.add("b", "1.0", ["transformers>=4.25,<6"])
    fake_site.add("c", "1.0", ["transformers>=5"])
    fake_site.add("transformers", "5.0.0rc1")
    assert conflicts_in(fake_site) == ["c 1.0: needs transformers>=5; found 5.0.0rc1"]


def test_broken_metadata_is_reported_not_fatal(fake_site: Any) -> None:
    fake_site.add("broken", "1.0", ["ok>=1", "bad>>1"])
    fake_site.add("ok", "1.0")
    fake_site.add("oddly-versioned", "1.0-custom build")
    fake_site.add("needs-odd", "1.0", ["oddly-versioned>=1"])
    (bad, odd) = check_dependencies(path=[str(fake_site.root)]).conflicts
    assert str(bad).startswith(
        "broken 1.0: needs bad>>1; found a requirement that does not parse ("
    )
    assert bad.ignore_entry == "broken: bad"
    assert str(odd) == (
        "needs-odd 1.0: needs oddly-versioned>=1; found 1.0-custom build (not a PEP 440 version)"
    )


def test_a_shadowed_copy_is_not_checked(make_site: Any) -> None:
    first, second = make_site("first"), make_site("second")
    first.add("torch", "2.5.0")
    second.add("torch", "1.0.0", ["missing-thing"])
    first.add("user", "1.0", ["torch>=2"])
    report = check_dependencies(path=[str(first.root), str(second.root)])
    assert report.ok
    assert report.distributions == 2


class TestIgnore:
    @pytest.fixture
    def site(self, fake_site: Any) -> Any:
        fake_site.add("vllm", "0.12.0", ["transformers<5,>=4.56.0", "xformers==0.0.33"])
        fake_site.add("transformers", "5.0.0rc1")
        fake_site.add("other", "1.0", ["transformers<5"])
        return fake_site

    def test_an_entry_silences_exactly_its_conflict(self, site: Any) -> None:
        report = check_dependencies(path=[str(site.root)], ignore=["vllm: transformers"])
        assert [c.ignore_entry for c in report.conflicts] == [
            "other: transformers",
            "vllm: xformers",
        ]
        assert [c.ignore_entry for c in report.ignored] == ["vllm: transformers"]
        assert report.unused_ignores == ()

    @pytest.mark.parametrize(
        ("ignore", "left"),
        [
            ("vllm: *", ["other: transformers"]),
            ("*: transformers", ["vllm: xformers"]),
            ("*: *", []),
            ("VLLM : Transformers, vllm: xformers", ["other: transformers"]),
            ("vllm[audio]: transformers\nother: transformers", ["vllm: xformers"]),
        ],
    )
    def test_wildcards_and_spellings(self, site: Any, ignore: str, left: list[str]) -> None:
        report = check_dependencies(path=[str(site.root)], ignore=ignore)
        assert [c.ignore_entry for c in report.conflicts] == left

    def test_entries_that_match_nothing_are_listed(self, site: Any) -> None:
        report = check_dependencies(
            path=[str(site.root)], ignore=["vllm: transformers", "vllm: triton"]
        )
        assert report.unused_ignores == ("vllm: triton",)


PIP_MISSING = re.compile(r"^(\S+) (\S+) requires (\S+), which is not installed\.$")
PIP_CONFLICT = re.compile(r"^(\S+) (\S+) has requirement (.+), but you have (\S+) (\S+)\.$")


def test_finds_what_pip_check_finds(on_path: Any) -> None:
    """Same conflicts as ``pip check`` on the same environment (the venv plus a fake site)."""
    site = on_path
    site.add("vllm", "0.12.0", ["transformers<5,>=4.56.0", "xformers==0.0.33; sys_platform != 'x'"])
    site.add("transformers", "5.0.0rc1", ["tokenizers>=0.22; python_version >= '3'"])
    site.add("tokenizers", "0.21.0")
    site.add("app", "2.0", ["vllm>=0.12", "Missing_Dep>=1", "skipped; extra == 'x'"], extras=["x"])
    site.add("loose", "1.0", ["transformers>=4.25,<6", "tokenizers~=0.21.0"])
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "check"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    pip_found = set()
    for line in pip.stdout.splitlines():
        if m := PIP_MISSING.match(line):
            pip_found.add((m[1].lower(), m[3].lower(), "not installed"))
        elif m := PIP_CONFLICT.match(line):
            pip_found.add((m[1].lower(), m[4].lower(), m[5]))
    ours = {(c.owner_key, c.dependency, c.found) for c in check_dependencies().conflicts}
    assert pip_found == ours
    assert ("vllm", "transformers", "5.0.0rc1") in ours
    assert ("app", "missing-dep", "not installed") in ours
    assert ("transformers", "tokenizers", "0.21.0") in ours
