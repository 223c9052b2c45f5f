"""What a leak check found, and how it reads: one summary line, the sites, a table of samples."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_autoglm._reasons import cut_list
from pytest_autoglm._sizes import format_size
from pytest_autoglm.leaks._trend import Trend


@dataclass(frozen=True)
class SourceResult:
    """The samples of one memory source (baseline first) and their trend."""

    label: str
    samples: tuple[int, ...]
    trend: Trend | None  # None for a source only consulted, not judged (the GPU driver)
    #: False when a second view overruled the trend (the GPU driver saw no growth).
    confirmed: bool = True
    overruled_by: str = ""

    @property
    def leaking(self) -> bool:
        return self.trend is not None and self.trend.leaking and self.confirmed

    @property
    def total_growth(self) -> int:
        return self.samples[-1] - self.samples[0]

    def row(self) -> str:
        growth = f"{format_size(self.total_growth)} in all"
        if self.trend is None:
            return f"{self.label}: {growth} (consulted, not judged)"
        t = self.trend
        verdict = "LEAK" if self.leaking else "ok"
        if t.leaking and not self.confirmed:
            verdict = f"not a leak: {self.overruled_by}"
        return (
            f"{self.label}: {format_size(t.slope)}/round (halves {format_size(t.first_half)}, "
            f"{format_size(t.second_half)}), threshold {format_size(t.threshold)}/round, "
            f"{growth}: {verdict}"
        )


@dataclass(frozen=True)
class LeakResult:
    """The outcome of one leak check: every source's samples, the sites, any warning."""

    rounds: int
    warmup: int
    sources: tuple[SourceResult, ...]
    sites: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    #: the first measured window, when a source grew there and the rounds ran again
    #: (``sources`` then hold the second window, the verdict)
    first_window: tuple[SourceResult, ...] = ()

    @property
    def leaking(self) -> tuple[SourceResult, ...]:
        return tuple(s for s in self.sources if s.leaking)

    @property
    def passed(self) -> bool:
        return not self.leaking

    def summary(self) -> str:
        """``leaked 12.4 KiB/round over 20 rounds (Python heap)``, or ``no leak over ...``."""
        leaks = self.leaking
        if not leaks:
            judged = ", ".join(s.label for s in self.sources if s.trend is not None) or "nothing"
            return f"no leak over {self.rounds} rounds ({judged})"
        first, *rest = leaks
        assert first.trend is not None
        text = f"leaked {format_size(first.trend.slope)}/round over {self.rounds} rounds ({first.label})"
        for other in rest:
            assert other.trend is not None
            text += f"; {format_size(other.trend.slope)}/round ({other.label})"
        return text

    def details(self) -> str:
        """The growing lines of the code under test and the top allocation sites."""
        return "\n".join(self.sites)

    def table(self) -> str:
        """Every source's trend and the samples, for the report section."""
        lines = [f"{self.warmup} warm-up rounds, then {self.rounds} measured rounds"]
        if self.first_window:
            grew = ", ".join(
                f"{s.label} {format_size(s.trend.slope)}/round"
                for s in self.first_window
                if s.trend is not None and s.trend.leaking
            )
            lines[0] += (
                f", then {self.rounds} more (below): the first {self.rounds} grew ({grew}); "
                + ("so did the next" if self.leaking else
                   "the next did not, so that was one-off growth, not a leak")
            )  # fmt: skip
        lines += [source.row() for source in self.sources]
        lines += [f"warning: {w}" for w in self.warnings]
        for source in self.sources:
            base = source.samples[0]
            steps = [format_size(s - base) for s in source.samples[1:]]
            lines.append(
                f"{source.label} growth after each round: " + ", ".join(cut_list(steps, 30))
            )
        return "\n".join(lines)
