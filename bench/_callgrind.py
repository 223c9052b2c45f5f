"""Exact instruction counts of the phases of one process, under valgrind's callgrind.

The measured process calls :func:`mark` at each phase boundary; callgrind dumps (and
zeroes) its counters there (``--dump-before=getppid``: ``os.getppid()`` is the marker),
so every phase of one run is counted exactly, whatever the machine's load. The process
prints the phase labels, one per line, as the last lines of its stdout: label ``i``
names the counts between marks ``i - 1`` and ``i`` (the first: from the start).
Run with ``PYTHONHASHSEED=0`` so that the counts repeat.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

#: labels of phases that are not measured (set-up, garbage collection between phases)
SKIP = ("setup", "gap")


def mark() -> None:
    """End the current phase (callgrind dumps its counters before ``getppid``)."""
    os.getppid()


def phases(argv: list[str], count: int) -> dict[str, int]:
    """Instructions of each phase of ``argv`` whose label is not in :data:`SKIP`.

    ``count``: how many labels the process prints last (one per :func:`mark`).
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-before=getppid",
             f"--callgrind-out-file={out}", *argv],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"the callgrind run failed:\n{done.stderr[-3000:]}")
        return read_phases(out, done.stdout.strip().splitlines()[-count:])


def read_phases(out: Path, labels: list[str]) -> dict[str, int]:
    """Instructions per label from the dumps ``out.1``, ``out.2``... of one callgrind run."""
    figures: dict[str, int] = {}
    for i, label in enumerate(labels, start=1):
        text = Path(f"{out}.{i}").read_text()
        total = next(int(line.split()[1]) for line in text.splitlines()
                     if line.startswith("totals:"))  # fmt: skip
        if label not in SKIP:
            figures[label] = figures.get(label, 0) + total
    return figures
