"""The ``autoglm-ci`` hypothesis settings profile (imported with hypothesis, never at plugin load)."""

from __future__ import annotations

CI_PROFILE = "autoglm-ci"


def register_ci_profile() -> None:
    """Register ``autoglm-ci``: derandomized, no deadline, reproduce blobs printed.

    Derandomized so CI reruns find the same examples (no flaky red builds); no deadline
    and no too-slow health check because shared CI runners stall; ``print_blob`` so a
    failure in CI can be replayed locally with ``@reproduce_failure``; no example
    database, which a fresh runner would throw away. Registering again is harmless.
    """
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        deadline=None,
        print_blob=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
