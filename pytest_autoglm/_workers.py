"""Which pytest-xdist role this process plays: one answer for every capability.

pytest-xdist gives a worker's config a ``workerinput`` (what the controller sent) and a
``workeroutput`` (what goes back when the worker finishes); a controller or a plain run
has neither. Capabilities ask here instead of probing attributes themselves.
"""

from __future__ import annotations

from typing import Any

import pytest


def is_xdist_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (not the controller, not a plain run)."""
    return hasattr(config, "workerinput")


def worker_input(config: pytest.Config) -> dict[str, Any] | None:
    """In a worker: what the controller sent it; else ``None``."""
    return getattr(config, "workerinput", None)


def worker_output(config: pytest.Config) -> dict[str, Any] | None:
    """In a worker: the mapping the controller receives when the worker ends; else ``None``."""
    return getattr(config, "workeroutput", None)


def send_counts(config: pytest.Config, key: str, counts: dict[str, int]) -> None:
    """In a worker: hand ``counts`` to the controller under ``key`` (else nothing happens)."""
    output = worker_output(config)
    if output is not None:
        output[key] = dict(counts)


def received_counts(node: Any, key: str) -> dict[str, int]:
    """In the controller's ``pytest_testnodedown``: the counts a worker sent under ``key``."""
    sent = (getattr(node, "workeroutput", None) or {}).get(key) or {}
    return {name: int(value) for name, value in sent.items()}
