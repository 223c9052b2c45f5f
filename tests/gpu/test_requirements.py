"""``GpuRequirement``: what a marker asks for, checked against an inventory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.gpu import GpuRequirement, read_inventory

GIB = 1024**3


@given(
    memories=st.lists(st.integers(1, 96), min_size=0, max_size=6),
    wanted=st.integers(1, 96),
    count=st.integers(1, 4),
)
def test_a_memory_requirement_is_met_exactly_when_enough_gpus_are_big_enough(
    memories: list[int], wanted: int, count: int
) -> None:
    spec = "; ".join(f"GPU{i}: memory={m}GiB" for i, m in enumerate(memories)) or "none"
    found = read_inventory(simulate=spec, visible_devices=None)
    requirement = GpuRequirement(count=count, memory=f"{wanted} GiB")
    big_enough = sum(m >= wanted for m in memories)
    reason = requirement.unmet(found)
    assert (reason is None) == (big_enough >= count)
    if reason is not None:
        assert reason.startswith(f"needs {requirement.need()}; found ")


@pytest.mark.parametrize(
    ("requirement", "need"),
    [
        (GpuRequirement(), "1 GPU"),
        (GpuRequirement(count=2, memory="24 GiB"), "2 GPUs with >= 24 GiB"),
        (
            GpuRequirement(memory=16 * GIB, free_memory="8GiB"),
            "1 GPU with >= 16.0 GiB, >= 8GiB free",
        ),
        (
            GpuRequirement(cuda=">=12.4,<13", driver=">=550"),
            "1 GPU with CUDA >= 12.4, < 13, driver >= 550",
        ),
        (
            GpuRequirement(name="H100", capability="~=9.0"),
            "1 GPU with name 'H100', capability ~= 9.0",
        ),
    ],
)
def test_the_need_reads_as_written(requirement: GpuRequirement, need: str) -> None:
    assert requirement.need() == need


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"count": True}, ValueError, "count=True: expected a whole number >= 1"),
        ({"count": "2"}, ValueError, "count='2'"),
        ({"memory": "-1 GiB"}, ValueError, "memory='-1 GiB'"),
        ({"cuda": 12.4}, TypeError, "cuda=12.4: expected a version specifier string"),
        ({"driver": "535"}, ValueError, "did you mean '>=535'?"),
        ({"capability": "abc"}, ValueError, "is not a version specifier; write an operator"),
        ({"cuda": ">=12.4,"}, ValueError, "cuda='>=12.4,' is not a version specifier; write"),
        ({"driver": ""}, ValueError, "driver='' is not a version specifier; write an operator"),
        ({"name": 3}, ValueError, "name=3"),
    ],
)
def test_bad_values_name_the_argument(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        GpuRequirement(**kwargs)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_a_driver_or_cuda_limit_is_checked_once_for_the_machine() -> None:
    found = read_inventory(
        simulate="2x NVIDIA T4: memory=15GiB; driver=535.104.05", visible_devices=None
    )
    assert GpuRequirement(count=2, driver=">=535.104", cuda="==12.2").unmet(found) is None
    assert GpuRequirement(driver=">=550").unmet(found) == (
        "needs 1 GPU with driver >= 550; found 2 simulated GPUs: NVIDIA T4 15.0 GiB x2, "
        "driver 535.104.05 (CUDA 12.2)"
    )
