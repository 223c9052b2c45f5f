"""Properties of the trend statistic that decides "leak" (pure functions, hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.leaks._trend import theil_sen_slope, trend

sizes = st.integers(min_value=0, max_value=1 << 30)
lengths = st.integers(min_value=6, max_value=40)


@given(base=sizes, slope=st.integers(min_value=-(1 << 16), max_value=1 << 16), n=lengths)
def test_a_straight_line_has_its_own_slope(base: int, slope: int, n: int) -> None:
    assert theil_sen_slope([base + slope * i for i in range(n)]) == pytest.approx(slope)


@given(base=sizes, n=lengths, step=st.integers(min_value=1, max_value=1 << 24), data=st.data())
def test_a_one_off_step_is_not_a_leak(base: int, n: int, step: int, data: st.DataObject) -> None:
    # Whatever its size, a single jump anywhere in the series must not read as steady growth
    # once the series is long enough for the statistic to be robust (the default: 21 points).
    n = max(n, 21)
    at = data.draw(st.integers(min_value=1, max_value=n - 1))
    series = [base + (step if i >= at else 0) for i in range(n)]
    assert not trend(series, threshold=512).leaking


@given(
    leak=st.integers(min_value=1025, max_value=1 << 20),
    noise=st.lists(st.integers(min_value=-256, max_value=256), min_size=21, max_size=21),
)
def test_steady_growth_above_the_threshold_is_a_leak_despite_noise(
    leak: int, noise: list[int]
) -> None:
    series = [leak * i + jitter for i, jitter in enumerate(noise)]
    assert trend(series, threshold=512).leaking


@given(leak=st.integers(min_value=0, max_value=511), n=lengths)
def test_steady_growth_below_the_threshold_is_not_a_leak(leak: int, n: int) -> None:
    assert not trend([leak * i for i in range(n)], threshold=512).leaking


@given(series=st.lists(sizes, min_size=4, max_size=30), shift=sizes)
def test_the_trend_ignores_the_baseline(series: list[int], shift: int) -> None:
    moved = [value + shift for value in series]
    assert trend(moved, 512) == trend(series, 512)


def test_growth_that_stopped_midway_is_not_a_leak() -> None:
    # A cache filling during the first half, then full: the second half is flat.
    series = [min(i, 10) * 4096 for i in range(21)]
    result = trend(series, threshold=512)
    assert result.slope > 512
    assert not result.still_growing
    assert not result.leaking


def test_growth_that_starts_late_is_a_leak() -> None:
    # RSS stays flat until malloc's free pages run out, then climbs every round.
    series = [max(0, i - 6) * 65536 for i in range(21)]
    assert trend(series, threshold=32768).leaking


@pytest.mark.parametrize("n", [0, 1, 3])
def test_too_few_samples_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        trend([0] * n, 512)
