"""``Profile``: everything one real server (flavour and version) answers differently.

A profile owns its error texts, its fault bodies, its ``/v1/models`` owner and its
request validation. The core asks the profile; nothing else in the fake server branches
on a flavour name or a version, except the error body shape, which is one per flavour
(``_shapes.py``, below the profiles, so that an :class:`ApiError` renders without them).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from pytest_autoglm.server import _wire
from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._validate import check_chat_request

if TYPE_CHECKING:
    from pytest_autoglm.server._config import ServerConfig
    from pytest_autoglm.server._validate import ChatFacts


class Profile:
    """vLLM-shaped defaults; each flavour/version subclass overrides what its server does."""

    flavour: ClassVar[str] = "vllm"
    #: the release whose behaviour this is
    version: ClassVar[str] = "0.12.0"
    #: where the behaviour comes from: "from source", "verified against the real server", ...
    source: ClassVar[str] = "from source"
    default_type: ClassVar[str] = "BadRequestError"
    owned_by: ClassVar[str] = "vllm"

    @classmethod
    def label(cls) -> str:
        """How the report header names the profile: ``vllm 0.12.0 (from source)``."""
        return f"{cls.flavour} {cls.version} ({cls.source})"

    def error(self, status: int, message: str, type_: str | None = None, *,
              param: str | None = None, code: int | str | None = None) -> ApiError:  # fmt: skip
        return ApiError(status=status, message=message, type=type_ or self.default_type,
                        param=param, code=code, flavour=self.flavour)  # fmt: skip

    # -- answers before validation ----------------------------------------------------
    def unauthorized(self) -> ApiError:
        return ApiError(status=401, message="Unauthorized", flavour=self.flavour,
                        raw={"error": "Unauthorized"})  # fmt: skip

    def refuse_body(self, body: bytes, content_type: str, parsed: object) -> ApiError | None:
        """The answer to a raw chat body refused before validation (``parsed``: its JSON or None)."""
        if parsed is None:
            return self.schema(
                "JSON decode error: the request body is not valid JSON"
            )  # (inferred)
        return None

    # -- validation texts -------------------------------------------------------------
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

    def check_chat(self, body: object, config: ServerConfig) -> ApiError | ChatFacts:
        """The error this server answers to a chat body, or the facts of an accepted one."""
        return check_chat_request(body, config=config, profile=self)

    # -- wire format ------------------------------------------------------------------
    def completion_body(self, **fields: Any) -> bytes:
        """A non-stream ``chat.completion`` body (see :func:`pytest_autoglm.server._wire.completion_body`)."""
        return _wire.completion_body(**fields)

    def chunk_writer(self, cid: str, created: int, model: str, facts: ChatFacts) -> Any:
        """The writer of one streamed reply's SSE events."""
        return _wire.ChunkWriter(cid, created, model)

    # -- faults (``server.fail(status)``) ---------------------------------------------
    def fault(self, status: int, model: str, code: str | None = None,
              message: str | None = None) -> ApiError:  # fmt: skip
        """The body this server (or the gateway in front of it) sends with ``status``.

        vLLM has no rate limiter of its own (a gateway answers 429); the 429/503 texts
        are *(inferred)* and follow the flavour's shape.
        """
        if status == 503:
            text, kind = (
                message or "The model is still loading; try again later.",
                "ServiceUnavailableError",
            )
        elif status == 429:
            text = message or "Too many requests; the server is at its concurrency limit."
            kind = "RateLimitError"
        elif status >= 500:
            text, kind = message or "EngineCore encountered an issue.", "Internal Server Error"
        else:
            text, kind = message or phrase(status), "BadRequestError"
        return ApiError(status=status, message=text, type=kind, code=code, flavour=self.flavour)

    def fault_headers(self, status: int) -> tuple[tuple[str, str], ...]:
        """Headers the service adds to a fault of ``status`` (OpenAI's rate-limit headers)."""
        return ()

    # -- paths ------------------------------------------------------------------------
    def unknown_path(
        self, method: str, path: str, routes: tuple[str, ...]
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a path the server does not serve: FastAPI's 404, or
        its 307 to the same path without the trailing slash."""
        if path.endswith("/") and path.rstrip("/") in routes:
            return 307, {"location": path.rstrip("/")}, b""
        return 404, {"content-type": "application/json"}, b'{"detail":"Not Found"}'


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
