"""One GPU (or K) per pytest-xdist worker, by ``CUDA_VISIBLE_DEVICES``.

The controller reads the inventory through NVML (no CUDA context), deals the visible GPUs
out to the workers, and writes each worker's share into the worker's execnet spec as
``env:CUDA_VISIBLE_DEVICES=<uuids>``. execnet applies a spec's ``env`` in the new process
before xdist's worker code runs, so the variable is in place before pytest parses options
or imports a single conftest: whatever the worker later does with CUDA sees only its own
GPUs. UUIDs (not indices) keep the assignment correct whatever ``CUDA_DEVICE_ORDER`` is,
and an outer ``CUDA_VISIBLE_DEVICES`` is respected because only GPUs visible to the
controller are dealt. The same share also travels in ``workerinput`` as a fallback for
workers whose spec could not carry it. More workers than GPUs: GPUs are shared
round-robin, with a :class:`GpuSharingWarning`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

WORKERINPUT_KEY = "autoglm_cuda_visible_devices"
#: how many GPUs the controller dealt from (for a worker's "given 1 of 2 GPUs" reason)
TOTAL_KEY = "autoglm_gpus_dealt_from"
PLAN_KEY = pytest.StashKey[dict[str, str]]()


class GpuSharingWarning(pytest.PytestWarning):
    """More xdist workers than GPUs: some workers share a GPU (round-robin)."""


def deal(gpus: Sequence[str], workers: int, per_worker: int) -> list[tuple[str, ...]]:
    """Each worker's GPUs: ``per_worker`` consecutive ones, wrapping round when they run out.

    Every worker gets the same number of GPUs (``min(per_worker, len(gpus))``), so every
    worker collects the same ``autoglm_torch_device`` parameters.
    """
    if not gpus or per_worker < 1 or workers < 1:
        return []
    share = min(per_worker, len(gpus))
    return [
        tuple(gpus[(worker * share + offset) % len(gpus)] for offset in range(share))
        for worker in range(workers)
    ]


def sharing_message(gpus: int, workers: int, per_worker: int) -> str | None:
    """The warning text when the workers need more GPUs than there are, else ``None``."""
    wanted = workers * min(per_worker, gpus)
    if gpus == 0 or wanted <= gpus:
        return None
    return (
        f"pytest-xdist runs {workers} workers with {per_worker} GPU(s) each, "
        f"but {gpus} GPU(s) are visible: workers share GPUs round-robin"
    )


def plan_workers(config: pytest.Config, specs: Sequence[Any]) -> dict[str, str]:
    """Write each local worker's ``CUDA_VISIBLE_DEVICES`` into its spec; return the plan by worker id."""
    from pytest_autoglm._settings import settings_of
    from pytest_autoglm.gpu import gpu_mode, inventory
    from pytest_autoglm.gpu._options import GPUS_PER_WORKER

    per_worker = settings_of(config)[GPUS_PER_WORKER]
    if gpu_mode(config) == "off" or per_worker == 0:
        return {}
    uuids = inventory(config).uuids
    # Remote (ssh/socket) workers have other GPUs; a spec that sets the variable keeps it.
    local = [s for s in specs if s.popen and "CUDA_VISIBLE_DEVICES" not in s.env]
    shares = deal(uuids, len(local), per_worker)
    plan = {}
    for spec, share in zip(local, shares, strict=False):
        spec.env["CUDA_VISIBLE_DEVICES"] = plan[spec.id] = ",".join(share)
    message = sharing_message(len(uuids), len(local), per_worker)
    if message:
        config.issue_config_time_warning(GpuSharingWarning(message), stacklevel=2)
    config.stash[PLAN_KEY] = plan
    return plan


def worker_share(workerinput: Mapping[str, Any] | None) -> str | None:
    """In a worker: the ``CUDA_VISIBLE_DEVICES`` the controller dealt it, if any."""
    return None if workerinput is None else workerinput.get(WORKERINPUT_KEY)


def worker_hint(workerinput: Mapping[str, Any] | None, count: int) -> str | None:
    """In a worker dealt fewer GPUs than ``count`` out of enough: why, and the way out."""
    share = worker_share(workerinput)
    if workerinput is None or share is None:
        return None
    given = len([g for g in share.split(",") if g])
    total = int(workerinput.get(TOTAL_KEY) or 0)
    if given >= count or total < count:
        return None
    worker = workerinput.get("workerid", "this worker")
    return (
        f"worker {worker} was given {given} of {total} GPUs (pytest-xdist pins each worker); "
        f"pass --autoglm-gpus-per-worker={count}, or run multi-GPU tests without -n"
    )


def apply_share(share: str | None) -> None:
    """Fallback for a worker whose spec did not carry the variable (set before collection)."""
    if share is not None and os.environ.get("CUDA_VISIBLE_DEVICES") != share:
        os.environ["CUDA_VISIBLE_DEVICES"] = share
