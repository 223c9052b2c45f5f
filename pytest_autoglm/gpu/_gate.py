"""Gating a test on GPUs: each requirement evaluated once per session, skip or fail in a line.

A test's ``autoglm_gpu`` requirement is built at collection and kept in the item's stash
(as pytest's ``skipping.py`` keeps its evaluated marks); the verdict for a requirement is
computed once per session and inventory, so a thousand tests with the same marker cost
one check. ``autoglm_torch_device`` asks the same question (``count=index + 1``) after its
own torch checks.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

from pytest_autoglm._reasons import need_found
from pytest_autoglm.gpu._options import OFF_REASON, PROPERTY
from pytest_autoglm.gpu._requirements import GpuRequirement
from pytest_autoglm.gpu._session import gpu_mode, inventory, torch_of

#: the test's requirement, evaluated from its markers once collection is final
REQUIREMENT_KEY = pytest.StashKey[GpuRequirement]()
_VERDICTS = pytest.StashKey[dict[GpuRequirement, str | None]]()


def verdict(config: pytest.Config, requirement: GpuRequirement) -> str | None:
    """``None`` when this session's GPUs meet ``requirement``, else the reason; cached."""
    cache = config.stash.setdefault(_VERDICTS, {})
    try:
        return cache[requirement]
    except KeyError:
        pass
    if gpu_mode(config) == "off":
        reason: str | None = OFF_REASON
    else:
        reason = requirement.unmet(inventory(config), torch_of(config))
        if reason is not None:
            from pytest_autoglm._workers import worker_input
            from pytest_autoglm.gpu._xdist import worker_hint

            hint = worker_hint(worker_input(config), requirement.count)
            reason = f"{reason}; {hint}" if hint else reason
    cache[requirement] = reason
    return reason


def gate(config: pytest.Config, item: pytest.Item, reason: str) -> NoReturn:
    """Skip (or, with --autoglm-require-gpu, fail) the test for an unmet GPU need."""
    item.user_properties.append((PROPERTY, reason))
    if gpu_mode(config) == "required" and reason != OFF_REASON:
        pytest.fail(reason, pytrace=False)
    raise pytest.skip.Exception(reason, _use_item_location=True)


def check_item(item: pytest.Item) -> None:
    """The setup gate of a test marked ``autoglm_gpu`` (a no-op for any other test)."""
    requirement = item.stash.get(REQUIREMENT_KEY, None)
    if requirement is not None:
        reason = verdict(item.config, requirement)
        if reason is not None:
            gate(item.config, item, reason)


def torch_device_verdict(config: pytest.Config, target: str) -> str | None:
    """Why ``autoglm_torch_device`` cannot run on ``target`` (``cuda:1``), if it cannot."""
    if target == "cpu":
        return None
    if gpu_mode(config) == "off":
        return OFF_REASON
    # the same check as autoglm_gpu(count=index + 1): enough GPUs, and a driver for torch's CUDA
    reason = verdict(config, GpuRequirement(count=int(target.partition(":")[2] or 0) + 1))
    if reason is not None:
        return reason
    torch = torch_of(config)
    if torch is None:
        return need_found(f"torch for {target}", "torch is not installed")
    if torch.cuda is None:
        return need_found("torch built with CUDA", f"torch {torch.version}")
    return None
