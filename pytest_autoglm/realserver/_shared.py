"""One server per test run under pytest-xdist, not one per worker.

The controller makes a state folder and exports its path in ``AUTOGLM_MODEL_SERVER_STATE``
before the workers start (they inherit the environment). The first worker that needs the
server takes a file lock there, starts it and writes its address, pid and log path (or
its start-up error) to ``server.json``; the others wait on the lock and read the file.
Workers never stop it: the controller stops it by pid (terminate, then kill the process
group) in ``pytest_unconfigure``, after every worker is done, Ctrl-C included.
POSIX only (``fcntl`` locks), like vLLM itself.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pytest_autoglm.realserver._errors import ModelServerError
from pytest_autoglm.realserver._launcher import stop_pid
from pytest_autoglm.realserver._server import ModelServer

STATE_ENV = "AUTOGLM_MODEL_SERVER_STATE"


def make_state_dir() -> Path:
    """The controller's state folder, exported for the workers."""
    path = Path(tempfile.mkdtemp(prefix="autoglm-model-server-"))
    os.environ[STATE_ENV] = str(path)
    return path


def shared_server(state: Path, start: Callable[[], ModelServer]) -> ModelServer:
    """The run's server: started by the first worker that asks, read by the others."""
    import fcntl

    info = state / "server.json"
    with (state / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if info.exists():
                data = json.loads(info.read_text())
                if "error" in data:
                    raise ModelServerError(data["error"])
                return ModelServer(base_url=data["base_url"], model=data["model"],
                                   api_key=data["api_key"], log=Path(data["log"]) if data["log"] else None,
                                   pid=data["pid"], label=data["label"])  # fmt: skip
            try:
                server = start()
            except ModelServerError as exc:
                info.write_text(json.dumps({"error": str(exc)}))
                raise
            info.write_text(json.dumps({
                "base_url": server.base_url, "model": server.model, "api_key": server.api_key,
                "log": str(server.log) if server.log else None, "pid": server.pid,
                "label": server.label,
            }))  # fmt: skip
            server.running = None  # the controller stops it, after every worker
            return server
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def stop_shared(state: Path) -> None:
    """The controller's clean-up: stop the recorded server, remove the folder."""
    info = state / "server.json"
    try:
        data = json.loads(info.read_text()) if info.exists() else {}
        if data.get("pid"):
            stop_pid(int(data["pid"]), grace=30.0)
    finally:
        shutil.rmtree(state, ignore_errors=True)
        os.environ.pop(STATE_ENV, None)
