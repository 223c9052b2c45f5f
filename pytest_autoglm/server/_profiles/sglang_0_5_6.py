"""SGLang 0.5.6.post1: flat legacy error body; no model-name check on chat completions.

From SGLang's source (``PROTOCOL.md`` section 2); texts marked *(inferred)* were not read.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._profiles._base import Profile


class SGLang056(Profile):
    flavour = "sglang"
    version = "0.5.6.post1"
    source = "from source"
    default_type = "BadRequest"
    owned_by = "sglang"

    def unknown_model(self, model: str) -> ApiError | None:
        return None  # SGLang echoes whatever model was asked for

    def schema(self, message: str) -> ApiError:
        return self.error(400, message)

    def prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        message = f"The input ({tokens} tokens) is longer than the model's context length ({limit} tokens)."
        return replace(self.error(400, message), in_stream=True)

    def max_tokens_too_large(self, tokens: int, max_tokens: int, limit: int) -> ApiError | None:
        message = (
            f"Requested token count exceeds the model's maximum context length of {limit} tokens. "
            f"You requested a total of {tokens + max_tokens} tokens: {tokens} tokens from the input "
            f"messages and {max_tokens} tokens for the completion. Please reduce the number of tokens "
            "in the input messages or the completion to fit within the limit."
        )
        return replace(self.error(400, message), in_stream=True)

    def decoder_prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.prompt_too_long(tokens, limit)

    def fault(self, status: int, model: str, code: str | None = None,
              message: str | None = None) -> ApiError:  # fmt: skip
        if status >= 500 and status != 503:
            text = message or "Internal server error: EngineCore encountered an issue."
            return ApiError(status=status, message=text, type="InternalServerError", code=code,
                            flavour=self.flavour)  # fmt: skip
        return super().fault(status, model, code, message)
