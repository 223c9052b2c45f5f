"""Error answers per server flavour: the exact texts vLLM, SGLang, BigModel and OpenAI send.

Sources: ``PROTOCOL.md`` section 2. Texts marked *(inferred)* were not read in a real
server's source; they follow its style and are easy to change here.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_autoglm.server._errors import ApiError


class Flavour:
    """vLLM 0.12 (the default): nested error object with the HTTP status as ``code``."""

    name = "vllm"

    default_type = "BadRequestError"

    def error(
        self,
        status: int,
        message: str,
        type_: str | None = None,
        *,
        param: str | None = None,
        code: int | str | None = None,
    ) -> ApiError:
        return ApiError(status=status, message=message, type=type_ or self.default_type,
                        param=param, code=code, flavour=self.name)  # fmt: skip

    def unauthorized(self) -> ApiError:
        return ApiError(
            status=401, message="Unauthorized", flavour=self.name, raw={"error": "Unauthorized"}
        )

    def unknown_model(self, model: str) -> ApiError | None:
        return self.error(404, f"The model `{model}` does not exist.", "NotFoundError")

    def schema(self, message: str) -> ApiError:
        return self.error(400, message, "Bad Request")

    def sampling(self, message: str) -> ApiError:
        return self.error(400, message)

    def bad_image(self, message: str) -> ApiError:
        return self.error(400, message)

    def too_many_images(self, limit: int) -> ApiError:
        return self.error(400, f"At most {limit} image(s) may be provided in one prompt.")

    def prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.error(
            400,
            f"This model's maximum context length is {limit} tokens. However, your request has "
            f"{tokens} input tokens. Please reduce the length of the input messages. None",
        )

    def max_tokens_too_large(self, tokens: int, max_tokens: int, limit: int) -> ApiError | None:
        return self.error(
            400,
            f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's "
            f"maximum context length is {limit} tokens and your request has {tokens} input tokens "
            f"({max_tokens} > {limit} - {tokens}). None",
        )

    def decoder_prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.error(
            400,
            f"The decoder prompt (length {tokens}) is longer than the maximum model length of "
            f"{limit}. Make sure that `max_model_len` is no smaller than the number of text tokens "
            "plus multimodal tokens. For image inputs, the number of image tokens depends on the "
            "number of images, and possibly their aspect ratios as well.",
        )


class SGLang(Flavour):
    """SGLang 0.5.6: flat legacy body; does not validate the model name on chat completions."""

    name = "sglang"

    default_type = "BadRequest"

    def unauthorized(self) -> ApiError:  # (inferred) SGLang's --api-key middleware
        return ApiError(
            status=401, message="Unauthorized", flavour=self.name, raw={"error": "Unauthorized"}
        )

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


class BigModel(Flavour):
    """BigModel / z.ai: ``{"error": {"code": "<business code>", "message": ...}}``."""

    name = "bigmodel"

    def biz(self, status: int, code: str, message: str) -> ApiError:
        return ApiError(status=status, message=message, code=code, flavour=self.name)

    def unauthorized(self) -> ApiError:
        return self.biz(401, "1000", "身份验证失败。")  # (inferred) text of code 1000

    def unknown_model(self, model: str) -> ApiError | None:
        return self.biz(400, "1211", "模型不存在，请检查模型代码。")

    def schema(self, message: str) -> ApiError:
        return self.biz(400, "1214", message)

    def sampling(self, message: str) -> ApiError:
        return self.biz(400, "1210", message)

    def bad_image(self, message: str) -> ApiError:
        return self.biz(400, "1210", message)

    def too_many_images(self, limit: int) -> ApiError:
        return self.biz(400, "1210", f"At most {limit} image(s) may be provided in one prompt.")

    def prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.biz(400, "1261", "Prompt exceeds max length")

    def max_tokens_too_large(self, tokens: int, max_tokens: int, limit: int) -> ApiError | None:
        return None  # hosted: generation is cut at the limit instead  (inferred)

    def decoder_prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.prompt_too_long(tokens, limit)


class OpenAI(Flavour):
    """OpenAI's own API: nested body, string ``code``, ``invalid_request_error`` type."""

    name = "openai"

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


_BY_NAME: dict[str, Flavour] = {f.name: f for f in (Flavour(), SGLang(), BigModel(), OpenAI())}


def flavour_named(name: str) -> Flavour:
    """The flavour called ``name``; :class:`ValueError` lists the accepted names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown server flavour {name!r}; accepted: {', '.join(_BY_NAME)}"
        ) from None
