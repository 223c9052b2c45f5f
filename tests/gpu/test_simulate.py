"""``--autoglm-simulate-gpus SPEC``: parsing, defaults, and clear usage errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.gpu import GpuSpecError, parse_simulation, read_inventory

GIB = 1024**3


def test_a_group_with_every_field() -> None:
    spec = parse_simulation(
        "2x NVIDIA H100 80GB HBM3: memory=79.6GiB, free=70GiB, capability=9.0; driver=580.159.04"
    )
    assert spec.groups == ((2, "NVIDIA H100 80GB HBM3", int(79.6 * GIB), 70 * GIB, (9, 0)),)
    assert (spec.driver, spec.cuda) == ("580.159.04", "13.0")
    assert repr(spec) == repr(spec.text)  # the header shows what the user wrote


def test_defaults_and_several_groups() -> None:
    found = read_inventory(
        simulate="NVIDIA A100-SXM4-80GB: memory=79GiB; NVIDIA T4: memory=15GiB",
        visible_devices=None,
    )
    assert [(g.index, g.name, g.memory_free, g.capability_text) for g in found] == [
        (0, "NVIDIA A100-SXM4-80GB", 79 * GIB, "8.0"),
        (1, "NVIDIA T4", 15 * GIB, "8.0"),
    ]
    assert (found.driver, found.cuda, found.simulated) == ("580.65.06", "13.0", True)
    assert found.uuids == (
        "GPU-00000000-0000-4000-8000-000000000000",
        "GPU-00000001-0000-4000-8000-000000000000",
    )


def test_an_explicit_cuda_version_wins_over_the_table() -> None:
    assert parse_simulation("NVIDIA T4: memory=15GiB; driver=535.104.05, cuda=12.3").cuda == "12.3"


def test_none_is_a_machine_without_gpus() -> None:
    found = read_inventory(simulate="none", visible_devices=None)
    assert (len(found), found.reason) == (0, "NVML reports no GPU")
    assert found.describe() == "no simulated GPU (NVML reports no GPU)"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "the SPEC is empty"),
        ("NVIDIA T4", "in 'NVIDIA T4': memory=SIZE is missing"),
        ("NVIDIA T4: memory=lots", "in 'NVIDIA T4: memory=lots': invalid size 'lots'"),
        ("NVIDIA T4: memroy=15GiB", "unknown key 'memroy' (known: memory, free, capability)"),
        ("NVIDIA T4: memory", "expected key=value, got 'memory'"),
        ("0x NVIDIA T4: memory=1GiB", "with N >= 1"),
        ("NVIDIA T4: memory=1GiB, free=2GiB", "free memory exceeds memory"),
        ("NVIDIA T4: memory=1GiB, capability=sm86", "capability 'sm86' is not a version"),
        ("NVIDIA T4: memory=1GiB; driver=new", "driver 'new' is not a version"),
        ("NVIDIA T4: memory=1GiB;;", "empty item between ';'"),
    ],
)
def test_malformed_specs_name_the_part(spec: str, message: str) -> None:
    with pytest.raises(GpuSpecError) as info:
        parse_simulation(spec)
    assert message in str(info.value)


names = (
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda n: n and not n.startswith(("driver", "cuda")) and "x " not in n[:4])
)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 4), names, st.integers(1, 200), st.integers(0, 100), st.integers(3, 12)
        ),
        min_size=1,
        max_size=3,
    )
)
def test_written_specs_parse_back(groups: list[tuple[int, str, int, int, int]]) -> None:
    text = "; ".join(
        f"{count}x {name}: memory={memory}GiB, free={memory * percent // 100}GiB, capability={major}.0"
        for count, name, memory, percent, major in groups
    )
    spec = parse_simulation(text)
    assert spec.groups == tuple(
        (count, name, memory * GIB, memory * percent // 100 * GIB, (major, 0))
        for count, name, memory, percent, major in groups
    )
    assert len(read_inventory(simulate=spec, visible_devices=None)) == sum(g[0] for g in groups)


@pytest.mark.usefixtures("clean_env")
def test_a_malformed_spec_on_the_command_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--autoglm-simulate-gpus", "NVIDIA T4")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--autoglm-simulate-gpus: invalid value 'NVIDIA T4': in 'NVIDIA T4': memory=SIZE is "
            "missing*accepted:*e.g. '2x NVIDIA H100 80GB HBM3: memory=79.6GiB, capability=9.0; "
            "driver=580.159.04'*"
        ]
    )


@pytest.mark.usefixtures("clean_env")
def test_a_malformed_spec_in_the_environment_names_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_x(): pass")
    monkeypatch.setenv("AUTOGLM_SIMULATE_GPUS", "2x T4: memory=15GiB, cc=7.5")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*AUTOGLM_SIMULATE_GPUS (environment): invalid value*unknown key 'cc'*"]
    )
