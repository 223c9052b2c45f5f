"""Cost of the dependency check (``--autoglm-check-deps``), against ``pip check``, same run.

Target (issue 8): the check costs under 300 ms on an environment with 200 installed
distributions. The bench builds 200 fake ``*.dist-info`` folders (METADATA with a long
description, 0-12 requirements each, markers, extras, a few conflicts), then measures, each
in a fresh subprocess and interleaved so both share the machine's noise:

- ours: ``check_dependencies(path=[site])``, imports of ``packaging`` included (pytest is
  already loaded in a session, so it is imported before the clock starts);
- pip: ``create_package_set_from_installed()`` + ``check_package_set()``, the work of
  ``pip check``, in an interpreter whose path holds only the fake site (``python -S``, pip
  copied beside it without its metadata);
- both whole processes (``python -c`` vs ``pip check``), and both findings, which must agree;
- a whole pytest session on the venv plus the fake site, with and without the check.

    unset PYTHONDONTWRITEBYTECODE; .venv/bin/python bench/bench_deps.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pip

DISTRIBUTIONS = 200
TARGET_S = 0.300
MARKERS = (
    *("", "", ""),
    "; python_version >= '3.8'",
    "; sys_platform == 'win32'",
    "; extra == 'test'",
    "; extra == 'gpu' and platform_machine == 'x86_64'",
)

OURS = """
import sys, time, pytest
t = time.perf_counter()
from pytest_autoglm.deps import check_dependencies
report = check_dependencies(path=[sys.argv[1]])
cold = time.perf_counter() - t
t = time.perf_counter()
check_dependencies(path=[sys.argv[1]])
warm = time.perf_counter() - t
found = sorted(f"{c.owner_key}|{c.dependency}|{c.found}" for c in report.conflicts)
print(cold, warm, report.distributions, ";".join(found))
"""

PIP = """
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from pip._internal.operations.check import check_package_set, create_package_set_from_installed
t = time.perf_counter()
package_set, _ = create_package_set_from_installed()
missing, conflicting = check_package_set(package_set)
took = time.perf_counter() - t
found = [f"{o}|{n}|not installed" for o, deps in missing.items() for n, _ in deps]
found += [f"{o}|{n}|{v}" for o, deps in conflicting.items() for n, v, _ in deps]
print(took, len(package_set), ";".join(sorted(found)))
"""


def write_site(site: Path, seed: int = 8) -> None:
    """200 distributions that depend on each other the way a real ML environment does."""
    rng = random.Random(seed)
    names = [f"dist-{i:03d}" for i in range(DISTRIBUTIONS)]
    versions = {n: f"{rng.randint(0, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}" for n in names}
    versions[names[7]] = "5.0.0rc1"  # a pre-release, as transformers is in the AutoGLM stack
    description = "A long description with *markdown*, tables and code.\n" * 60
    for index, name in enumerate(names):
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {versions[name]}"]
        lines += ["Summary: a fake distribution", "License: MIT", "Requires-Python: >=3.8"]
        lines += ["Provides-Extra: test", "Provides-Extra: gpu"]
        for _ in range(rng.randint(0, 12)):
            dep = rng.choice(names[:index] or names[1:2])
            major = versions[dep].split(".")[0]
            spec = rng.choice([f">={major}", f">={major},<{int(major) + 1}", "", f"~={major}.0"])
            roll = rng.random()
            if roll < 0.02:
                spec = f">={int(major) + 1}"  # a conflict
            elif roll < 0.03:
                dep = f"missing-{index}"
            marker = rng.choice(MARKERS)
            lines.append(f"Requires-Dist: {dep}{spec}{marker}")
        folder = site / f"{name.replace('-', '_')}-{versions[name]}.dist-info"
        folder.mkdir(parents=True)
        (folder / "METADATA").write_text("\n".join(lines) + "\n\n" + description)
        (folder / "RECORD").write_text(f"{name}/__init__.py,,\n")
        (folder / "INSTALLER").write_text("pip\n")


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    took = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"{args[:3]} failed ({out.returncode}):\n{out.stderr}")
    return took, out.stdout


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms"


def session_time(root: Path, extra: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root, env=env, capture_output=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    with tempfile.TemporaryDirectory() as tmp:
        site, piplib = Path(tmp, "site"), Path(tmp, "piplib")
        write_site(site)
        shutil.copytree(Path(pip.__file__).parent, piplib / "pip")  # code only, no metadata

        ours_cold, ours_warm, pip_core, ours_proc, pip_proc = [], [], [], [], []
        ours_found = pip_found = ""
        count = pip_count = 0
        for _ in range(args.repeats):
            took, out = run([sys.executable, "-c", OURS, str(site)])
            cold, warm, n, ours_found = [*out.split(" ", 3), ""][:4]
            ours_cold.append(float(cold))
            ours_warm.append(float(warm))
            ours_proc.append(took)
            count = int(n)
            _, out = run([sys.executable, "-S", "-c", PIP, str(piplib), str(site)])
            core, n, pip_found = [*out.split(" ", 2), ""][:3]
            pip_core.append(float(core))
            pip_count = int(n)
            took, _ = run(
                [sys.executable, "-S", "-m", "pip", "check"],
                env={**os.environ, "PYTHONPATH": f"{piplib}{os.pathsep}{site}"},
            )
            pip_proc.append(took)

        ours, pips = statistics.median(ours_cold), statistics.median(pip_core)
        print(
            f"environment: {count} distributions (pip saw {pip_count}), medians of {args.repeats}"
        )
        print(f"check_dependencies, cold process:  {median_ms(ours_cold)}  (target < 300 ms: "
              f"{'met' if ours < TARGET_S else 'NOT met'})")  # fmt: skip
        print(f"check_dependencies, second call:   {median_ms(ours_warm)}")
        print(f"pip's check, same work:            {median_ms(pip_core)}")
        print(f"  ours / pip:                      {ours / pips:7.2f}x")
        print(f"python -c (ours, whole process):   {median_ms(ours_proc)}")
        print(f"pip check (whole process):         {median_ms(pip_proc)}")
        print(f"  ours / pip:                      "
              f"{statistics.median(ours_proc) / statistics.median(pip_proc):7.2f}x")  # fmt: skip
        agree = ours_found.strip() == pip_found.strip()
        print(f"findings agree with pip: {'yes' if agree else 'NO'} "
              f"({len(ours_found.split(';')) if ours_found.strip() else 0} conflicts)")  # fmt: skip

        # A whole session: the venv plus the fake site, with and without the check.
        suite = Path(tmp, "suite")
        suite.mkdir()
        (suite / "test_trivial.py").write_text("def test_ok():\n    pass\n")
        (suite / "pytest.ini").write_text("[pytest]\nautoglm_ignore_conflicts = *: *\n")
        env = {**os.environ, "PYTHONPATH": str(site)}
        session_time(suite, [], env)  # warm the bytecode cache
        with_check, without = [], []
        for _ in range(args.repeats):
            with_check.append(session_time(suite, ["--autoglm-check-deps=fail"], env))
            without.append(session_time(suite, [], env))
        w, wo = statistics.median(with_check), statistics.median(without)
        print(f"pytest session, venv + 200 fakes:  with check {w * 1000:.0f} ms, "
              f"without {wo * 1000:.0f} ms, added {(w - wo) * 1000:+.0f} ms ({(w / wo - 1) * 100:+.1f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
