"""A finding: what Open-AutoGLM expects, what the server did, and the server flag that fixes it."""

from __future__ import annotations

from dataclasses import dataclass

#: The flags Open-AutoGLM's README deploys with (vLLM >= 0.12 / SGLang >= 0.5.6.post1).
FIX_SERVED_NAME = ("vLLM/SGLang: --served-model-name autoglm-phone-9b (or run the check with "
                   "--autoglm-model NAME)")  # fmt: skip
FIX_CONTEXT = "vLLM: --max-model-len 25480; SGLang: --context-length 25480"
FIX_MAX_PIXELS = ("vLLM: --mm_processor_kwargs '{\"max_pixels\":5000000}'; SGLang: "
                  "--mm-process-config '{\"image\":{\"max_pixels\":5000000}}'")  # fmt: skip
FIX_IMAGE_LIMIT = "vLLM: --limit-mm-per-prompt '{\"image\":10}'"
FIX_REASONING = ("drop --reasoning-parser from the server command (vLLM and SGLang): "
                 "phone_agent reads only delta.content")  # fmt: skip
FIX_KEY = "set AUTOGLM_API_KEY to the key the server was started with (--api-key)"
FIX_HEALTH = ("the engine is not healthy: read the server log (often out of memory: lower "
              "--max-model-len or vLLM's --gpu-memory-utilization)")  # fmt: skip
FIX_DETERMINISM = ("temperature 0 must be greedy: start vLLM with --seed 0, and check that no "
                   "proxy in front of it changes the sampling parameters")  # fmt: skip
FIX_GARBLED = ("the model does not follow AutoGLM's output format: vLLM needs "
               "transformers>=5.0.0rc0 for GLM-4.1V (Open-AutoGLM #324) and "
               "--chat-template-content-format string")  # fmt: skip
FIX_CHAT = ("check the server log; Open-AutoGLM's flags: --served-model-name autoglm-phone-9b "
            "--max-model-len 25480 --chat-template-content-format string")  # fmt: skip


@dataclass(frozen=True)
class Finding(Exception):
    """One way the deployment differs from what Open-AutoGLM needs."""

    check: str
    expected: str
    got: str
    fix: str

    def __str__(self) -> str:
        return (f"deployment check {self.check!r}:\n  expected: {self.expected}\n"
                f"  server did: {self.got}\n  fix: {self.fix}")  # fmt: skip


class NotApplicable(Exception):
    """The check cannot run against this server; the message is the skip reason."""
