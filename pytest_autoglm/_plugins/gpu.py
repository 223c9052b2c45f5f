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

from pytest_autoglm._markers import marks_in_use
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._tally import tagged_reports
from pytest_autoglm.gpu._options import GPU_MARKER, MARKERS, OPTIONS

if TYPE_CHECKING:
    from pytest_autoglm.gpu._model import GpuInventory

__all__ = ["MARKERS", "OPTIONS"]  # declared in pytest_autoglm.gpu._options

_PER_TEST = "autoglm.gpu.per-test"


# -- hooks --------------------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from pytest_autoglm._workers import worker_input

    workerinput = worker_input(config)
    if workerinput is not None:  # an xdist worker (elsewhere, nothing to load)
        from pytest_autoglm.gpu._xdist import apply_share, worker_share

        apply_share(worker_share(workerinput))


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


def autoglm_header(config: pytest.Config) -> str:
    from pytest_autoglm.gpu import gpu_mode, inventory
    from pytest_autoglm.gpu._session import torch_of

    found = inventory(config)
    text = found.describe()
    torch = torch_of(config) if found.gpus else None
    if torch is not None:
        text += f", {torch.describe(found.cuda)}"
    return f"{text}; GPU tests {gpu_mode(config)}"


def autoglm_summary(config: pytest.Config) -> list[str] | None:
    from pytest_autoglm._reasons import cut_list, plural
    from pytest_autoglm.gpu._options import PROPERTY

    lines = []
    counts = Counter(
        (report.outcome, reason)
        for report, reason in tagged_reports(config, PROPERTY, "setup")
        if not report.passed
    )
    for (outcome, reason), number in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        verb = {"skipped": "skipped", "failed": "failed at setup"}.get(outcome, outcome)
        lines.append(f"{plural(number, 'GPU test')} {verb}: {reason}")
    lines = cut_list(lines, 10)
    # No plan was made unless its module is loaded (the controller's xdist hooks load it).
    xdist = sys.modules.get("pytest_autoglm.gpu._xdist")
    plan: dict[str, str] = config.stash.get(xdist.PLAN_KEY, {}) if xdist else {}
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
    from pytest_autoglm.gpu._xdist import PLAN_KEY, TOTAL_KEY, WORKERINPUT_KEY

    plan = node.config.stash.get(PLAN_KEY, {})
    share = plan.get(node.gateway.id)
    if share is not None:
        node.workerinput[WORKERINPUT_KEY] = share
        node.workerinput[TOTAL_KEY] = len({g for s in plan.values() for g in s.split(",") if g})


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
    from pytest_autoglm.gpu._gate import gate, torch_device_verdict

    target: str = getattr(request, "param", "cpu")
    reason = torch_device_verdict(request.config, target)
    if reason is not None:
        gate(request.config, request.node, reason)
    try:
        import torch
    except ImportError:
        pytest.skip(need_found("torch", "torch is not installed"))
    return torch.device(target)


class _PerTestHooks:
    """Per-test GPU gate, registered only when some collected test is marked autoglm_gpu."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        from pytest_autoglm.gpu._gate import check_item

        check_item(item)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Evaluate each marked test's requirement once, into its stash; then gate at setup."""
    if not marks_in_use(session.config, (GPU_MARKER,)):
        return
    marked = False
    for item in session.items:
        if GPU_MARKER.carried_by(item):
            requirement = GPU_MARKER.options_for(item)
            if requirement is not None:
                from pytest_autoglm.gpu._gate import REQUIREMENT_KEY  # only when a test is marked

                item.stash[REQUIREMENT_KEY] = requirement
                marked = True
    if marked and session.config.pluginmanager.get_plugin(_PER_TEST) is None:
        session.config.pluginmanager.register(_PerTestHooks(), _PER_TEST)


__dir__ = plugin_dir(globals())
