"""One template for every skip or failure reason the kit writes: what the test needs, what was found."""

from __future__ import annotations

from collections.abc import Iterable


def need_found(need: str, found: str) -> str:
    """``needs 1 GPU with >= 24 GiB; found 1 GPU with 16.0 GiB (NVIDIA T4)``."""
    return f"needs {need}; found {found}"


def cut_list(items: Iterable[str], limit: int = 10) -> list[str]:
    """The first ``limit`` items, then ``...and N more`` so long lists stay readable in reports."""
    items = list(items)
    if len(items) <= limit:
        return items
    return [*items[:limit], f"...and {len(items) - limit} more"]


def plural(count: int, noun: str) -> str:
    """``1 GPU``, ``2 GPUs``: a count with its noun, for every message the kit writes."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'memory'?)`` for the closest of ``choices``, or ``""`` when none is close."""
    import difflib  # only for a misspelt name: not loaded at startup

    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
