"""Write the fake ``adb`` and ``hdc`` executables into a folder of their own."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

TOOLS = ("adb", "hdc")
#: Linux reads at most 127 bytes of a ``#!`` line on older kernels; longer goes through sh.
_SHEBANG_MAX = 120


def interpreter() -> str:
    """The interpreter the executables run on: the base one, so no venv ``site`` is read."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return base if os.path.exists(base) else sys.executable


def client_source(address: str, tool: str) -> str:
    source = (Path(__file__).with_name("_client.py")).read_text(encoding="utf-8")
    source = source.replace('"__ADDRESS__"', repr(address), 1)
    return source.replace('"__TOOL__"', repr(tool), 1)


def write_executables(folder: Path, address: str) -> dict[str, Path]:
    """``adb`` and ``hdc`` in ``folder``, each a client of the fake phone at ``address``.

    Each executable runs the client compiled here, ahead of time (a marshalled code object
    beside it; the interpreter is this one's, so the format matches): compiling the source
    at every run cost about 7% of a command's instructions (callgrind).
    """
    import marshal

    folder.mkdir(parents=True, exist_ok=True)
    python = interpreter()
    written = {}
    for tool in TOOLS:
        code_path = folder / f".{tool}.code"
        code_path.write_bytes(marshal.dumps(compile(client_source(address, tool), tool, "exec")))
        body = f"import marshal\nexec(marshal.loads(open({str(code_path)!r}, 'rb').read()))\n"
        script = folder / tool
        if len(python) + 5 <= _SHEBANG_MAX and " " not in python:
            script.write_text(f"#!{python} -IS\n{body}", encoding="utf-8")
        else:  # a long or spaced interpreter path: a shell line hands over instead
            stub = folder / f".{tool}.py"
            stub.write_text(body, encoding="utf-8")
            script.write_text(f'#!/bin/sh\nexec "{python}" -IS "{stub}" "$@"\n', encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        written[tool] = script
    return written
