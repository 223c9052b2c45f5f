"""Hooks, options, markers and fixtures of the gpu capability.

``@pytest.mark.autoglm_gpu(...)`` gates tests on the GPUs NVML reports (or a simulated
inventory); ``autoglm_gpus`` is that inventory; ``autoglm_torch_device`` runs a test on
``cpu`` and on each usable CUDA GPU; under pytest-xdist each worker gets its own GPU(s).
Nothing heavy is imported here: NVML, packaging and torch load where first needed.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest

from pytest_autoglm._markers import register_when_marked
from pytest_autoglm.gpu._options import GPU_MARKER, MARKERS, OFF_REASON, OPTIONS

if TYPE_CHECKING:
    from pytest_autoglm.gpu._model import GpuInventory

__all__ = ["MARKERS", "OPTIONS"]  # declared in pytest_autoglm.gpu._options

#: user_properties key that marks a GPU skip or failure, so the controller can count it
PROPERTY = "autoglm_gpu"
COUNTS_KEY = pytest.StashKey[Counter[tuple[str, str]]]()


def _gate(config: pytest.Config, node: pytest.Item, reason: str) -> None:
    """Skip (or, with --autoglm-require-gpu, fail) the test for an unmet GPU need."""
    from pytest_autoglm.gpu import gpu_mode

    node.user_properties.append((PROPERTY, reason))
    if gpu_mode(config) == "required" and reason != OFF_REASON:
        pytest.fail(reason, pytrace=False)
    raise pytest.skip.Exception(reason, _use_item_location=True)


class _GpuSkipCounter:
    """Counts GPU skips and failures by reason, from every report (xdist workers' included)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "setup" or report.passed:
            return
        for name, value in report.user_properties:
            if name == PROPERTY:
                self.counts[(report.outcome, str(value))] += 1


# -- hooks --------------------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from pytest_autoglm.gpu._xdist import apply_share, worker_share

    counter = _GpuSkipCounter()
    config.stash[COUNTS_KEY] = counter.counts
    config.pluginmanager.register(counter, "autoglm.gpu.skip-counter")
    apply_share(worker_share(getattr(config, "workerinput", None)))


@pytest.hookimpl(tryfirst=True)
def _gpu_setup(item: pytest.Item) -> None:
    requirement = GPU_MARKER.options_for(item)
    if requirement is None:
        return
    from pytest_autoglm.gpu import gpu_mode, inventory
    from pytest_autoglm.gpu._session import torch_of

    if gpu_mode(item.config) == "off":
        _gate(item.config, item, OFF_REASON)
    reason = requirement.unmet(inventory(item.config), torch_of(item.config))
    if reason is not None:
        _gate(item.config, item, reason)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "autoglm_torch_device" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else names
        if "autoglm_torch_device" in names:
            return  # the test chose its own devices
    from pytest_autoglm.gpu import inventory

    count = max(1, len(inventory(metafunc.config)))
    targets = ["cpu", *(f"cuda:{i}" for i in range(count))]
    metafunc.parametrize("autoglm_torch_device", targets, ids=targets, indirect=True)


def pytest_autoglm_header(config: pytest.Config) -> str:
    from pytest_autoglm.gpu import gpu_mode, inventory
    from pytest_autoglm.gpu._session import torch_of

    found = inventory(config)
    text = found.describe()
    torch = torch_of(config) if found.gpus else None
    if torch is not None:
        text += f", {torch.describe(found.cuda)}"
    return f"{text}; GPU tests {gpu_mode(config)}"


def pytest_autoglm_summary(config: pytest.Config) -> list[str] | None:
    from pytest_autoglm._reasons import cut_list
    from pytest_autoglm.gpu._xdist import PLAN_KEY

    lines = []
    counts = config.stash.get(COUNTS_KEY, Counter())
    for (outcome, reason), number in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        tests = "GPU test" if number == 1 else "GPU tests"
        verb = {"skipped": "skipped", "failed": "failed at setup"}.get(outcome, outcome)
        lines.append(f"{number} {tests} {verb}: {reason}")
    lines = cut_list(lines, 10)
    plan = config.stash.get(PLAN_KEY, {})
    pinned = [f"  {worker}: CUDA_VISIBLE_DEVICES={gpus}" for worker, gpus in plan.items()]
    if pinned:
        lines.append("GPUs per xdist worker:")
        lines.extend(cut_list(pinned, 10))
    # No inventory was read unless its module is loaded (importing it costs ~10 ms).
    session = sys.modules.get("pytest_autoglm.gpu._session")
    found = config.stash.get(session.INVENTORY_KEY, None) if session else None
    lines.extend(f"GPU note: {note}" for note in (found.notes if found else ()))
    return lines or None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: Sequence[Any]) -> None:
    from pytest_autoglm.gpu._xdist import plan_workers

    plan_workers(config, specs)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    from pytest_autoglm.gpu._xdist import PLAN_KEY, WORKERINPUT_KEY

    share = node.config.stash.get(PLAN_KEY, {}).get(node.gateway.id)
    if share is not None:
        node.workerinput[WORKERINPUT_KEY] = share


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def autoglm_gpus(pytestconfig: pytest.Config) -> GpuInventory:
    """The GPUs visible to this test process, read once per session through NVML.

    A :class:`~pytest_autoglm.gpu.GpuInventory`: ``len()`` and iteration give
    :class:`~pytest_autoglm.gpu.GpuInfo` (name, UUID, index, memory, compute capability,
    MIG), plus ``driver``, ``cuda`` (the newest CUDA the driver supports) and ``reason``
    (why there are none). It honours ``CUDA_VISIBLE_DEVICES`` as CUDA does and follows
    ``--autoglm-simulate-gpus``; reading it never creates a CUDA context or imports torch.
    """
    from pytest_autoglm.gpu import inventory

    return inventory(pytestconfig)


@pytest.fixture
def autoglm_torch_device(request: pytest.FixtureRequest) -> Any:
    """A ``torch.device`` to run the test on: once on ``cpu`` and once per visible CUDA GPU.

    Tests that request it are parametrized with the ids ``cpu``, ``cuda:0``, ``cuda:1``...
    (at least ``cuda:0``, so ids are the same on every machine). A CUDA case runs only
    with --autoglm-gpu, a GPU at that index and a torch built for CUDA that the driver
    supports; otherwise it skips (fails with --autoglm-require-gpu). torch is imported here,
    only for tests that use this fixture.
    """
    from pytest_autoglm._reasons import need_found
    from pytest_autoglm.gpu import gpu_mode, inventory
    from pytest_autoglm.gpu._session import torch_of

    target: str = getattr(request, "param", "cpu")
    config, item = request.config, request.node
    if target != "cpu":
        if gpu_mode(config) == "off":
            _gate(config, item, OFF_REASON)
        found = inventory(config)
        index = int(target.partition(":")[2] or 0)
        if index >= len(found):
            need = "a GPU" if index == 0 else f"{index + 1} GPUs"
            _gate(config, item, need_found(f"{need} for {target}", found.found()))
        torch_info = torch_of(config)
        if torch_info is None:
            _gate(config, item, need_found(f"torch for {target}", "torch is not installed"))
        elif torch_info.cuda is None:
            _gate(config, item, need_found("torch built with CUDA", f"torch {torch_info.version}"))
        else:
            problem = torch_info.mismatch(found.cuda)
            if problem:
                _gate(config, item, need_found(problem, found.found()))
    try:
        import torch
    except ImportError:
        pytest.skip(need_found("torch", "torch is not installed"))
    return torch.device(target)


class _PerTestHooks:
    """Per-test GPU gate, registered only when some collected test is marked autoglm_gpu."""

    pytest_runtest_setup = staticmethod(_gpu_setup)


def pytest_collection_finish(session: pytest.Session) -> None:
    register_when_marked(session, (GPU_MARKER,), _PerTestHooks(), "autoglm.gpu.per-test")
