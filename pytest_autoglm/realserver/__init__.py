"""A real model server (vLLM, SGLang) in the loop: the ``autoglm_model_server`` fixture's work.

Start one with :func:`start_server` from a :class:`LaunchSpec` (``parse_spec("vllm:PATH")``
or a command line), or use a running one with :func:`connect`. Launchers are the seam
for other ways to run a server (a container); :class:`ProcessLauncher` runs a local
process in its own process group. Importing this package imports neither openai nor httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "VLLM_INSTALL": "_spec",
    "LaunchSpec": "_spec",
    "Launcher": "_launcher",
    "ModelServer": "_server",
    "ModelServerError": "_errors",
    "ModelServerUsageError": "_errors",
    "ProcessLauncher": "_launcher",
    "Running": "_launcher",
    "connect": "_server",
    "parse_spec": "_spec",
    "start_server": "_server",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.realserver._errors import ModelServerError as ModelServerError
    from pytest_autoglm.realserver._errors import ModelServerUsageError as ModelServerUsageError
    from pytest_autoglm.realserver._launcher import Launcher as Launcher
    from pytest_autoglm.realserver._launcher import ProcessLauncher as ProcessLauncher
    from pytest_autoglm.realserver._launcher import Running as Running
    from pytest_autoglm.realserver._server import ModelServer as ModelServer
    from pytest_autoglm.realserver._server import connect as connect
    from pytest_autoglm.realserver._server import start_server as start_server
    from pytest_autoglm.realserver._spec import VLLM_INSTALL as VLLM_INSTALL
    from pytest_autoglm.realserver._spec import LaunchSpec as LaunchSpec
    from pytest_autoglm.realserver._spec import parse_spec as parse_spec

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
