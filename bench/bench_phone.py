"""Cost of the fake phone: commands per second through the fake ``adb``, and a 20-step episode.

* **commands/s**: ``adb shell input tap`` through the fake, run as phone_agent runs it
  (``subprocess.run``, captured output), against two baselines in the same rounds: the same
  interpreter started with the same flags doing nothing (``python -IS -c pass``: the floor
  of any Python executable) and ``/bin/true`` (the floor of any process). The ratio to the
  interpreter floor is what the fake adds on top of starting Python.
* **episode**: wall time of Open-AutoGLM's ``PhoneAgent`` running 20 steps (19 taps and a
  finish) against the fake server (respx) and the fake phone, phone_agent's delays at
  zero, through :class:`~pytest_autoglm.phone.AgentRunner`. Goal: under 5 s.

Baselines and fake alternate in rounds, so both share the machine's noise; each figure is
the median of the rounds.

    .venv/bin/python bench/bench_phone.py [--commands 100] [--rounds 3] [--steps 20]

Wall times here swing with the machine's load; the callgrind counts (when valgrind is on
PATH) do not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from collections.abc import Sequence

from pytest_autoglm.phone import AgentRunner, FakePhone
from pytest_autoglm.phone._bin import interpreter

GOAL_EPISODE_S = 5.0


def per_second(argv: Sequence[str], count: int, env: dict[str, str]) -> float:
    started = time.perf_counter()
    for _ in range(count):
        subprocess.run(argv, capture_output=True, check=False, env=env)
    return count / (time.perf_counter() - started)


def commands(count: int, rounds: int) -> None:
    phone = FakePhone().start()
    try:
        env = dict(os.environ, PATH=f"{phone.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        fake = ["adb", "shell", "input", "tap", "540", "1200"]
        floor = [interpreter(), "-IS", "-c", "pass"]
        results: dict[str, list[float]] = {
            "fake adb": [],
            "python -IS -c pass": [],
            "/bin/true": [],
        }
        per_second(fake, 10, env)  # warm-up
        for _ in range(rounds):
            results["fake adb"].append(per_second(fake, count, env))
            results["python -IS -c pass"].append(per_second(floor, count, env))
            results["/bin/true"].append(per_second(["/bin/true"], count, env))
        medians = {name: statistics.median(values) for name, values in results.items()}
        for name, rate in medians.items():
            print(f"  {name:<20} {rate:8.1f} commands/s  {1000 / rate:6.2f} ms each")
        ratio = medians["python -IS -c pass"] / medians["fake adb"]
        print(f"  fake adb costs {ratio:.2f}x a bare interpreter start "
              f"(+{1000 / medians['fake adb'] - 1000 / medians['python -IS -c pass']:.2f} ms)")  # fmt: skip
        assert len(phone.taps) == 10 + count * rounds
    finally:
        phone.stop()


def instructions(argv: Sequence[str]) -> int:
    """Instructions executed by ``argv`` under callgrind (exact, whatever the machine's load)."""
    import re

    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        capture_output=True, text=True, check=False, env=dict(os.environ, PYTHONHASHSEED="0"),
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind gave no count for {argv}: {done.stderr[-500:]}")
    return int(found.group(1))


def command_instructions() -> None:
    import shutil

    if shutil.which("valgrind") is None:
        print("  (valgrind not found: no instruction counts)")
        return
    phone = FakePhone().start()
    try:
        python = interpreter()
        bare = instructions([python, "-IS", "-c", "pass"])
        fake = instructions(
            [python, "-IS", str(phone.bin_dir / "adb"), "shell", "input", "tap", "1", "2"]
        )
        true = instructions(["/bin/true"])
        assert len(phone.taps) == 1
    finally:
        phone.stop()
    print(f"  instructions: fake adb {fake:,}; python -IS -c pass {bare:,}; /bin/true {true:,}")
    print(f"  fake adb = {fake / bare:.2f}x a bare interpreter start (callgrind, exact)")


def episode(steps: int, rounds: int) -> None:
    from pytest_autoglm.phone._timing import DELAY_VARIABLES
    from pytest_autoglm.protocol import Finish, Tap
    from pytest_autoglm.server import FakeServer, ServerConfig

    for name in DELAY_VARIABLES:  # what the autoglm_phone fixture does (before phone_agent loads)
        os.environ[name] = "0"
    import resource

    def cpu() -> float:
        own, kids = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    timings, cpu_times = [], []
    for _ in range(rounds):
        server = FakeServer(ServerConfig(transport="respx", export_env=False))
        phone = FakePhone().start()
        os.environ["PATH"] = f"{phone.bin_dir}{os.pathsep}{os.environ['PATH']}"
        server.start()
        try:
            server.episode([Tap((100 + i * 40, 500)) for i in range(steps - 1)] + [Finish("done")])
            started, cpu_started = time.perf_counter(), cpu()
            transcript = AgentRunner(server, phone).run("bench", max_steps=steps)
            timings.append(time.perf_counter() - started)
            cpu_times.append(cpu() - cpu_started)
            assert transcript.stopped == "finished", transcript
            assert len(transcript.steps) == steps, transcript
        finally:
            server.stop()
            phone.stop()
            os.environ["PATH"] = os.environ["PATH"].split(os.pathsep, 1)[1]
    median = statistics.median(timings)
    commands = len(transcript.steps) and sum(len(s.commands) for s in transcript.steps)
    print(f"  {steps}-step PhoneAgent episode: {median:.2f} s median of {rounds} "
          f"({median / steps * 1000:.0f} ms/step, {commands} adb commands); goal < {GOAL_EPISODE_S} s: "
          f"{'met' if median < GOAL_EPISODE_S else 'NOT met'}")  # fmt: skip
    print(f"  CPU time of the episode (this process + its adb processes): "
          f"{statistics.median(cpu_times):.2f} s; wall/CPU {median / statistics.median(cpu_times):.1f}x "
          f"(above 1x: waiting for the other processes on this machine)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print("fake adb, one `adb shell input tap` per subprocess.run:")
    commands(args.commands, args.rounds)
    command_instructions()
    print("whole loop (fake server respx + fake phone + phone_agent's PhoneAgent):")
    episode(args.steps, args.rounds)


if __name__ == "__main__":
    main()
