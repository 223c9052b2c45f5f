"""Which lines allocated the memory that stayed: tracemalloc snapshots compared by traceback."""

from __future__ import annotations

import linecache
import os
import sysconfig
import tracemalloc
from pathlib import Path

from pytest_autoglm._reasons import cut_list
from pytest_autoglm._sizes import format_size

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
#: The kit itself: its frames are never "the code under test".
_KIT_DIR = os.path.dirname(_PACKAGE_DIR) + os.sep
#: The kit's fake server keeps a record of every request (``server.calls``), so a repeated
#: body that calls it grows that record by design: growth allocated under its frames is
#: the kit's bookkeeping, like pytest's.
_SERVER_DIR = os.path.join(_KIT_DIR, "server") + os.sep

#: Frames hidden from a printed traceback: the kit's round loop and the test runner.
_RUNNER_PARTS = (
    _PACKAGE_DIR,
    os.path.join(os.path.dirname(_PACKAGE_DIR), "_plugins", "leaks.py"),
    f"{os.sep}_pytest{os.sep}",
    f"{os.sep}pluggy{os.sep}",
)
#: Innermost frames of allocations kept by the runtime's own bookkeeping, not the test's.
_BOOKKEEPING = (
    f"{os.sep}hypothesis{os.sep}",
    f"{os.sep}_pytest{os.sep}",
    f"{os.sep}pluggy{os.sep}",
    "<frozen importlib",
)
#: Library folders, longest first: frames there are not the code under test's.
_NAMED_DIRS = sorted(
    {
        ("site-packages" if key in ("purelib", "platlib") else "stdlib", path)
        for key in ("purelib", "platlib", "stdlib", "platstdlib")
        if (path := sysconfig.get_paths().get(key))
    },
    key=lambda pair: len(pair[1]),
    reverse=True,
)
_LIBRARY_DIRS = tuple(directory for _, directory in _NAMED_DIRS)
SITES_SHOWN = 5
FRAMES_SHOWN = 6


def snapshot() -> tracemalloc.Snapshot:
    """The live allocations now. Unfiltered: filtering every trace in Python is slow; the
    (few) growing sites are filtered instead."""
    return tracemalloc.take_snapshot()


def _kit_made(traceback: tracemalloc.Traceback) -> bool:
    # The innermost frame is the kit's (its own sample arrays), or tracemalloc is anywhere
    # on the stack (the snapshot machinery calling fnmatch, re, abc).
    innermost = traceback[-1].filename if len(traceback) else "<unknown>"
    if innermost.startswith(_PACKAGE_DIR) or innermost == "<unknown>":
        return True
    return any(frame.filename == tracemalloc.__file__ for frame in traceback)


def attribute(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, rounds: int
) -> tuple[list[str], float]:
    """The growing sites for the report, and the code under test's net growth per round.

    Growth allocated inside the runtime's bookkeeping (hypothesis's engine, pytest,
    import machinery, the kit's fake server's call record) is left out of the figure: it
    is not the code under test's.
    """
    stats = [s for s in after.compare_to(before, "traceback") if not _kit_made(s.traceback)]
    users = [s for s in stats if not _bookkeeping(s.traceback)]
    user_growth = sum(s.size_diff for s in users) / rounds
    shown = [s for s in users if s.size_diff > 0] or [s for s in stats if s.size_diff > 0]
    lines = _by_own_line(shown, rounds)
    lines.append("top growing allocation sites:")
    lines += _format_sites(shown, rounds)
    return lines, user_growth


def _by_own_line(stats: list[tracemalloc.StatisticDiff], rounds: int) -> list[str]:
    """Growth summed per line of the code under test that led to it (outside libraries).

    A leaked client is a dozen allocation sites inside httpx, but one line of yours.
    """
    totals: dict[tuple[str, int], int] = {}
    for stat in stats:
        own = next((f for f in reversed(stat.traceback) if _is_own(f.filename)), None)
        if own is not None:
            key = (own.filename, own.lineno)
            totals[key] = totals.get(key, 0) + stat.size_diff
    if len(totals) >= len(stats):  # one site per line: the sites below say it all
        return []
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    lines = [
        f"  +{format_size(size / rounds)}/round through {_short(filename)}:{lineno}"
        + (f": {code}" if (code := linecache.getline(filename, lineno).strip()) else "")
        for (filename, lineno), size in ranked
    ]
    return ["growth by line of the code under test:", *cut_list(lines, SITES_SHOWN)]


def _is_own(filename: str) -> bool:
    """A frame of the code under test: not the runner, the kit, a library, or the stdlib."""
    if filename.startswith(("<", _KIT_DIR)) or _is_runner(filename):
        return False
    return not filename.startswith(_LIBRARY_DIRS)


def _bookkeeping(traceback: tracemalloc.Traceback) -> bool:
    innermost = traceback[-1].filename if len(traceback) else "<unknown>"
    if any(part in innermost for part in _BOOKKEEPING):
        return True
    return any(frame.filename.startswith(_SERVER_DIR) for frame in traceback)


def _format_sites(stats: list[tracemalloc.StatisticDiff], rounds: int) -> list[str]:
    """Each growing site per round with its traceback, biggest first, cut after a few."""
    stats = sorted(stats, key=lambda s: s.size_diff, reverse=True)
    # Sites under 2% of the total growth are the runtime's crumbs, not the leak.
    total = sum(s.size_diff for s in stats)
    stats = [s for s in stats if s.size_diff >= total / 50] or stats
    entries = []
    for stat in stats:
        # tracemalloc keeps frames oldest first; a report reads best from the allocating line out.
        recent_first = list(reversed(stat.traceback))
        frames = [f for f in recent_first if not _is_runner(f.filename)] or recent_first
        where = f"{_short(frames[0].filename)}:{frames[0].lineno}"
        lines = [
            f"+{format_size(stat.size_diff / rounds)}/round "
            f"({stat.count_diff / rounds:+.1f} blocks/round) at {where}"
        ]
        for frame in frames[:FRAMES_SHOWN]:
            code = linecache.getline(frame.filename, frame.lineno).strip()
            lines.append(
                f"    {_short(frame.filename)}:{frame.lineno}" + (f": {code}" if code else "")
            )
        entries.append("\n".join(lines))
    return cut_list(entries, SITES_SHOWN)


def _is_runner(filename: str) -> bool:
    return any(part in filename for part in _RUNNER_PARTS)


def _short(filename: str) -> str:
    """A library file relative to its folder, else relative to the working directory."""
    for name, directory in _NAMED_DIRS:
        if filename.startswith(directory):
            return f"<{name}>/{filename[len(directory) :].lstrip(os.sep)}"
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive on Windows
        return filename
    return filename if relative.startswith("..") else relative
