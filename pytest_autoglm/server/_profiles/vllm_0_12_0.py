"""vLLM 0.12.0, the release Open-AutoGLM recommends (``vllm/vllm-openai:v0.12.0``).

Read from vLLM 0.12.0's source (``PROTOCOL.md`` section 2), not measured: that release
does not install on a CPU-only machine with torch 2.13. The base :class:`Profile` is
this release; the class only names it.
"""

from __future__ import annotations

from pytest_autoglm.server._profiles._base import Profile


class Vllm0120(Profile):
    flavour = "vllm"
    version = "0.12.0"
    source = "from source"
