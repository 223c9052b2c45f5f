"""OpenAI's own API: nested body, string ``code``, ``invalid_request_error`` type.

From OpenAI's public docs and openai-python 2.9.0 (``PROTOCOL.md`` section 2).
"""

from __future__ import annotations

from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._profiles._base import Profile, phrase

_RATE_LIMIT = (
    "Rate limit reached for {model} in organization org-fake on requests per min (RPM): "
    "Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
    "https://platform.openai.com/account/rate-limits to learn more."
)


class OpenAI(Profile):
    flavour = "openai"
    version = "v1"
    source = "from docs"
    default_type = "invalid_request_error"

    def unauthorized(self) -> ApiError:
        return self.error(
            401,
            "Incorrect API key provided: ***. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )

    def unknown_model(self, model: str) -> ApiError | None:
        return self.error(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
        )

    def prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.error(
            400,
            f"This model's maximum context length is {limit} tokens. However, your messages "
            f"resulted in {tokens} tokens. Please reduce the length of the messages.",
            param="messages",
            code="context_length_exceeded",
        )

    def max_tokens_too_large(self, tokens: int, max_tokens: int, limit: int) -> ApiError | None:
        return self.error(
            400,
            f"This model's maximum context length is {limit} tokens. However, you requested "
            f"{tokens + max_tokens} tokens ({tokens} in the messages, {max_tokens} in the "
            "completion). Please reduce the length of the messages or completion.",
            param="messages",
            code="context_length_exceeded",
        )

    def decoder_prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.prompt_too_long(tokens, limit)

    def fault(self, status: int, model: str, code: str | None = None,
              message: str | None = None) -> ApiError:  # fmt: skip
        def make(text: str, kind: str, default_code: str | None) -> ApiError:
            return ApiError(status=status, message=message or text, type=kind,
                            code=code or default_code, flavour=self.flavour)  # fmt: skip

        if status == 429:
            return make(_RATE_LIMIT.format(model=model), "requests", "rate_limit_exceeded")
        if status == 503:
            return make("The server is overloaded or not ready yet.", "server_error",
                        "server_is_overloaded")  # fmt: skip
        if status >= 500:
            return make("The server had an error while processing your request. Sorry about that!",
                        "server_error", None)  # fmt: skip
        return make(phrase(status), "invalid_request_error", None)

    def fault_headers(self, status: int) -> tuple[tuple[str, str], ...]:
        if status != 429:
            return ()
        return (("x-ratelimit-limit-requests", "3"), ("x-ratelimit-remaining-requests", "0"),
                ("x-ratelimit-reset-requests", "20s"))  # fmt: skip
