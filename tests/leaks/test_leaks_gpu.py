"""The GPU paths against a faked torch.cuda and a faked pynvml (no GPU here).

A GPU leak fails only when torch's allocator and the driver agree, as in torch's own
CudaMemoryLeakCheck; growth seen by one of them alone is a warning. The real-GPU run of
these paths is owed to a session with a GPU.
"""

from __future__ import annotations

import sys

import pytest
from leak_fakes import FakeCuda, FakeNvml, MiB, install

from pytest_autoglm.leaks import (
    LeakError,
    LeakWarning,
    MemoryLimitError,
    assert_no_leak,
    memory_limit,
    no_leak,
)


@pytest.fixture
def gpu(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeCuda, FakeNvml]:
    return install(monkeypatch)


@pytest.fixture
def cuda(gpu: tuple[FakeCuda, FakeNvml]) -> FakeCuda:
    return gpu[0]


@pytest.fixture
def nvml(gpu: tuple[FakeCuda, FakeNvml]) -> FakeNvml:
    return gpu[1]


def test_a_leak_the_allocator_and_the_driver_agree_on_fails(cuda: FakeCuda, nvml: FakeNvml) -> None:
    with pytest.raises(LeakError) as caught:
        assert_no_leak(lambda: cuda.allocate(MiB), cpu=None, rss=None)
    assert caught.value.summary == "leaked 1.0 MiB/round over 20 rounds (CUDA allocator)"
    table = caught.value.result.table()
    assert "CUDA allocator: 1.0 MiB/round" in table
    assert "GPU driver (NVML): 20.0 MiB in all (consulted, not judged)" in table
    assert cuda.syncs >= 21  # synchronised before every sample
    assert nvml.inits == nvml.shutdowns == 1


def test_allocator_growth_the_driver_does_not_see_is_a_warning(
    cuda: FakeCuda, nvml: FakeNvml
) -> None:
    cuda.driver_used += 64 * MiB  # a cache the allocator reserved earlier absorbs the growth
    check = no_leak(cpu=None, rss=None)

    def cached_growth() -> None:
        with check:
            for _ in check:
                cuda.allocate(8 * 1024)

    with pytest.warns(LeakWarning, match=r"CUDA allocator grew 8\.0 KiB/round over 20 rounds"):
        cached_growth()
    assert check.result is not None
    assert check.result.passed
    assert "CUDA allocator: 8.0 KiB/round" in check.result.table()
    assert "not a leak: the CUDA allocator grew" in check.result.table()


def test_driver_growth_outside_the_allocator_is_a_warning(cuda: FakeCuda, nvml: FakeNvml) -> None:
    def other_cuda_library() -> None:
        cuda.driver_used += 2 * MiB

    with pytest.warns(LeakWarning, match=r"GPU driver \(NVML\) grew 40\.0 MiB .* did not"):
        assert_no_leak(other_cuda_library, cpu=None, rss=None)


def test_without_nvml_the_driver_view_is_cuda_mem_get_info(
    cuda: FakeCuda, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    with pytest.raises(LeakError) as caught:
        assert_no_leak(lambda: cuda.allocate(MiB), cpu=None, rss=None)
    assert "GPU driver (cudaMemGetInfo): 20.0 MiB in all" in caught.value.result.table()


def test_nvml_without_per_process_figures_falls_back(cuda: FakeCuda, nvml: FakeNvml) -> None:
    nvml.listed = False  # a container whose PIDs NVML cannot see
    with pytest.raises(LeakError) as caught:
        assert_no_leak(lambda: cuda.allocate(MiB), cpu=None, rss=None)
    assert "GPU driver (cudaMemGetInfo)" in caught.value.result.table()
    assert nvml.inits == nvml.shutdowns


def test_every_device_counts(cuda: FakeCuda, nvml: FakeNvml) -> None:
    with pytest.raises(LeakError, match=r"leaked 1\.0 MiB/round .*\(CUDA allocator\)"):
        assert_no_leak(lambda: cuda.allocate(MiB, index=1), cpu=None, rss=None)


def test_freed_tensors_are_not_a_leak(cuda: FakeCuda, nvml: FakeNvml) -> None:
    with no_leak(cpu=None, rss=None) as check:
        for _ in check:
            cuda.allocate(64 * MiB, keep=False)
    assert check.result is not None
    assert check.result.passed


@pytest.mark.parametrize("initialized", [False, True], ids=["cuda-unused", "gpu-off"])
def test_no_gpu_sources_unless_cuda_is_in_use_and_checked(
    cuda: FakeCuda, nvml: FakeNvml, initialized: bool
) -> None:
    cuda.initialized = initialized
    gpu = "4 KiB" if not initialized else None
    # The Python heap stays on (every source off is refused); only GPU sources are in question.
    with no_leak(cpu="1 GiB", rss=None, gpu=gpu) as check:
        for _ in check:
            cuda.allocate(MiB)
    assert check.result is not None
    assert check.result.passed
    assert [source.label for source in check.result.sources] == ["Python heap"]
    assert nvml.inits == 0


def test_gpu_memory_limit_uses_the_peak_since_the_start(cuda: FakeCuda) -> None:
    cuda.allocate(3 * 1024 * MiB)  # before the block: not counted
    cuda.peak[0] = 10 * 1024 * MiB  # an old peak, reset at the start
    with memory_limit(gpu="2 GiB") as limit:
        cuda.allocate(1024 * MiB, keep=False)
    assert limit.gpu_peak == 1024 * MiB
    with (
        pytest.raises(
            MemoryLimitError,
            match=r"^memory limit exceeded: needs a CUDA allocator peak <= 2\.0 GiB; found 2\.5 GiB$",
        ),
        memory_limit(gpu="2 GiB"),
    ):
        cuda.allocate(2560 * MiB, keep=False)


def test_gpu_memory_limit_counts_cuda_initialised_inside_the_block(cuda: FakeCuda) -> None:
    cuda.initialized = False

    def first_cuda_use() -> None:
        with memory_limit(gpu="1 GiB"):
            cuda.initialized = True
            cuda.allocate(3 * 1024 * MiB, keep=False)

    with pytest.raises(MemoryLimitError, match=r"found 3\.0 GiB"):
        first_cuda_use()


def test_gpu_memory_limit_without_cuda_measures_nothing(cuda: FakeCuda) -> None:
    cuda.initialized = False
    with memory_limit(gpu="1 KiB") as limit:
        pass
    assert limit.gpu_peak is None


def test_gpu_warnings_reach_the_report_and_the_summary(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from leak_fakes import MiB, install

        @pytest.fixture
        def cuda(monkeypatch):
            cuda, _ = install(monkeypatch)
            return cuda
        """
    )
    pytester.makepyfile(
        test_gpu="""
        import pytest

        @pytest.mark.autoglm_no_leak(cpu=None, rss=None)
        def test_cached_growth(cuda):
            if cuda.driver_used < 1000 * 1024 * 1024:
                cuda.driver_used += 600 * 1024 * 1024  # reserved earlier: absorbs the growth
            cuda.allocate(8 * 1024)

        @pytest.mark.autoglm_no_leak(cpu=None, rss=None)
        def test_real_growth(cuda):
            cuda.allocate(4 * 1024 * 1024)
        """
    )
    # -W: our own suite turns warnings into errors, and the in-process run inherits that
    result = pytester.runpytest("-p", "no:randomly", "-W", "default::pytest_autoglm.LeakWarning")
    result.assert_outcomes(passed=1, failed=1, warnings=1)
    result.stdout.fnmatch_lines(["leaked 4.0 MiB/round over 20 rounds (CUDA allocator)"])
    result.stdout.fnmatch_lines(
        ["*LeakWarning: the CUDA allocator grew 8.0 KiB/round over 20 rounds*"]
    )
    result.stdout.fnmatch_lines(["leak check: 2 checked, 1 leaked, 1 with GPU warnings"])
