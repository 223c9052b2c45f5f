"""``CUDA_VISIBLE_DEVICES`` is applied exactly as CUDA applies it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.gpu import read_inventory
from pytest_autoglm.gpu._model import GpuInfo, Slot
from pytest_autoglm.gpu._visible import apply_visible_devices

GIB = 1024**3


def uuid(i: int) -> str:
    return f"GPU-{i}{i}aaaaaa-0000-4000-8000-00000000000{i}"


def slots(count: int = 4) -> tuple[Slot, ...]:
    return tuple(
        Slot(uuid(i), (GpuInfo(i, i, f"GPU{i}", uuid(i), 16 * GIB, 16 * GIB, (8, 0)),))
        for i in range(count)
    )


def visible(value: str | None, count: int = 4) -> list[int]:
    """The NVML indices CUDA would show, in CUDA order."""
    return [gpu.nvml_index for gpu in apply_visible_devices(value, slots(count)).gpus]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, [0, 1, 2, 3], id="unset-all"),
        pytest.param("", [], id="empty-none"),
        pytest.param("   ", [], id="blank-none"),
        pytest.param("2,1", [2, 1], id="order-kept"),
        pytest.param("0,2,-1,1", [0, 2], id="negative-ends-list"),
        pytest.param("0,7,1", [0], id="too-large-ends-list"),
        pytest.param("1,x,0", [1], id="not-a-number-ends-list"),
        pytest.param("x", [], id="first-invalid"),
        pytest.param("1gpu,2ampere", [1, 2], id="strtoul-prefix"),
        pytest.param(" 3, 0", [3, 0], id="leading-spaces"),
        pytest.param("0,1,0", [], id="duplicate-hides-all"),
        pytest.param(f"{uuid(2)},{uuid(0)}", [2, 0], id="full-uuids"),
        pytest.param("GPU-22,GPU-11", [2, 1], id="uuid-prefixes"),
        pytest.param("GPU-,GPU-11", [], id="ambiguous-prefix-first"),
        pytest.param("GPU-11,GPU-99", [1], id="unknown-uuid-ends-list"),
        pytest.param("GPU-33,1", [3], id="index-after-uuid-ends-list"),
        pytest.param("2,GPU-11", [2], id="uuid-after-index-ends-list"),
        pytest.param("GPU-11,GPU-11aa", [], id="same-gpu-twice-by-prefix"),
    ],
)
def test_cuda_visible_devices_rules(value: str | None, expected: list[int]) -> None:
    assert visible(value) == expected


def test_visible_gpus_are_renumbered_from_zero_in_cuda_order() -> None:
    gpus = apply_visible_devices("3,1", slots()).gpus
    assert [(g.index, g.nvml_index) for g in gpus] == [(0, 3), (1, 1)]


def test_a_cut_list_says_where_and_why() -> None:
    result = apply_visible_devices("0,7,1", slots())
    assert result.notes == (
        "CUDA_VISIBLE_DEVICES='0,7,1': entry '7' names no single GPU, "
        "so CUDA ignores it and what follows",
    )
    assert "names a GPU twice" in apply_visible_devices("1,1", slots()).notes[0]


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "CUDA_VISIBLE_DEVICES is empty, which hides all 2 GPUs"),
        ("5", "CUDA_VISIBLE_DEVICES='5' hides all 2 GPUs"),
    ],
)
def test_an_inventory_hidden_by_cuda_visible_devices_says_so(value: str, reason: str) -> None:
    found = read_inventory(simulate="2x NVIDIA T4: memory=15GiB", visible_devices=value)
    assert (len(found), found.reason, found.present) == (0, reason, 2)
    assert found.describe() == f"no simulated GPU ({reason})"


def test_the_environment_variable_is_read_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    found = read_inventory(simulate="2x NVIDIA T4: memory=15GiB")
    assert [g.uuid for g in found] == ["GPU-00000001-0000-4000-8000-000000000000"]
    assert found.visible_devices == "1"


@given(st.lists(st.integers(0, 5), max_size=8, unique=True))
def test_distinct_valid_indices_show_those_gpus_in_that_order(order: list[int]) -> None:
    value = ",".join(map(str, order))
    assert visible(value, count=6) == order


@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=6, unique=True),
    st.sampled_from(["-1", "9", "abc", "GPU-11"]),
    st.lists(st.integers(0, 5), max_size=3),
)
def test_an_invalid_entry_ends_the_list_there(head: list[int], bad: str, tail: list[int]) -> None:
    value = ",".join([*map(str, head), bad, *map(str, tail)])
    assert visible(value, count=6) == head


@given(st.text(alphabet="0123-GPU,ab ", max_size=20))
def test_any_value_shows_each_gpu_at_most_once_numbered_from_zero(value: str) -> None:
    gpus = apply_visible_devices(value, slots(4)).gpus
    assert len({g.uuid for g in gpus}) == len(gpus)
    assert [g.index for g in gpus] == list(range(len(gpus)))
