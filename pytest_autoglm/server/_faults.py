"""Headers of ``server.fail(...)`` answers; the fault bodies live in each server profile."""

from __future__ import annotations


def retry_headers(
    retry_after: float | str | None, retry_after_ms: float | None
) -> tuple[tuple[str, str], ...]:
    out = []
    if retry_after is not None:
        value = retry_after if isinstance(retry_after, str) else (
            str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after))  # fmt: skip
        out.append(("retry-after", value))
    if retry_after_ms is not None:
        out.append(("retry-after-ms", str(retry_after_ms)))
    return tuple(out)
