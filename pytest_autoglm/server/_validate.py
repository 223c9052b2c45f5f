"""Request validation as the real server does it, in the same order, with the same texts.

:func:`validate_chat_request` is pure: given a parsed JSON body and a
:class:`~pytest_autoglm.server.ServerConfig`, it returns the :class:`ApiError` the real
server (of ``config.flavour``) would answer, or ``None`` when the request is accepted.
vLLM's order: request schema, model name, chat-template parsing (images: count, then
decoding), text-length checks with images as placeholders, sampling values, then the
decoder-prompt check with images expanded. Authentication is checked before all this
(see ``_core.py``), because it needs the headers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._images import ImageError, decode_data_url
from pytest_autoglm.server._tokens import PromptCount, count_prompt

if TYPE_CHECKING:  # annotations only: the profiles call this module's checks
    from pytest_autoglm.server._config import ServerConfig
    from pytest_autoglm.server._profiles import Profile

_ROLES = ("system", "user", "assistant", "tool", "developer")
_FLOATS = ("temperature", "top_p", "frequency_penalty", "presence_penalty")


@dataclass
class ChatFacts:
    """What the core needs from an accepted request (read-only by convention).

    Not frozen: one is built per call, and a frozen dataclass's per-field
    ``object.__setattr__`` is most of what building it costs.
    """

    model: str
    stream: bool
    include_usage: bool
    max_tokens: int | None
    prompt: PromptCount
    last_user_text: str
    #: the parsed request body (what a ``when=`` predicate receives)
    body: Any = None


def _schema_error(loc: str, msg: str, value: Any) -> str:
    # pydantic's wording, as vLLM passes it through (inferred: exact layout varies by version)
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"1 validation error for ChatCompletionRequest\n{loc}\n  {msg} [input_value={shown}]"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# vLLM's request model is pydantic in lax mode: it coerces "25" and 25.0 to an int,
# "0.5" to a float, and "true"/"no"/1 to a bool, and rejects "25a". The fake does the same.
# (bool strings as pydantic's conversion table lists them; int strings: digits only, inferred)
_LAX_TRUE = frozenset({"t", "y", "on", "yes", "true", "True"})
_LAX_FALSE = frozenset({"f", "n", "no", "off", "false", "False"})
_INVALID = object()
_isfinite = math.isfinite


def _lax_float(value: Any) -> Any:
    kind = type(value)
    if kind is float or kind is int:  # what JSON gives: no bool, no subclass to rule out
        return value if _isfinite(value) else _INVALID
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return _INVALID
    return value if _is_number(value) else _INVALID


def _lax_int(value: Any) -> Any:
    number = _lax_float(value)
    if number is _INVALID or (isinstance(number, float) and not number.is_integer()):
        return _INVALID
    if isinstance(value, str) and not value.strip().lstrip("+-").isdigit():
        return _INVALID  # pydantic reads "25.0" as a float string, not an int string
    return int(number)


def _lax_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value in _LAX_TRUE | _LAX_FALSE:
        return value in _LAX_TRUE
    return _INVALID


def _collect(messages: list[Any], flavour: Profile, config: ServerConfig) -> (
    tuple[list[str], list[str], str] | ApiError
):  # fmt: skip
    """Texts and image URLs of all messages, and the last user text; or a schema error."""
    texts: list[str] = []
    images: list[str] = []
    last_user = ""
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return flavour.schema(
                _schema_error(f"messages.{i}", "Input should be a valid dictionary", message)
            )
        role = message.get("role")
        if role not in _ROLES:
            return flavour.schema(
                _schema_error(
                    f"messages.{i}.role", f"Input should be {', '.join(map(repr, _ROLES))}", role
                )
            )
        content = message.get("content")
        user_texts: list[str] = []
        if isinstance(content, str):
            user_texts.append(content)
        elif isinstance(content, list):
            for j, part in enumerate(content):
                kind = part.get("type") if isinstance(part, dict) else None
                if kind == "text" and isinstance(part.get("text"), str):
                    user_texts.append(part["text"])
                elif kind == "image_url":
                    image = part.get("image_url")
                    url = image.get("url") if isinstance(image, dict) else image
                    if not isinstance(url, str):
                        return flavour.schema(_schema_error(
                            f"messages.{i}.content.{j}.image_url.url", "Field required", part
                        ))  # fmt: skip
                    images.append(url)
                else:
                    return flavour.schema(_schema_error(
                        f"messages.{i}.content.{j}", "Input should be a text or image_url part", part
                    ))  # fmt: skip
        elif content is not None:
            return flavour.schema(
                _schema_error(
                    f"messages.{i}.content", "Input should be a valid string or list", content
                )
            )
        texts.extend(user_texts)
        if role == "user":
            last_user = "\n".join(user_texts)
    return texts, images, last_user


def _coerce_floats(body: dict[str, Any], flavour: Profile) -> dict[str, Any] | ApiError:
    """``body`` with its sampling floats read laxly (a copy only when one changes: ``"0.5"``)."""
    coerced = body
    for name in _FLOATS:
        value = body.get(name)
        if value is not None:
            number = _lax_float(value)
            if number is _INVALID:
                return flavour.schema(_schema_error(name, "Input should be a valid number", value))
            if number is not value:
                if coerced is body:
                    coerced = dict(body)
                coerced[name] = number
    return coerced


def check_chat_request(
    body: object, *, config: ServerConfig, profile: Profile | None = None
) -> ApiError | ChatFacts:
    """The error the real server answers, or the facts of an accepted request.

    The checks of vLLM 0.12.0 (and of the profiles that keep them); ``profile`` gives
    the texts (default: the configured one).
    """
    flavour = config.profile if profile is None else profile
    if not isinstance(body, dict):
        return flavour.schema(_schema_error("body", "Input should be a valid dictionary", body))
    messages = body.get("messages")
    if not isinstance(messages, list):
        msg = "Field required" if messages is None else "Input should be a valid list"
        return flavour.schema(_schema_error("messages", msg, messages))
    model = body.get("model", config.model)
    if not isinstance(model, str):
        return flavour.schema(_schema_error("model", "Input should be a valid string", model))
    stream = body.get("stream", False)
    if stream is not None:
        stream = _lax_bool(stream)
        if stream is _INVALID:
            return flavour.schema(
                _schema_error("stream", "Input should be a valid boolean", body.get("stream"))
            )
    coerced = _coerce_floats(body, flavour)
    if isinstance(coerced, ApiError):
        return coerced
    body = coerced
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        raw_max_tokens, max_tokens = max_tokens, _lax_int(max_tokens)
        if max_tokens is _INVALID:
            return flavour.schema(
                _schema_error("max_tokens", "Input should be a valid integer", raw_max_tokens)
            )
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and bool(options.get("include_usage"))

    if model != config.model:
        error = flavour.unknown_model(model)
        if error is not None:
            return error

    collected = _collect(messages, flavour, config)
    if isinstance(collected, ApiError):
        return collected
    texts, urls, last_user = collected
    if len(urls) > config.max_images:
        return flavour.too_many_images(config.max_images)
    sizes: list[tuple[int, int]] = []
    for url in urls:
        if url.startswith("data:"):
            try:
                _, width, height = decode_data_url(url, config.image_formats)
            except ImageError as exc:
                return flavour.bad_image(str(exc))
            sizes.append((width, height))
        else:  # a remote URL: the fake does not fetch it and assumes a phone screenshot
            sizes.append(config.tokens.default_image_size)
    prompt = count_prompt(texts, sizes, len(messages), config.tokens)

    limit = config.max_model_len
    if prompt.text >= limit:
        return flavour.prompt_too_long(prompt.text, limit)
    if max_tokens is not None and max_tokens >= 1 and prompt.text + max_tokens > limit:
        error = flavour.max_tokens_too_large(prompt.text, max_tokens, limit)
        if error is not None:
            return error

    sampling = _sampling_error(body, max_tokens)
    if sampling is not None:
        return flavour.sampling(sampling)
    if prompt.full > limit:
        return flavour.decoder_prompt_too_long(prompt.full, limit)
    return ChatFacts(
        model=model,
        stream=bool(stream),
        include_usage=include_usage,
        max_tokens=max_tokens,
        prompt=prompt,
        last_user_text=last_user,
        body=body,
    )


def _sampling_error(body: dict[str, Any], max_tokens: int | None) -> str | None:
    """vLLM's ``SamplingParams`` checks, in its order, with its texts."""
    penalty = body.get("frequency_penalty")
    if penalty is not None and not -2.0 <= penalty <= 2.0:
        return f"frequency_penalty must be in [-2, 2], got {float(penalty)}."
    temperature = body.get("temperature")
    if temperature is not None and temperature < 0:
        return f"temperature must be non-negative, got {float(temperature)}."
    top_p = body.get("top_p")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        return f"top_p must be in (0, 1], got {float(top_p)}."
    if max_tokens is not None and max_tokens < 1:
        return f"max_tokens must be at least 1, got {max_tokens}."
    return None


def validate_chat_request(body: object, *, config: ServerConfig) -> ApiError | None:
    """The error the real server of ``config.flavour`` answers to this chat body, or ``None``.

    Pure and cheap; the hypothesis strategies property-test it. Checks, in vLLM's order:
    schema and types (400 ``Bad Request``), model name (404), image parts (count, then
    ``data:`` decoding), text tokens against ``max_model_len`` and with ``max_tokens``,
    sampling values (vLLM's exact messages), then the prompt with images expanded.
    """
    result = config.profile.check_chat(body, config)
    return result if isinstance(result, ApiError) else None
