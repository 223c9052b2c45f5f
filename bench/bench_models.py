"""Peak memory of loading a large safetensors file, against a plain torch.load of the same tensors.

Target (issue 7): ``load_checkpoint`` on a 1 GiB safetensors file adds no more than 1.1x the
file's size to peak RSS, because the file is memory-mapped. The baseline, measured in the
same run, is ``torch.load`` of the same tensors saved with ``torch.save``.

Each case runs in a fresh Python process, so one case's peak cannot hide another's; the
figure is the process's peak RSS (``VmHWM``; ``ru_maxrss`` can carry a parent's peak over
exec) minus its RSS just before the load, split into private memory and mapped page cache.
Files are written under /tmp, by a separate process, and deleted afterwards.

    .venv/bin/python bench/bench_models.py            # 1 GiB
    .venv/bin/python bench/bench_models.py --size-mib 256
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.1

CASE = r"""
import json, sys, time
import psutil, torch
from pytest_autoglm.models import load_checkpoint

def status():
    # RssAnon is private memory; RssFile is page cache mapped in (shared, reclaimable).
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) * 1024 for k in ("RssAnon", "RssFile", "VmHWM")}

kind, path = sys.argv[1], sys.argv[2]
before, before_parts = psutil.Process().memory_info().rss, status()
started = time.perf_counter()
if kind == "torch.load":
    tensors = torch.load(path, map_location="cpu", weights_only=True)
else:
    tensors = load_checkpoint(path)
if kind.endswith("+read"):
    total = sum(float(t.sum()) for t in tensors.values())  # touch every byte
seconds = time.perf_counter() - started
after_parts = status()
# VmHWM, the peak RSS of this address space: ru_maxrss can carry the parent's peak over exec.
peak = after_parts["VmHWM"]
print(json.dumps({
    "added": peak - before, "seconds": seconds, "tensors": len(tensors),
    "anon": after_parts["RssAnon"] - before_parts["RssAnon"],
    "file": after_parts["RssFile"] - before_parts["RssFile"],
}))
"""


def write_files(directory: Path, size_mib: int) -> tuple[Path, Path]:
    import torch
    from safetensors.torch import save_file

    per_tensor = 64 * 1024 * 1024 // 4  # 64 MiB of float32
    count = max(1, size_mib // 64)
    tensors = {f"layers.{i}.weight": torch.rand(per_tensor) for i in range(count)}
    safetensors_path, torch_path = directory / "big.safetensors", directory / "big.pt"
    save_file(tensors, safetensors_path)
    torch.save(tensors, torch_path)
    return safetensors_path, torch_path


def run_case(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CASE, kind, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--write", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_files(Path(args.write), args.size_mib)
        return 0
    with tempfile.TemporaryDirectory(prefix="autoglm-bench-", dir="/tmp") as tmp:
        started = time.perf_counter()
        # written in a child process, so the tensors never inflate this process or its children
        subprocess.run(
            [sys.executable, __file__, "--write", tmp, "--size-mib", str(args.size_mib)], check=True
        )
        st_path, pt_path = Path(tmp) / "big.safetensors", Path(tmp) / "big.pt"
        size = st_path.stat().st_size
        print(
            f"files: {st_path.name} {size / 2**20:.0f} MiB, {pt_path.name} "
            f"{pt_path.stat().st_size / 2**20:.0f} MiB (written in {time.perf_counter() - started:.1f} s)"
        )
        results = {
            "torch.load (baseline)": run_case("torch.load", pt_path),
            "load_checkpoint safetensors": run_case("safetensors", st_path),
            "load_checkpoint safetensors + read all": run_case("safetensors+read", st_path),
            "load_checkpoint torch zip (memory-mapped)": run_case("torch-zip", pt_path),
        }
    baseline = results["torch.load (baseline)"]["added"]
    print(
        f"{'case':42} {'peak RSS added':>15} {'x file':>7} {'x baseline':>10} "
        f"{'private (anon)':>15} {'page cache':>11} {'seconds':>8}"
    )
    for name, result in results.items():
        added = result["added"]
        print(
            f"{name:42} {added / 2**20:>11.1f} MiB {added / size:>7.3f} {added / baseline:>10.3f} "
            f"{result['anon'] / 2**20:>11.1f} MiB {result['file'] / 2**20:>7.1f} MiB "
            f"{result['seconds']:>8.3f}"
        )
    private = (
        results["load_checkpoint safetensors"]["anon"] / results["torch.load (baseline)"]["anon"]
    )
    print(f"private memory added, safetensors load vs torch.load: {private:.3f}x")
    worst = (
        max(
            results["load_checkpoint safetensors"]["added"],
            results["load_checkpoint safetensors + read all"]["added"],
        )
        / size
    )
    verdict = "met" if worst <= TARGET else "MISSED"
    print(
        f"target: safetensors load adds <= {TARGET}x file size to peak RSS: {verdict} "
        f"(worst {worst:.3f}x)"
    )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
