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
