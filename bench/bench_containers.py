"""What a container costs a test: start-to-ready and removal of the busybox server, and the
time each test adds with a container of its own or one shared by the session.

Needs a container engine (``DOCKER_HOST``; ``./dev test-docker`` or ``.ci/docker-engine
start`` gives one) and the local test images (built here if missing, from busybox-static;
nothing is pulled). Without an engine it says so and exits 0.

1. ``autoglm-test/httpd:local`` (busybox httpd standing in for a model server) started
   with ``ready=http("/health")`` and removed, ``--repeat`` times: median start-to-ready
   (create, start, first 200 on /health) and median removal (``rm -f -v``).
2. Three pytest runs of ``--tests`` tests each, in subprocesses: no container (the
   baseline), a function-scoped container per test, one session-scoped container shared
   by all. Added time per test = (run - baseline) / tests.

    .venv/bin/python bench/bench_containers.py [--repeat 10] [--tests 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "containers"))

TEST_FILE = """
import pytest
from pytest_autoglm.containers import http

@pytest.mark.parametrize("n", range({tests}))
def test_case(n, {fixture}):
    {body}
"""
BODIES = {
    "baseline (no container)": ("request", "pass"),
    "function-scoped container": (
        "autoglm_container",
        'assert autoglm_container("autoglm-test/httpd:local", ready=http("/health")).port()',
    ),
    "session-scoped container": (
        "autoglm_container",
        'assert autoglm_container("autoglm-test/httpd:local", ready=http("/health"), '
        'scope="session").port()',
    ),
}


def start_stop(repeat: int) -> tuple[list[float], list[float]]:
    from container_images import HTTPD

    from pytest_autoglm.containers import ContainerSession, http

    ready, removal = [], []
    with ContainerSession.open() as containers:
        for _ in range(repeat):
            server = containers.run(HTTPD, ready=http("/health"))
            containers.release(server)
            assert server.ready_seconds is not None
            assert server.remove_seconds is not None
            ready.append(server.ready_seconds)
            removal.append(server.remove_seconds)
    return ready, removal


def pytest_run(folder: Path, tests: int, fixture: str, body: str) -> float:
    (folder / "test_bench.py").write_text(
        textwrap.dedent(TEST_FILE.format(tests=tests, fixture=fixture, body=body))
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
               "--autoglm-require-docker", str(folder / "test_bench.py")]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"pytest run failed:\n{result.stdout[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--tests", type=int, default=10)
    args = parser.parse_args()

    from pytest_autoglm.containers import EngineUnavailable
    from pytest_autoglm.containers._engine import connect

    try:
        client = connect()
    except EngineUnavailable as exc:
        print(f"no container engine ({exc}); nothing measured")
        return
    from container_images import ensure_images

    ensure_images(client)
    engine = client.version()
    client.close()
    print(f"engine: docker {engine.get('Version')} (API {engine.get('ApiVersion')})")

    ready, removal = start_stop(args.repeat)
    print(f"busybox server container, {args.repeat} runs:")
    print(f"  start-to-ready (create, start, GET /health 200): median {statistics.median(ready):.3f} s "
          f"(min {min(ready):.3f}, max {max(ready):.3f})")  # fmt: skip
    print(f"  removal (rm -f -v): median {statistics.median(removal):.3f} s "
          f"(min {min(removal):.3f}, max {max(removal):.3f})")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="autoglm-bench-containers-") as folder:
        seconds = {
            name: pytest_run(Path(folder), args.tests, fixture, body)
            for name, (fixture, body) in BODIES.items()
        }
    base = seconds["baseline (no container)"]
    print(f"pytest run of {args.tests} tests (wall time, one run each):")
    for name, value in seconds.items():
        added = (value - base) / args.tests
        print(f"  {name:28s} {value:7.2f} s  ratio {value / base:5.2f}x  "
              f"added per test {added:+.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
