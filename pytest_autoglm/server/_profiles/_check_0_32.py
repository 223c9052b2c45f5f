"""Chat-request validation of vLLM 0.32.0 (measured), in its order, with its texts.

Order: the content type and JSON of the body, the request model (pydantic, lax: every
field's errors in field order), the model name, ``stream_options`` and ``top_logprobs``
rules, the conversation (empty, content parts), the prompt length, then the sampling
parameters with ``max_tokens`` capped to what the context leaves. Where two checks
could both fire, their relative order is *(inferred)*: the corpus sends one fault at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._images import ImageError, decode_data_url
from pytest_autoglm.server._profiles import _pydantic as pd
from pytest_autoglm.server._profiles._messages_0_32 import message_errors
from pytest_autoglm.server._tokens import count_prompt
from pytest_autoglm.server._validate import ChatFacts

if TYPE_CHECKING:
    from pytest_autoglm.server._config import ServerConfig
    from pytest_autoglm.server._profiles._base import Profile

Coerce = Callable[[str, Any, list[dict[str, Any]]], Any]
#: the request model's fields that the corpus meets, in vLLM's field order
_FIELDS: tuple[tuple[str, Coerce], ...] = (
    ("model", pd.strict_str), ("frequency_penalty", pd.lax_float), ("logprobs", pd.lax_bool),
    ("top_logprobs", pd.lax_int), ("max_tokens", pd.lax_int),
    ("max_completion_tokens", pd.lax_int), ("n", pd.lax_int),
    ("presence_penalty", pd.lax_float), ("seed", pd.lax_int), ("stop", pd.str_or_list),
    ("stream", pd.lax_bool), ("temperature", pd.lax_float), ("top_p", pd.lax_float),
    ("best_of", pd.lax_int), ("top_k", pd.lax_int), ("min_p", pd.lax_float),
    ("repetition_penalty", pd.lax_float), ("min_tokens", pd.lax_int),
    ("skip_special_tokens", pd.lax_bool),
)  # fmt: skip
_PART_MEMBERS = (
    ("ChatCompletionContentPartTextParam", "text", "text"),
    ("ChatCompletionContentPartImageParam", "image_url", "image_url"),
    ("ChatCompletionContentPartInputAudioParam", "input_audio", "input_audio"),
    ("File", "file", "file"),
)


def refuse_body(
    profile: Profile, body: bytes, content_type: str, parsed: object = None
) -> ApiError | None:
    """FastAPI's checks of the raw body: media type, presence, JSON syntax.

    ``parsed``: the body's JSON as the core read it; not ``None``, the syntax is known good.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json":
        return profile.error(400, "1 validation error:\n  Unsupported Media Type: Only "
                             "'application/json' is allowed", "Bad Request")  # fmt: skip
    if not body:
        return _request_error(profile, [pd.item("missing", "body", "Field required", None)])
    if parsed is not None:
        return None
    try:
        json.loads(body)
    except ValueError as exc:
        position = getattr(exc, "pos", 0)
        reason = getattr(exc, "msg", str(exc))
        error = pd.item("json_invalid", f"body.{position}", "JSON decode error", {},
                        {"error": reason})  # fmt: skip
        return _request_error(profile, [error])
    return None


def _request_error(profile: Profile, errors: list[dict[str, Any]]) -> ApiError:
    return profile.error(400, pd.request_errors(errors), "Bad Request", param=errors[0]["loc"])


def _param_error(profile: Profile, message: str, param: str, value: Any = pd.INVALID) -> ApiError:
    suffix = (
        f"(parameter={param})" if value is pd.INVALID else f"(parameter={param}, value={value})"
    )
    return profile.error(400, f"{message} {suffix}", param=param)


def check_chat(profile: Profile, body: object, config: ServerConfig) -> ApiError | ChatFacts:
    if not isinstance(body, dict):
        return _request_error(profile, [pd.item(
            "model_attributes_type", "body",
            "Input should be a valid dictionary or object to extract fields from", body)])  # fmt: skip
    errors: list[dict[str, Any]] = []
    messages = body.get("messages", pd.INVALID)
    if messages is pd.INVALID:
        errors.append(pd.item("missing", "body.messages", "Field required", body))
    elif not isinstance(messages, list):
        errors.append(
            pd.item("list_type", "body.messages", "Input should be a valid list", messages)
        )
    else:
        for index, message in enumerate(messages):
            errors += message_errors(index, message)
    values = dict(body)
    for name, coerce in _FIELDS:
        if name in body:
            values[name] = coerce(f"body.{name}", body[name], errors)
    if errors:
        return _request_error(profile, errors)
    assert isinstance(messages, list)

    model = values.get("model") or config.model
    if model != config.model:
        return profile.error(404, f"The model `{model}` does not exist. Valid aliases: "
                             f"{config.model}.", "NotFoundError", param="model")  # fmt: skip
    stream = bool(values.get("stream"))
    options = values.get("stream_options")
    if options is not None and not stream:
        return _param_error(profile, "Stream options can only be defined when `stream=True`.",
                            "stream_options")  # fmt: skip
    if values.get("top_logprobs") is not None and not values.get("logprobs"):
        return _param_error(profile, "when using `top_logprobs`, `logprobs` must be set to true.",
                            "top_logprobs")  # fmt: skip
    if not messages:
        return profile.error(400, "Cannot apply chat template to an empty conversation. Provide "
                             "at least one message.")  # fmt: skip
    collected = _collect(profile, messages, config)
    if isinstance(collected, ApiError):
        return collected
    prompt, last_user = collected
    limit = config.max_model_len
    if prompt.full > limit:
        seen = limit + 1  # vLLM tokenizes with truncation at max_model_len + 1
        return _param_error(
            profile,
            f"This model's maximum context length is {limit} tokens. However, your prompt "
            f"contains at least {seen} input tokens, which exceeds this limit even without "
            "any output tokens. Please reduce the length of the input prompt.",
            "input_tokens", seen)  # fmt: skip
    asked = values.get("max_completion_tokens")
    if asked is None:
        asked = values.get("max_tokens")
    if asked is not None and asked > limit:
        return _param_error(profile, f"max_tokens={asked} cannot be greater than "
                            f"max_model_len={limit}. Please request fewer output tokens.",
                            "max_tokens", asked)  # fmt: skip
    max_tokens = limit - prompt.full if asked is None else min(asked, limit - prompt.full)
    sampling = _sampling_error(profile, values, max_tokens)
    if sampling is not None:
        return sampling
    return ChatFacts(model=model, stream=stream,
                     include_usage=stream and isinstance(options, dict) and bool(options.get("include_usage")),
                     max_tokens=max_tokens, prompt=prompt, last_user_text=last_user,
                     body=values)  # fmt: skip


def _collect(profile: Profile, messages: list[Any], config: ServerConfig) -> Any:
    """Texts, images and the prompt count; or the content-part error."""
    texts: list[str] = []
    sizes: list[tuple[int, int]] = []
    last_user = ""
    for message in messages:
        content = message.get("content")
        parts = (
            [content] if isinstance(content, str) else content if isinstance(content, list) else []
        )
        own: list[str] = []
        for index, part in enumerate(parts):
            if isinstance(part, str):
                own.append(part)
                continue
            refused = _part_errors(index, part)
            if refused:
                return profile.error(400, pd.iterator_errors(refused))
            if part["type"] == "text":
                own.append(part["text"])
            elif part["type"] == "image_url":
                image = part["image_url"]
                url = image.get("url") if isinstance(image, dict) else image
                if isinstance(url, str) and url.startswith("data:"):
                    try:
                        _, width, height = decode_data_url(url, config.image_formats)
                    except ImageError as exc:
                        return profile.bad_image(str(exc))
                    sizes.append((width, height))
                else:
                    sizes.append(config.tokens.default_image_size)
        texts += own
        if message.get("role") == "user":
            last_user = "\n".join(own)
    if len(sizes) > config.max_images:
        return profile.too_many_images(config.max_images)
    return count_prompt(texts, sizes, len(messages), config.tokens), last_user


def _part_errors(index: int, part: Any) -> list[tuple[str, str, str, Any]]:
    kind = part.get("type") if isinstance(part, dict) else None
    for _, field, literal in _PART_MEMBERS:
        accepted = kind == literal and isinstance(part, dict) and field in part
        if accepted and (field != "text" or isinstance(part[field], str)):
            return []
    errors: list[tuple[str, str, str, Any]] = []
    for member, field, literal in _PART_MEMBERS:
        if not isinstance(part, dict) or field not in part:
            errors.append((f"{index}.{member}.{field}", "Field required", "missing", part))
        if kind != literal:
            errors.append((f"{index}.{member}.type", f"Input should be '{literal}'",
                           "literal_error", kind))  # fmt: skip
    return errors


def _sampling_error(profile: Profile, v: dict[str, Any], max_tokens: int) -> ApiError | None:
    """vLLM 0.32.0's SamplingParams checks, with its texts (one at a time in the corpus)."""

    def plain(message: str) -> ApiError:
        return profile.error(400, message)

    n = v.get("n")
    if n is not None and n < 1:
        return plain(f"n must be at least 1, got {n}.")
    for name in ("presence_penalty", "frequency_penalty"):
        value = v.get(name)
        if value is not None and not -2.0 <= value <= 2.0:
            return plain(f"{name} must be in [-2, 2], got {float(value)}.")
    value = v.get("repetition_penalty")
    if value is not None and not value > 0.0:
        return plain(f"repetition_penalty must be greater than zero, got {float(value)}.")
    value = v.get("temperature")
    if value is not None and value < 0.0:
        return _param_error(profile, f"temperature must be non-negative, got {float(value)}.",
                            "temperature", float(value))  # fmt: skip
    if value is not None and value > 2.0:
        return _param_error(profile, f"temperature must be in [0, 2], got {float(value)}.",
                            "temperature", float(value))  # fmt: skip
    value = v.get("top_p")
    if value is not None and not 0.0 < value <= 1.0:
        return _param_error(profile, f"top_p must be in (0, 1], got {float(value)}.", "top_p",
                            float(value))  # fmt: skip
    value = v.get("top_k")
    if value is not None and value < -1:  # -1 is accepted as "disabled" too
        return plain(f"top_k must be 0 (disable), or at least 1, got {value}.")
    value = v.get("min_p")
    if value is not None and not 0.0 <= value <= 1.0:
        return plain(f"min_p must be in [0, 1], got {float(value)}.")
    if max_tokens < 1:
        return _param_error(profile, f"max_tokens must be at least 1, got {max_tokens}.",
                            "max_tokens", max_tokens)  # fmt: skip
    value = v.get("min_tokens")
    if value is not None and value > max_tokens:
        return plain(
            f"min_tokens must be less than or equal to max_tokens={max_tokens}, got {value}."
        )
    return None
