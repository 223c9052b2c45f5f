"""Declared markers: merged nearest-wins, unknown arguments named."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_autoglm._markers import MarkerError, MarkerSpec, keyword_builder


@dataclass(frozen=True, kw_only=True)
class Demo:
    enabled: bool = True
    count: int = 1
    memory: str | None = None


SPEC = MarkerSpec(
    "demo",
    "enabled=True, *, count=1, memory=None",
    "A demo.",
    keyword_builder(Demo, positional=("enabled",)),
)


def items(pytester: pytest.Pytester, source: str) -> dict[str, pytest.Item]:
    pytester.makeini("[pytest]\nmarkers = demo: a demo marker\n")
    return {item.name: item for item in pytester.getitems(source)}


def test_nearest_keyword_wins_and_keywords_merge(pytester: pytest.Pytester) -> None:
    found = items(
        pytester,
        """
        import pytest
        pytestmark = pytest.mark.demo(count=1, memory="1 GiB")

        @pytest.mark.demo(count=2)
        class TestC:
            @pytest.mark.demo(count=3)
            def test_fn(self): pass
            def test_cls(self): pass

        def test_module(): pass
        """,
    )
    assert SPEC.options_for(found["test_fn"]) == Demo(count=3, memory="1 GiB")
    assert SPEC.options_for(found["test_cls"]) == Demo(count=2, memory="1 GiB")
    assert SPEC.options_for(found["test_module"]) == Demo(count=1, memory="1 GiB")


def test_positional_argument_from_nearest_marker(pytester: pytest.Pytester) -> None:
    found = items(
        pytester,
        """
        import pytest
        pytestmark = pytest.mark.demo(count=5)

        @pytest.mark.demo(False)
        def test_off(): pass
        """,
    )
    assert SPEC.options_for(found["test_off"]) == Demo(enabled=False, count=5)


def test_unmarked_item_has_no_options(pytester: pytest.Pytester) -> None:
    assert SPEC.options_for(items(pytester, "def test_x(): pass")["test_x"]) is None


@pytest.mark.parametrize(
    ("decorator", "message"),
    [
        ("@pytest.mark.demo(memroy='1 GiB')", "unknown argument 'memroy' (did you mean 'memory'?)"),
        ("@pytest.mark.demo(True, False)", "takes 1 positional argument(s) but 2 were given"),
        ("@pytest.mark.demo(True, enabled=False)", "got multiple values for argument 'enabled'"),
    ],
    ids=["typo", "too-many-positional", "duplicate"],
)
def test_bad_arguments_name_the_culprit(
    pytester: pytest.Pytester, decorator: str, message: str
) -> None:
    item = items(pytester, f"import pytest\n{decorator}\ndef test_x(): pass\n")["test_x"]
    with pytest.raises(MarkerError) as info:
        SPEC.options_for(item)
    assert message in str(info.value)
    assert "signature: demo(enabled=True, *, count=1, memory=None)" in str(info.value)


def test_ini_line_has_signature_and_sentence() -> None:
    assert SPEC.ini_line == "demo(enabled=True, *, count=1, memory=None): A demo."


def test_a_kit_marker_with_a_typo_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autoglm_gpu(memroy="24 GiB")
        def test_typo(): pass

        def test_fine(): pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting*",
            "*test_typo: @pytest.mark.autoglm_gpu: unknown argument 'memroy' (did you mean 'memory'?)*",
        ]
    )


def test_every_kit_marker_is_registered_with_its_signature(pytester: pytest.Pytester) -> None:
    from pytest_autoglm._features import all_markers

    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines_random(
        [f"@pytest.mark.{spec.name}({spec.signature}):*" for spec in all_markers()]
    )


def test_a_colon_in_a_signature_is_refused_at_declaration() -> None:
    # pytest splits "name(signature): doc" at the first colon, which would cut the line.
    with pytest.raises(ValueError, match="must not contain ':'"):
        MarkerSpec("demo", "url='http://x'", "A demo.", keyword_builder(Demo))


@pytest.mark.parametrize(
    ("marker", "plugin"),
    [
        ("autoglm_no_leak", "autoglm.leaks.per-test"),
        ("autoglm_gpu", "autoglm.gpu.per-test"),
        ("autoglm_requires('pytest')", "autoglm.deps.per-test"),
    ],
)
def test_per_test_hooks_are_registered_only_when_a_test_needs_them(
    pytester: pytest.Pytester, marker: str, plugin: str
) -> None:
    pytester.makeconftest(
        f"""
        import pytest

        @pytest.hookimpl(trylast=True)
        def pytest_collection_finish(session):
            print("REGISTERED", session.config.pluginmanager.get_plugin({plugin!r}) is not None)
        """
    )
    pytester.makepyfile("def test_plain(): pass")
    pytester.runpytest("-s").stdout.fnmatch_lines(["*REGISTERED False*"])
    pytester.makepyfile(f"import pytest\n@pytest.mark.{marker}\ndef test_plain(): pass\n")
    pytester.runpytest("-s").stdout.fnmatch_lines(["*REGISTERED True*"])
