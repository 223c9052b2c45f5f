"""``unmet_requirements``: PEP 508 requirements against fake installed distributions."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_autoglm.deps import DependencyError, UnmetRequirement, unmet_requirements

# (requirement, installed transformers version or None, expected finding or None when met)
TABLE = [
    ("transformers>=5.0.0rc0", "5.0.0rc1", None),
    ("transformers>=5.0.0rc0", "4.57.1", "4.57.1"),
    ("transformers>=5", "5.0.0rc1", "5.0.0rc1"),
    ("transformers<5", "5.0.0rc1", "5.0.0rc1"),
    ("transformers<5,>=4.56.0", "5.0.0rc1", "5.0.0rc1"),
    # pip's rule for an installed distribution: a pre-release is admitted.
    ("transformers>=4.25,<6", "5.0.0rc1", None),
    ("transformers>=4.25,<6", "4.57.1", None),
    ("transformers==4.57.*", "4.57.1", None),
    ("transformers~=4.56", "5.0.0", "5.0.0"),
    ("transformers", None, "not installed"),
    ("transformers>=4", None, "not installed"),
    ("Transformers>=4", "4.57.1", None),
    ("transformers>=4.25; python_version < '3'", None, None),
    ("transformers>=99; python_version >= '3'", "4.57.1", "4.57.1"),
    ("transformers>=4; extra == 'test'", None, None),
]


@pytest.mark.parametrize(
    ("requirement", "installed", "finding"),
    TABLE,
    ids=[f"{r} vs {i}" for r, i, _ in TABLE],
)
def test_requirement_against_installed_version(
    fake_site: Any, requirement: str, installed: str | None, finding: str | None
) -> None:
    if installed is not None:
        fake_site.add("transformers", installed)
    unmet = unmet_requirements([requirement], path=[str(fake_site.root)])
    if finding is None:
        assert unmet == []
    else:
        shown = requirement.split(";", maxsplit=1)[0].strip()
        assert unmet == [UnmetRequirement(shown, "transformers", finding)]


def test_an_install_outside_its_requires_python_is_unmet(fake_site: Any) -> None:
    import platform

    here = platform.python_version()
    fake_site.add("phone-agent", "0.1.1", requires_python=">=99")  # --ignore-requires-python
    fake_site.add("fits", "1.0", requires_python=">=3.8")
    (unmet,) = unmet_requirements(["phone-agent>=0.1", "fits"], path=[str(fake_site.root)])
    assert unmet.reason == (
        f"needs phone-agent>=0.1; found 0.1.1 (declares Requires-Python >=99; this is Python {here})"
    )


def test_reason_uses_the_need_found_template(fake_site: Any) -> None:
    fake_site.add("transformers", "4.57.1")
    (unmet,) = unmet_requirements(["transformers>=5.0.0rc0"], path=[str(fake_site.root)])
    assert unmet.reason == "needs transformers>=5.0.0rc0; found 4.57.1"


def test_the_requirement_is_shown_as_written_without_its_marker(fake_site: Any) -> None:
    (unmet,) = unmet_requirements(
        ["transformers>=4.25,<6; python_version>='3.10'"], path=[str(fake_site.root)]
    )
    assert unmet.reason == "needs transformers>=4.25,<6; found not installed"


def test_any_spelling_finds_the_distribution(fake_site: Any) -> None:
    fake_site.add("Foo_Bar.baz", "1.0")
    assert (
        unmet_requirements(["foo-bar-baz>=1", "FOO.BAR_BAZ==1.0"], path=[str(fake_site.root)]) == []
    )


def test_first_distribution_on_the_path_wins(make_site: Any) -> None:
    first, second = make_site("a"), make_site("b")
    first.add("torch", "2.0.0")
    second.add("torch", "2.5.0")
    path = [str(first.root), str(second.root)]
    assert [u.found for u in unmet_requirements(["torch>=2.1"], path=path)] == ["2.0.0"]
    assert unmet_requirements(["torch>=2.1"], path=path[::-1]) == []


def test_a_version_pep_440_cannot_read_never_meets_a_specifier(fake_site: Any) -> None:
    fake_site.add("oddball", "1.0-custom build")
    path = [str(fake_site.root)]
    (unmet,) = unmet_requirements(["oddball>=1"], path=path)
    assert unmet.found == "1.0-custom build (not a PEP 440 version)"
    assert unmet_requirements(["oddball"], path=path) == []


class TestExtras:
    def test_an_extra_needs_what_it_adds(self, fake_site: Any) -> None:
        fake_site.add(
            "kit",
            "0.1.0",
            ["packaging>=23", "torch>=2.1; extra == 'torch'"],
            extras=["torch"],
        )
        path = [str(fake_site.root)]
        (unmet,) = unmet_requirements(["kit[torch]"], path=path)
        assert unmet.reason == (
            "needs kit[torch]; found 0.1.0 with torch not installed (extra 'torch' needs torch>=2.1)"
        )
        fake_site.add("torch", "2.0.0")
        (unmet,) = unmet_requirements(["kit[torch]>=0.1"], path=path)
        assert unmet.found == "0.1.0 with torch 2.0.0 (extra 'torch' needs torch>=2.1)"

    def test_met_extra_and_base_requirements_are_not_its_business(self, fake_site: Any) -> None:
        fake_site.add(
            "kit", "0.1.0", ["missing-base>=1", "torch>=2.1; extra == 'torch'"], extras=["torch"]
        )
        fake_site.add("torch", "2.5.0")
        assert unmet_requirements(["kit[torch]"], path=[str(fake_site.root)]) == []

    def test_an_extra_the_distribution_does_not_provide(self, fake_site: Any) -> None:
        fake_site.add("kit", "0.1.0", extras=["torch"])
        (unmet,) = unmet_requirements(["kit[cuda]"], path=[str(fake_site.root)])
        assert unmet.reason == "needs kit[cuda]; found 0.1.0 without extra 'cuda'"

    def test_extra_names_are_normalised(self, fake_site: Any) -> None:
        fake_site.add("kit", "0.1.0", ["torch>=2.1; extra == 'gpu-all'"], extras=["gpu_all"])
        (unmet,) = unmet_requirements(["kit[GPU.all]"], path=[str(fake_site.root)])
        assert "with torch not installed" in unmet.found


def test_egg_info_requirements_are_read_from_requires_txt(fake_site: Any) -> None:
    from pytest_autoglm.deps._installed import installed_distributions

    fake_site.add_egg_info("legacy", "1.0", "six>=1.0\n\n[test]\npytest\n")
    (dist,) = installed_distributions([str(fake_site.root)]).values()
    assert dist.version == "1.0"
    assert dist.requires == ("six>=1.0", 'pytest; extra == "test"')


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("torch>>2", "invalid requirement 'torch>>2'"),
        ("", "invalid requirement ''"),
        ("torch >= 2.1.*", "invalid requirement 'torch >= 2.1.*'"),
        ("torch; python_version >> '3'", "invalid requirement"),
        (2.1, "requirement 2.1 is a float, not a string"),
        (5, "requirement 5 is an int, not a string"),
    ],
)
def test_a_malformed_requirement_names_itself_and_the_form(value: Any, message: str) -> None:
    with pytest.raises(DependencyError, match="PEP 508") as info:
        unmet_requirements([value])
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
