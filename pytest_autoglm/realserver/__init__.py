"""A real model server (vLLM, SGLang) in the loop: the ``autoglm_model_server`` fixture's work.

Start one with :func:`start_server` from a :class:`LaunchSpec` (``parse_spec("vllm:PATH")``
or a command line), or use a running one with :func:`connect`. Launchers are the seam
for other ways to run a server (a container); :class:`ProcessLauncher` runs a local
process in its own process group. Importing this package imports neither openai nor httpx.
"""

from __future__ import annotations

from pytest_autoglm.realserver._errors import ModelServerError, ModelServerUsageError
from pytest_autoglm.realserver._launcher import Launcher, ProcessLauncher, Running
from pytest_autoglm.realserver._server import ModelServer, connect, start_server
from pytest_autoglm.realserver._spec import VLLM_INSTALL, LaunchSpec, parse_spec

__all__ = [
    "VLLM_INSTALL",
    "LaunchSpec",
    "Launcher",
    "ModelServer",
    "ModelServerError",
    "ModelServerUsageError",
    "ProcessLauncher",
    "Running",
    "connect",
    "parse_spec",
    "start_server",
]
