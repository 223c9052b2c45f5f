"""``@pytest.mark.autoglm_gpu``, the modes, the header and the summary, as users run them."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from gpu_fakes import GIB, FakeGpu, FakeNvml

from pytest_autoglm.gpu import TorchBuild

pytestmark = pytest.mark.usefixtures("clean_env")
Install = Callable[[FakeNvml], FakeNvml]

T4 = FakeGpu(name="NVIDIA T4", uuid="GPU-aa", total=15 * GIB, free=3 * GIB, capability=(7, 5))
H100 = "2x NVIDIA H100 80GB HBM3: memory=79.6GiB, capability=9.0; driver=580.159.04"
OFF = "GPU tests are off (pass --autoglm-gpu)"


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever torch this machine has, the plugin sees none (header and reasons stay exact)."""
    monkeypatch.setattr("pytest_autoglm.gpu._session.torch_build", lambda: None)


def test_gpu_tests_skip_when_the_mode_is_off(pytester: pytest.Pytester, no_nvml: None) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.autoglm_gpu
        def test_a(): pass
        @pytest.mark.autoglm_gpu(memory="24 GiB")
        def test_b(): pass
        def test_plain(): pass
        """
    )
    result = pytester.runpytest("-rs", "--autoglm-simulate-gpus", H100)
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            f"2 GPU tests skipped: {OFF}",
            f"SKIPPED [[]1[]] test_gpu_tests_skip_when_the_mode_is_off.py:2: {OFF}",
        ]
    )


@pytest.mark.usefixtures("no_torch")
def test_an_unmet_requirement_skips_with_need_and_finding(
    pytester: pytest.Pytester, install_nvml: Install
) -> None:
    install_nvml(FakeNvml([T4], driver="535.104.05", cuda=12020))
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.autoglm_gpu(memory="24 GiB", cuda=">=12.4")
        def test_big(): pass
        @pytest.mark.autoglm_gpu(memory="8 GiB", cuda=">=12.1", capability=">=7.0", name="T4")
        def test_small(): pass
        """
    )
    result = pytester.runpytest("-rs", "--autoglm-gpu")
    result.assert_outcomes(passed=1, skipped=1)
    reason = (
        "needs 1 GPU with >= 24 GiB, CUDA >= 12.4; "
        "found 1 GPU: NVIDIA T4 15.0 GiB, driver 535.104.05 (CUDA 12.2)"
    )
    result.stdout.fnmatch_lines([f"1 GPU test skipped: {reason}", f"SKIPPED * {reason}"])


REQUIREMENTS = [
    ("count=2", True),
    ("3", False),
    ("memory='79 GiB'", True),
    ("memory='80 GiB'", False),
    ("free_memory='80 GiB'", False),
    ("capability='>=9.0'", True),
    ("capability='>=10.0'", False),
    ("driver='>=580'", True),
    ("driver='>=590,<600'", False),
    ("cuda='>=13.0'", True),
    ("cuda='>=13.1'", False),
    ("name='h100'", True),
    ("name='*A100*'", False),
    ("count=2, name='NVIDIA H100*', memory='64 GiB', cuda='~=13.0'", True),
]


def test_each_requirement_is_checked(pytester: pytest.Pytester, no_torch: None) -> None:
    # one run, one test per requirement (a run costs ~0.4 s here)
    pytester.makepyfile(
        "import pytest\n"
        + "".join(
            f"@pytest.mark.autoglm_gpu({marker})\ndef test_{i}(): pass\n"
            for i, (marker, _) in enumerate(REQUIREMENTS)
        )
    )
    result = pytester.runpytest("-rA", "--autoglm-gpu", "--autoglm-simulate-gpus", H100)
    expected = {f"test_{i}": runs for i, (_, runs) in enumerate(REQUIREMENTS)}
    seen = {}
    for line in result.outlines:
        outcome, _, rest = line.partition(" ")
        if outcome in ("PASSED", "SKIPPED"):
            name = rest.split("::")[-1] if "::" in rest else rest.split(":")[0]
            seen[name.split()[0]] = outcome == "PASSED"
    result.assert_outcomes(
        passed=sum(expected.values()), skipped=len(expected) - sum(expected.values())
    )
    passed = {name for name, ran in expected.items() if ran}
    assert {n for n, ran in seen.items() if ran} == passed, result.outlines


@pytest.mark.usefixtures("no_torch")
def test_free_memory_and_capability_appear_in_the_finding(
    pytester: pytest.Pytester, install_nvml: Install
) -> None:
    install_nvml(FakeNvml([T4]))
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.autoglm_gpu(free_memory='4 GiB', capability='>=8.0')\n"
        "def test_x(): pass\n"
    )
    result = pytester.runpytest("-rs", "--autoglm-gpu")
    result.stdout.fnmatch_lines(
        [
            "SKIPPED * needs 1 GPU with >= 4 GiB free, capability >= 8.0; found 1 GPU: "
            "NVIDIA T4 15.0 GiB (capability 7.5, 3.0 GiB free), driver 535.104.05 (CUDA 12.2)"
        ]
    )


def test_require_gpu_turns_the_skip_into_an_error_at_setup(
    pytester: pytest.Pytester, no_nvml: None
) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.fixture
        def model():
            raise AssertionError("fixtures of an unmet GPU test must not run")
        @pytest.mark.autoglm_gpu
        def test_gpu(model): pass
        def test_plain(): pass
        """
    )
    result = pytester.runpytest("--autoglm-require-gpu")
    result.assert_outcomes(passed=1, errors=1)
    reason = "needs 1 GPU; found no GPU (NVML library not found)"
    result.stdout.fnmatch_lines([f"*{reason}", f"1 GPU test failed at setup: {reason}"])
    result.stdout.no_fnmatch_line("*must not run*")


def test_require_gpu_runs_what_it_can(pytester: pytest.Pytester, no_torch: None) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.autoglm_gpu(2)\ndef test_x(): pass\n")
    pytester.makeini("[pytest]\nautoglm_require_gpu = true\n")
    result = pytester.runpytest("--autoglm-simulate-gpus", H100)
    result.assert_outcomes(passed=1)


def test_gpu_mode_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, no_torch: None
) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.autoglm_gpu\ndef test_x(): pass\n")
    monkeypatch.setenv("AUTOGLM_GPU", "yes")
    monkeypatch.setenv("AUTOGLM_SIMULATE_GPUS", H100)
    pytester.runpytest().assert_outcomes(passed=1)


BAD_MARKERS = [
    ("memroy='24 GiB'", "unknown argument 'memroy' (did you mean 'memory'?)"),
    ("memory='lots'", "memory='lots': invalid size 'lots'"),
    ("cuda='12.4'", "cuda='12.4' is not a version specifier; did you mean '>=12.4'?"),
    ("driver='>=abc'", "driver='>=abc' is not a version specifier like '>=535'"),
    ("capability=8.0", "capability=8.0: expected a version specifier string like '>=8.0'"),
    ("count=0", "count=0: expected a whole number >= 1"),
    ("1, count=2", "got multiple values for argument 'count'"),
    ("name=''", "name='': expected a GPU name or pattern"),
]


def test_a_bad_marker_argument_is_a_collection_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n"
        + "".join(
            f"@pytest.mark.autoglm_gpu({marker})\ndef test_{i}(): pass\n"
            for i, (marker, _) in enumerate(BAD_MARKERS)
        )
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    for i, (_, message) in enumerate(BAD_MARKERS):
        result.stdout.fnmatch_lines([f"*::test_{i}: @pytest.mark.autoglm_gpu: {message}*"])


def test_the_header_without_a_gpu(pytester: pytest.Pytester, no_nvml: None) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["autoglm: *no GPU (NVML library not found); GPU tests off*"])


@pytest.mark.parametrize(
    ("torch", "shown"),
    [
        (TorchBuild("2.11.0+cu130", "13.0"), ", torch 2.11.0+cu130"),
        (TorchBuild("2.13.0+cpu", None), ", torch 2.13.0+cpu (no CUDA)"),
        (None, ""),
    ],
    ids=["cuda-torch", "cpu-torch", "no-torch"],
)
def test_the_header_names_gpus_driver_cuda_torch_and_mode(
    pytester: pytest.Pytester,
    install_nvml: Install,
    monkeypatch: pytest.MonkeyPatch,
    torch: TorchBuild | None,
    shown: str,
) -> None:
    h100 = FakeGpu(name="NVIDIA H100 80GB HBM3", total=85520809984, capability=(9, 0))
    install_nvml(FakeNvml([h100, h100], driver="580.159.04", cuda=13000))
    monkeypatch.setattr("pytest_autoglm.gpu._session.torch_build", lambda: torch)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--autoglm-gpu")
    result.stdout.fnmatch_lines(
        [
            "autoglm: *2 GPUs: NVIDIA H100 80GB HBM3 x2 (79.6 GiB), driver 580.159.04 (CUDA 13.0)"
            f"{shown}; GPU tests on*"
        ]
    )


def test_a_torch_built_for_a_newer_cuda_is_named_in_header_and_reason(
    pytester: pytest.Pytester, install_nvml: Install, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_nvml(FakeNvml([T4], driver="535.104.05", cuda=12020))
    build = TorchBuild("2.9.0+cu130", "13.0")
    monkeypatch.setattr("pytest_autoglm.gpu._session.torch_build", lambda: build)
    pytester.makepyfile("import pytest\n@pytest.mark.autoglm_gpu\ndef test_x(): pass\n")
    result = pytester.runpytest("-rs", "--autoglm-require-gpu")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "autoglm: *driver 535.104.05 (CUDA 12.2), torch 2.9.0+cu130 (built for CUDA 13.0 > "
            "driver's 12.2); GPU tests required*",
            "*needs 1 GPU, driver >= 580.65.06 for torch 2.9.0+cu130 (built for CUDA 13.0); "
            "found 1 GPU: NVIDIA T4 15.0 GiB, driver 535.104.05 (CUDA 12.2), torch 2.9.0+cu130",
        ]
    )


def test_an_empty_cuda_visible_devices_hides_every_gpu(
    pytester: pytest.Pytester, install_nvml: Install, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_nvml(FakeNvml([T4, T4]))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    pytester.makepyfile("import pytest\n@pytest.mark.autoglm_gpu\ndef test_x(): pass\n")
    result = pytester.runpytest("-rs", "--autoglm-gpu")
    result.stdout.fnmatch_lines(
        [
            "autoglm: *no GPU (CUDA_VISIBLE_DEVICES is empty, which hides all 2 GPUs); GPU tests on*",
            "SKIPPED * needs 1 GPU; found no GPU (CUDA_VISIBLE_DEVICES is empty, which hides all 2 GPUs)",
        ]
    )


def test_the_summary_counts_skips_by_reason_and_shows_notes(
    pytester: pytest.Pytester, install_nvml: Install, no_torch: None
) -> None:
    import pynvml

    install_nvml(
        FakeNvml([T4, T4], failures={("nvmlDeviceGetUUID", 1): pynvml.NVML_ERROR_GPU_IS_LOST})
    )
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.autoglm_gpu(count=2)
        @pytest.mark.parametrize("n", range(3))
        def test_two(n): pass
        @pytest.mark.autoglm_gpu(memory="20 GiB")
        def test_big(): pass
        @pytest.mark.autoglm_gpu
        def test_one(): pass
        """
    )
    result = pytester.runpytest("--autoglm-gpu")
    result.assert_outcomes(passed=1, skipped=4)
    found = "found 1 GPU: NVIDIA T4 15.0 GiB, driver 535.104.05 (CUDA 12.2)"
    result.stdout.fnmatch_lines(
        [
            "*- autoglm -*",
            f"3 GPU tests skipped: needs 2 GPUs; {found}",
            f"1 GPU test skipped: needs 1 GPU with >= 20 GiB; {found}",
            "GPU note: GPU 1 left out: NVML error: GPU is lost",
        ]
    )


def test_the_inventory_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_inventory(autoglm_gpus, pytestconfig):
            from pytest_autoglm.gpu import inventory
            assert autoglm_gpus is inventory(pytestconfig)
            assert [g.name for g in autoglm_gpus] == ["NVIDIA T4", "NVIDIA A10G"]
            assert autoglm_gpus[1].memory_total == 22 * 1024**3
            assert (autoglm_gpus.driver, autoglm_gpus.cuda) == ("550.54.15", "12.4")
        """
    )
    spec = "NVIDIA T4: memory=15GiB; NVIDIA A10G: memory=22GiB; driver=550.54.15"
    pytester.runpytest("--autoglm-simulate-gpus", spec).assert_outcomes(passed=1)


def test_help_lists_the_gpu_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "*--autoglm-gpu*",
            "*--autoglm-require-gpu*",
            "*--autoglm-gpus-per-worker=K*",
            "*--autoglm-simulate-gpus=SPEC*",
        ]
    )


def test_markers_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.autoglm_gpu(count=1, *, memory=None*"])


def test_entry_point_loading_and_environment_in_a_subprocess(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_SIMULATE_GPUS", "NVIDIA L4: memory=22GiB, capability=8.9")
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.autoglm_gpu(capability=">=8.9")
        def test_l4(autoglm_gpus):
            assert autoglm_gpus[0].name == "NVIDIA L4"
        """
    )
    result = pytester.runpytest_subprocess("--autoglm-gpu", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["autoglm: *1 simulated GPU: NVIDIA L4 (22.0 GiB)*; GPU tests on*"])


def test_a_bad_gpus_per_worker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--autoglm-gpus-per-worker", "two")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--autoglm-gpus-per-worker: invalid value 'two': expected a whole number; accepted:*"]
    )


def test_nvml_is_read_once_per_session(
    pytester: pytest.Pytester, install_nvml: Install, no_torch: None
) -> None:
    fake = install_nvml(FakeNvml([T4, T4]))
    pytester.makepyfile(
        """
        import pytest
        @pytest.fixture
        def autoglm_torch_device(request):  # stands in for the kit's: no torch needed
            return request.param
        @pytest.mark.autoglm_gpu
        @pytest.mark.parametrize("n", range(5))
        def test_gpu(n, autoglm_gpus, autoglm_torch_device): pass
        """
    )
    result = pytester.runpytest("--autoglm-gpu")
    result.assert_outcomes(passed=15)  # 5 x (cpu, cuda:0, cuda:1)
    assert (fake.inits, fake.shutdowns) == (1, 1)


def test_loading_the_gpu_plugin_reads_and_imports_nothing_gpu(pytester: pytest.Pytester) -> None:
    code = (
        "import sys, pytest, pytest_autoglm._plugins.gpu\n"
        "print(sorted(m for m in sys.modules if m.startswith('pytest_autoglm.gpu')"
        " or m in ('pynvml', 'packaging.specifiers', 'torch')))\n"
    )
    result = pytester.run(sys.executable, "-c", code)
    # only the package (lazy) and its declarations: options and the marker
    assert result.stdout.lines == ["['pytest_autoglm.gpu', 'pytest_autoglm.gpu._options']"]
