"""The gpu capability's options and marker (the plugin registers them; ``gpu/`` reads them).

Nothing heavy is imported here: the parsers load the gpu modules they need when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_autoglm._markers import MarkerSpec, keyword_builder
from pytest_autoglm._options import Option, flag_option

if TYPE_CHECKING:
    from pytest_autoglm.gpu._requirements import GpuRequirement
    from pytest_autoglm.gpu._simulate import SimulatedGpus

#: user_properties key that marks a GPU skip or failure, so the summary can count it
PROPERTY = "autoglm_gpu"
OFF_REASON = "GPU tests are off (pass --autoglm-gpu)"
SPEC_EXAMPLE = "'2x NVIDIA H100 80GB HBM3: memory=79.6GiB, capability=9.0; driver=580.159.04'"
SPEC_ACCEPTED = (
    "'none', or ';'-separated groups '[Nx ]NAME: memory=SIZE[, free=SIZE][, capability=X.Y]' "
    f"and an optional 'driver=VERSION[, cuda=X.Y]', e.g. {SPEC_EXAMPLE}"
)


# The gpu package loads on first use, not at startup: these two wrappers defer it.
def _parse_simulation(text: str) -> SimulatedGpus:
    from pytest_autoglm.gpu._simulate import parse_simulation

    return parse_simulation(text)


def _build_requirement(*args: Any, **kwargs: Any) -> GpuRequirement:
    from pytest_autoglm.gpu._requirements import GpuRequirement

    return keyword_builder(GpuRequirement, positional=("count",))(*args, **kwargs)


def _parse_per_worker(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError("expected a whole number") from None
    if value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


GPU: Option[bool] = flag_option(
    name="gpu",
    help="Run tests marked autoglm_gpu when the visible GPUs meet their requirements "
    "(without it they skip: 'GPU tests are off').",
)
REQUIRE_GPU: Option[bool] = flag_option(
    name="require-gpu",
    help="Like --autoglm-gpu, but a GPU test whose requirements are not met is an error at "
    "setup instead of a skip (for GPU CI runners: a broken GPU must not pass as skipped).",
)
GPUS_PER_WORKER: Option[int] = Option(
    name="gpus-per-worker",
    help="GPUs given to each pytest-xdist worker through CUDA_VISIBLE_DEVICES when GPU tests "
    "are on (0 leaves CUDA_VISIBLE_DEVICES alone). Default 1.",
    parse=_parse_per_worker,
    default=1,
    metavar="K",
    accepted="a whole number >= 0, e.g. 1 or 2; 0 turns per-worker pinning off",
)
SIMULATE_GPUS: Option[SimulatedGpus | None] = Option(
    name="simulate-gpus",
    help="Replace NVML with a described inventory, to test a GPU-gated suite without GPUs, "
    "e.g. '2x NVIDIA H100 80GB HBM3: memory=79.6GiB, capability=9.0; driver=580.159.04'.",
    parse=_parse_simulation,
    default=None,
    metavar="SPEC",
    accepted=SPEC_ACCEPTED,
)

OPTIONS: tuple[Option[Any], ...] = (GPU, REQUIRE_GPU, GPUS_PER_WORKER, SIMULATE_GPUS)

GPU_MARKER: MarkerSpec[GpuRequirement] = MarkerSpec(
    name="autoglm_gpu",
    signature="count=1, *, memory=None, free_memory=None, cuda=None, driver=None, "
    "capability=None, name=None",
    doc="run only with --autoglm-gpu on GPUs that meet these requirements; "
    "skip otherwise (fail with --autoglm-require-gpu).",
    build=_build_requirement,
)
MARKERS: tuple[MarkerSpec[Any], ...] = (GPU_MARKER,)
