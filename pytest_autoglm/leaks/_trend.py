"""The trend statistic: is memory growing steadily, round after round?

A single before/after delta cannot tell a leak from a one-off allocation (a lazy import,
a cache that filled, a freelist that grew). We fit a Theil-Sen slope (the median of the
slopes between every pair of samples), which ignores up to ~29% of outlying points, and
call the growth a leak only while it goes on: the second half of the series must grow
too. A one-off step in the middle lifts the overall slope of a short series but leaves
the second half flat; a leak lifts both. The first half is not required to grow, since
RSS often stays flat until the allocator's free pages run out and then climbs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def theil_sen_slope(samples: Sequence[float]) -> float:
    """The median of the pairwise slopes ``(y[j] - y[i]) / (j - i)`` for equally spaced samples."""
    n = len(samples)
    if n < 2:
        raise ValueError(f"a slope needs at least 2 samples, got {n}")
    slopes = sorted((samples[j] - samples[i]) / (j - i) for i in range(n) for j in range(i + 1, n))
    middle = len(slopes) // 2
    if len(slopes) % 2:
        return float(slopes[middle])
    return (slopes[middle - 1] + slopes[middle]) / 2


@dataclass(frozen=True)
class Trend:
    """Growth per round of one memory source over the measured rounds."""

    slope: float
    first_half: float
    second_half: float
    threshold: float

    @property
    def still_growing(self) -> bool:
        """The second half grows by at least half the threshold: the growth did not stop."""
        return self.second_half > self.threshold / 2

    @property
    def leaking(self) -> bool:
        return self.slope > self.threshold and self.still_growing


def trend(samples: Sequence[float], threshold: float) -> Trend:
    """Judge ``samples`` (one per round, baseline first) against ``threshold`` bytes per round."""
    if len(samples) < 4:
        raise ValueError(f"a trend needs at least 4 samples, got {len(samples)}")
    middle = (len(samples) - 1) // 2
    return Trend(
        slope=theil_sen_slope(samples),
        first_half=theil_sen_slope(samples[: middle + 1]),
        second_half=theil_sen_slope(samples[middle:]),
        threshold=threshold,
    )
