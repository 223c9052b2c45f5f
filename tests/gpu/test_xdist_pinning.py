"""Under ``pytest -n N --autoglm-gpu`` each xdist worker gets its own GPU(s)."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import execnet
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.gpu._xdist import (
    WORKERINPUT_KEY,
    GpuSharingWarning,
    apply_share,
    deal,
    plan_workers,
    sharing_message,
    worker_share,
)

pytestmark = pytest.mark.usefixtures("clean_env")


def sim_uuid(i: int) -> str:
    return f"GPU-{i:08x}-0000-4000-8000-000000000000"


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 4))
def test_every_worker_gets_the_same_number_of_gpus(gpus: int, workers: int, per: int) -> None:
    shares = deal([sim_uuid(i) for i in range(gpus)], workers, per)
    assert len(shares) == workers
    assert {len(share) for share in shares} == {min(per, gpus)}
    assert all(len(set(share)) == len(share) for share in shares)


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 4))
def test_shares_are_disjoint_while_there_are_enough_gpus(gpus: int, workers: int, per: int) -> None:
    shares = deal([sim_uuid(i) for i in range(gpus)], workers, per)
    used = [uuid for share in shares for uuid in share]
    enough = workers * min(per, gpus) <= gpus
    assert (len(set(used)) == len(used)) == enough
    assert (sharing_message(gpus, workers, per) is None) == enough
    if not enough:  # round-robin: every GPU is in use
        assert set(used) == {sim_uuid(i) for i in range(gpus)}


def test_nothing_to_deal() -> None:
    assert deal([], 4, 1) == []
    assert deal(["GPU-a"], 4, 0) == []


RECORDER = """
import json, os, pathlib

def record(name, gpus):
    out = pathlib.Path(os.environ["RECORD_DIR"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    data = {"worker": worker, "env": os.environ.get("CUDA_VISIBLE_DEVICES"), "conftest": SEEN,
            "gpus": [[g.index, g.uuid] for g in gpus]}
    (out / f"{worker}-{name}.json").write_text(json.dumps(data))
"""


def run_workers(
    pytester: pytest.Pytester, tmp_path: Path, *args: str, tests: int = 4
) -> tuple[pytest.RunResult, dict[str, dict[str, object]]]:
    """Run ``tests`` tests under xdist; return what each worker saw, by worker id."""
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    # conftest import time: the variable must already be in place (before any CUDA init)
    pytester.makeconftest("import os\nSEEN = os.environ.get('CUDA_VISIBLE_DEVICES')\n" + RECORDER)
    pytester.makepyfile(
        "from conftest import record\n"
        + "".join(
            f"def test_{i}(autoglm_gpus):\n    record('{i}', autoglm_gpus)\n" for i in range(tests)
        )
    )
    pytester._monkeypatch.setenv("RECORD_DIR", str(record_dir))
    quiet = ("-p", "no:memray", "-p", "no:anyio", "-p", "no:respx", "-p", "no:reportlog")
    result = pytester.runpytest_subprocess("-p", "xdist", *quiet, *args)
    seen: dict[str, dict[str, object]] = {}
    for path in sorted(record_dir.iterdir()):
        data = json.loads(path.read_text())
        seen.setdefault(str(data["worker"]), data)
    return result, seen


def test_two_workers_get_disjoint_gpus_before_conftest_import(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    result, seen = run_workers(
        pytester, tmp_path, "-n", "2", "--autoglm-gpu",
        "--autoglm-simulate-gpus", "2x NVIDIA H100 80GB HBM3: memory=79.6GiB",
    )  # fmt: skip
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "GPUs per xdist worker:",
            f"  gw0: CUDA_VISIBLE_DEVICES={sim_uuid(0)}",
            f"  gw1: CUDA_VISIBLE_DEVICES={sim_uuid(1)}",
        ]
    )
    assert sorted(seen) == ["gw0", "gw1"]
    assert {w: seen[w]["env"] for w in seen} == {"gw0": sim_uuid(0), "gw1": sim_uuid(1)}
    assert {w: seen[w]["conftest"] for w in seen} == {"gw0": sim_uuid(0), "gw1": sim_uuid(1)}
    # each worker's own inventory: exactly its GPU, as cuda:0
    assert {w: seen[w]["gpus"] for w in seen} == {
        "gw0": [[0, sim_uuid(0)]],
        "gw1": [[0, sim_uuid(1)]],
    }


def test_k_gpus_per_worker_within_an_outer_cuda_visible_devices(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,3,2,1")  # GPU 0 is not ours
    monkeypatch.setenv("AUTOGLM_SIMULATE_GPUS", "5x NVIDIA A100-SXM4-80GB: memory=79GiB")
    result, seen = run_workers(
        pytester, tmp_path, "-n", "2", "--autoglm-gpu", "--autoglm-gpus-per-worker", "2"
    )
    result.assert_outcomes(passed=4)
    envs = {w: str(seen[w]["env"]).split(",") for w in seen}
    assert envs == {"gw0": [sim_uuid(4), sim_uuid(3)], "gw1": [sim_uuid(2), sim_uuid(1)]}
    assert [len(seen[w]["gpus"]) for w in sorted(seen)] == [2, 2]  # type: ignore[arg-type]


def specs(*texts: str) -> list[execnet.XSpec]:
    made = [execnet.XSpec(text) for text in texts]
    for i, spec in enumerate(made):
        spec.id = f"gw{i}"
    return made


def test_more_workers_than_gpus_share_round_robin_with_a_warning(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure(
        "--autoglm-gpu", "--autoglm-simulate-gpus", "2x T4: memory=15GiB"
    )
    workers = specs("popen", "popen", "popen")
    recorded: list[warnings.WarningMessage] = []

    class Recorder:
        def pytest_warning_recorded(self, warning_message: warnings.WarningMessage) -> None:
            recorded.append(warning_message)

    config.pluginmanager.register(Recorder())
    plan = plan_workers(config, workers)
    assert [(w.category, str(w.message)) for w in recorded] == [
        (
            GpuSharingWarning,
            "pytest-xdist runs 3 workers with 1 GPU(s) each, but 2 GPU(s) are visible: "
            "workers share GPUs round-robin",
        )
    ]
    assert plan == {"gw0": sim_uuid(0), "gw1": sim_uuid(1), "gw2": sim_uuid(0)}
    assert [w.env["CUDA_VISIBLE_DEVICES"] for w in workers] == list(plan.values())


def test_remote_workers_and_workers_with_their_own_setting_are_left_alone(
    pytester: pytest.Pytester,
) -> None:
    config = pytester.parseconfigure(
        "--autoglm-gpu", "--autoglm-simulate-gpus", "2x T4: memory=15GiB"
    )
    workers = specs("popen//env:CUDA_VISIBLE_DEVICES=7", "ssh=gpu-box//python=python3", "popen")
    assert plan_workers(config, workers) == {"gw2": sim_uuid(0)}
    assert [w.env.get("CUDA_VISIBLE_DEVICES") for w in workers] == ["7", None, sim_uuid(0)]


@pytest.mark.parametrize("args", [[], ["--autoglm-gpu", "--autoglm-gpus-per-worker", "0"]])
def test_workers_are_left_alone_when_gpu_tests_or_pinning_are_off(
    pytester: pytest.Pytester, args: list[str]
) -> None:
    config = pytester.parseconfigure("--autoglm-simulate-gpus", "2x T4: memory=15GiB", *args)
    workers = specs("popen", "popen")
    assert plan_workers(config, workers) == {}
    assert [w.env for w in workers] == [{}, {}]


def test_a_worker_applies_its_share_from_workerinput(monkeypatch: pytest.MonkeyPatch) -> None:
    # the fallback path, for a worker whose spec could not carry the variable
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    apply_share(worker_share({WORKERINPUT_KEY: sim_uuid(1)}))
    assert os.environ["CUDA_VISIBLE_DEVICES"] == sim_uuid(1)
    apply_share(worker_share(None))
    assert os.environ["CUDA_VISIBLE_DEVICES"] == sim_uuid(1)


def test_a_multi_gpu_test_on_a_pinned_worker_says_why_and_how(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_SIMULATE_GPUS", "2x NVIDIA H100 80GB HBM3: memory=79.6GiB")
    pytester.makepyfile("""
import pytest

@pytest.mark.autoglm_gpu(count=2)
def test_two(autoglm_gpus):
    assert len(autoglm_gpus.gpus) == 2
""")
    quiet = ("-p", "no:memray", "-p", "no:anyio", "-p", "no:respx", "-p", "no:reportlog")
    result = pytester.runpytest_subprocess("-p", "xdist", *quiet, "-n", "2", "--autoglm-gpu", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([
        "SKIPPED*needs 2 GPUs; found 1 simulated GPU*; worker gw? was given 1 of 2 GPUs (pytest-xdist pins each "
        "worker); pass --autoglm-gpus-per-worker=2, or run multi-GPU tests without -n*",
    ])  # fmt: skip
    wide = pytester.runpytest_subprocess(
        "-p", "xdist", *quiet, "-n", "2", "--autoglm-gpu", "--autoglm-gpus-per-worker", "2"
    )
    wide.assert_outcomes(passed=1)
