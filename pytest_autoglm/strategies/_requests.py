"""Chat-completion request bodies: valid ones, and misuses paired with the server's exact error.

The expected errors are written here from ``PROTOCOL.md`` (through the fake server's
per-flavour texts and its documented token estimate), not computed by the fake server's
validator, so a property test comparing the two keeps both honest.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any, Literal, overload

from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pytest_autoglm._png import encode_png, png_size
from pytest_autoglm.server._config import ServerConfig
from pytest_autoglm.server._errors import ApiError, ServerConfigError
from pytest_autoglm.server._profiles import Profile as Flavour
from pytest_autoglm.server._profiles import profile_for
from pytest_autoglm.server._tokens import PromptCount, TokenEstimate
from pytest_autoglm.strategies._chat import Message, conversations, image_part
from pytest_autoglm.strategies._images import data_url, screenshots
from pytest_autoglm.strategies._text import prompts
from pytest_autoglm.strategies._validation import check_bool, check_int, check_subset

Body = dict[str, Any]

#: Kinds of misuse ``chat_requests(valid=False)`` covers, in the order examples shrink to them.
MISUSES = (
    "missing_field",  # no "messages"
    "wrong_type",  # "25a" for max_tokens, a string for messages, ...
    "sampling",  # temperature < 0, top_p outside (0, 1], ...
    "unknown_model",
    "too_many_images",
    "bad_image",  # a data URL that is not a readable image
    "prompt_too_long",  # text tokens >= max_model_len
    "max_tokens_too_large",  # text tokens + max_tokens > max_model_len
    "decoder_prompt_too_long",  # fits as text, not once the image is expanded
)
MIN_MODEL_LEN = 2048
_PADDING = "scroll down and check the list again; "


# -- counting, as the fake server documents it ---------------------------------------------


def _texts_and_images(messages: list[Message]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    urls: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for part in content:
                if part.get("type") == "text":
                    texts.append(part["text"])
                else:
                    urls.append(part["image_url"]["url"])
    return texts, urls


def _url_size(url: str) -> tuple[int, int]:
    head = base64.b64decode(url.partition(",")[2][:32])  # 24 bytes: signature + IHDR
    size = png_size(head)
    if size is None:  # pragma: no cover - only our own valid screenshots are counted
        raise AssertionError(f"not one of our screenshots: {url[:60]}")
    return size


def _text_tokens(estimate: TokenEstimate, text: str) -> int:
    # The documented estimate (ASCII by chars_per_token, other characters each), counted
    # in C: encoding with errors="ignore" keeps exactly the ASCII characters.
    ascii_chars = len(text.encode("ascii", "ignore"))
    other = len(text) - ascii_chars
    return math.ceil(ascii_chars / estimate.chars_per_token) + math.ceil(
        other * estimate.tokens_per_other_char
    )


def count(messages: list[Message], config: ServerConfig) -> PromptCount:
    """The prompt's tokens by the fake server's documented estimate (``server._tokens``)."""
    estimate = config.tokens
    texts, urls = _texts_and_images(messages)
    sizes = [_url_size(u) for u in urls]
    text = sum(_text_tokens(estimate, t) for t in texts) + len(messages) * estimate.per_message
    placeholders = len(sizes) * estimate.image_placeholder
    expanded = sum(estimate.image_tokens(w, h) for w, h in sizes)
    return PromptCount(text=text + placeholders, full=text + expanded, images=len(sizes))


def _pad(messages: list[Message], extra_tokens: int, config: ServerConfig) -> None:
    """Lengthen the last text by exactly ``extra_tokens`` ASCII tokens (in place)."""
    part = messages[-1]["content"][-1]
    per = config.tokens.chars_per_token
    ascii_chars = len(part["text"].encode("ascii", "ignore"))
    # ceil(a / per) + k tokens need a + m == (ceil(a / per) + k) * per ASCII characters.
    target = int((-(-ascii_chars // per) + extra_tokens) * per)
    need = target - ascii_chars
    if need <= 0:
        return
    part["text"] += (_PADDING * (need // len(_PADDING) + 1))[:need]


# -- the valid body ----------------------------------------------------------------------------


#: Request fields real clients send, phone_agent's first so examples shrink to its request.
PRESETS: tuple[dict[str, Any], ...] = (
    # phone_agent's step request (ModelConfig defaults)
    {"max_tokens": 3000, "temperature": 0.0, "top_p": 0.85, "frequency_penalty": 0.2,
     "stream": True},
    # main.py's pre-flight check and scripts/check_deployment_*.py (non-stream)
    {"max_tokens": 5, "temperature": 0.0, "stream": False},
    {"max_tokens": 3000, "temperature": 0.0, "top_p": 0.85, "frequency_penalty": 0.2,
     "stream": False},
    {},  # messages and model only
)  # fmt: skip
_BOOLEANS = st.booleans()
_PRESETS = st.sampled_from((*range(len(PRESETS)), None))  # None: any valid values


def _sampling_values() -> dict[str, SearchStrategy[Any]]:
    return {
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1, exclude_min=True),
        "frequency_penalty": st.floats(-2, 2),
        "stream": st.booleans(),
    }


def _valid(config: ServerConfig, turns: int) -> SearchStrategy[Body]:
    limit = config.max_model_len
    # Task texts stay well inside the limit, so almost every conversation fits.
    task = prompts(max_size=max(1, min(4000, limit // 8)))
    optional = {"model": st.just(config.model), **_sampling_values()}
    return _valid_body(
        conversations(max_turns=turns, prompts=task),
        st.fixed_dictionaries({}, optional=optional),
        config,
    )


@st.composite
def _valid_body(
    draw: st.DrawFn,
    conversation: SearchStrategy[list[Message]],
    fields: SearchStrategy[dict[str, Any]],
    config: ServerConfig,
) -> Body:
    limit = config.max_model_len
    messages = draw(conversation)
    counted = count(messages, config)
    assume(counted.full <= limit and counted.text < limit)  # holds for limits >= MIN_MODEL_LEN
    budget = limit - counted.text
    body: Body = {"messages": messages, "model": config.model}
    preset = draw(_PRESETS)
    if preset is not None:
        body.update(PRESETS[preset])
        if "max_tokens" in body:
            body["max_tokens"] = min(body["max_tokens"], budget)
        return body
    del body["model"]
    body.update(draw(fields))
    if draw(_BOOLEANS):
        body["max_tokens"] = draw(st.integers(1, budget))
    return body


# -- misuses -----------------------------------------------------------------------------------


# Pydantic's wording as vLLM passes it through, laid out as the fake server writes it.
def schema_text(loc: str, msg: str, value: Any) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"1 validation error for ChatCompletionRequest\n{loc}\n  {msg} [input_value={shown}]"


# Values no pydantic field in lax mode coerces ("25" and 25.0 would pass as integers).
_NOT_INTEGERS = st.sampled_from(("25a", "3000 tokens", 25.5, [3000], {"n": 1}, ""))
_NOT_NUMBERS = st.sampled_from(("hot", "0.5.1", "", [0.1], {"value": 1}))
_NOT_BOOLEANS = st.sampled_from(("maybe", 2, [], {"on": True}))
_NOT_STRINGS = st.sampled_from((123, ["autoglm-phone-9b"], {"name": "autoglm-phone-9b"}, 1.5))
_NOT_LISTS = st.sampled_from(("Hi", {"role": "user", "content": "Hi"}, 1))
_WRONG_TYPES: tuple[tuple[str, SearchStrategy[Any], str], ...] = (
    ("max_tokens", _NOT_INTEGERS, "Input should be a valid integer"),
    ("temperature", _NOT_NUMBERS, "Input should be a valid number"),
    ("top_p", _NOT_NUMBERS, "Input should be a valid number"),
    ("frequency_penalty", _NOT_NUMBERS, "Input should be a valid number"),
    ("stream", _NOT_BOOLEANS, "Input should be a valid boolean"),
    ("model", _NOT_STRINGS, "Input should be a valid string"),
    ("messages", _NOT_LISTS, "Input should be a valid list"),
)
_TINY = 1e-9  # keeps -0.0 and 0.0 out of "negative" ranges


def _sampling_misuse(draw: st.DrawFn, body: Body) -> str:
    field = draw(st.sampled_from(("temperature", "top_p", "frequency_penalty", "max_tokens")))
    if field == "max_tokens":
        value: Any = draw(st.integers(-(10**6), 0))
        body[field] = value
        return f"max_tokens must be at least 1, got {value}."
    if field == "temperature":
        value = draw(st.floats(-100.0, -_TINY))
        body[field] = value
        return f"temperature must be non-negative, got {float(value)}."
    if field == "top_p":
        value = draw(st.one_of(st.floats(-100.0, 0.0), st.floats(1.0 + 1e-6, 100.0)))
        body[field] = value
        return f"top_p must be in (0, 1], got {float(value)}."
    value = draw(st.one_of(st.floats(2.0 + 1e-6, 100.0), st.floats(-100.0, -2.0 - 1e-6)))
    body[field] = value
    return f"frequency_penalty must be in [-2, 2], got {float(value)}."


_NOT_IMAGES = (b"", b"not an image", b"%PDF-1.4\n", b"<html><body>502 Bad Gateway</body></html>")
_NOT_BASE64 = ("%%%%", "iVBORw0KGgo=AAAA", "not base64!", "a")


def _bad_image(draw: st.DrawFn) -> tuple[str, str]:
    """A bad ``data:`` URL and the fake server's message for it."""
    kind = draw(st.sampled_from(("header_cut", "not_image", "not_base64", "not_data_url")))
    if kind == "header_cut":  # a PNG cut before its size is known (a failed pull)
        png = encode_png(2, 4, (0, 0, 0), (0, 0, 0), 1)
        cut = png[: draw(st.integers(0, 23))]
        if len(cut) >= 8:
            return data_url(cut), "cannot identify image file: PNG header without IHDR"
        return data_url(cut), "cannot identify image file (the data is not PNG, JPEG, WebP or GIF)"
    if kind == "not_image":
        return (
            data_url(draw(st.sampled_from(_NOT_IMAGES))),
            "cannot identify image file (the data is not PNG, JPEG, WebP or GIF)",
        )
    if kind == "not_base64":
        text = draw(st.sampled_from(_NOT_BASE64))
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            return f"data:image/png;base64,{text}", f"invalid base64 image data: {exc}"
        raise AssertionError(f"{text!r} decoded")  # pragma: no cover
    head = draw(st.sampled_from(("data:image/png", "data:image/png;utf8", "data:;base64x")))
    return (
        f"{head},iVBORw0KGgo=",
        f"invalid data URL {head[:40]!r}: expected 'data:image/png;base64,<base64 data>'",
    )


@st.composite
def _misuse(
    draw: st.DrawFn,
    config: ServerConfig,
    flavour: Flavour,
    kinds: SearchStrategy[str],
    valid: SearchStrategy[Body],
) -> tuple[Body, ApiError]:
    body = draw(valid)
    kind = draw(kinds)
    messages: list[Message] = body["messages"]
    error: ApiError | None
    if kind == "missing_field":
        del body["messages"]
        error = flavour.schema(schema_text("messages", "Field required", None))
    elif kind == "wrong_type":
        field, values, msg = draw(st.sampled_from(_WRONG_TYPES))
        body.pop("max_completion_tokens", None)
        body[field] = value = draw(values)
        error = flavour.schema(schema_text(field, msg, value))
    elif kind == "sampling":
        error = flavour.sampling(_sampling_misuse(draw, body))
    elif kind == "unknown_model":
        names = ("gpt-4o", "autoglm-phone-9b-multilingual", "AutoGLM-Phone-9B", "autoglm-phone", "")
        body["model"] = model = draw(st.sampled_from(names).filter(lambda n: n != config.model))
        error = flavour.unknown_model(model)
    elif kind == "too_many_images":
        # Images kept in every turn: phone_agent strips them, a home-grown agent may not.
        extra = config.max_images + draw(st.integers(1, 3)) - 1
        urls = [draw(screenshots(as_data_url=True)) for _ in range(extra)]
        messages[-1]["content"][:0] = [image_part(u) for u in urls]
        error = flavour.too_many_images(config.max_images)
    elif kind == "bad_image":
        url, message = _bad_image(draw)
        messages[-1]["content"][0] = image_part(url)
        error = flavour.bad_image(message)
    else:
        error = _context_misuse(draw, kind, body, config, flavour)
    if error is None:  # pragma: no cover - kinds are filtered by flavour up front
        raise AssertionError(f"{kind} is not an error for flavour {flavour.flavour}")
    return body, error


def _context_misuse(
    draw: st.DrawFn, kind: str, body: Body, config: ServerConfig, flavour: Flavour
) -> ApiError | None:
    """Pad the prompt (exactly, by the token estimate) past one of the three length checks."""
    messages: list[Message] = body["messages"]
    limit = config.max_model_len
    body.pop("max_tokens", None)
    text = count(messages, config).text
    if kind == "prompt_too_long":
        _pad(messages, limit - text + draw(st.integers(0, 2000)), config)
        return flavour.prompt_too_long(count(messages, config).text, limit)
    if kind == "max_tokens_too_large":
        # phone_agent's max_tokens=3000 with a long history is the case seen in practice.
        max_tokens = draw(st.one_of(st.just(3000), st.integers(1, limit)))
        room = draw(st.integers(1, min(max_tokens, limit - 1)))  # tokens left for output
        _pad(messages, max(0, limit - room - text), config)
        text = count(messages, config).text
        assume(text < limit)
        max_tokens = max(max_tokens, limit - text + 1)
        body["max_tokens"] = max_tokens
        return flavour.max_tokens_too_large(text, max_tokens, limit)
    # decoder_prompt_too_long: the image pushes an almost-full prompt over the limit
    image = count(messages, config).full - text
    assume(image >= 2)
    _pad(messages, max(0, limit - draw(st.integers(1, image - 1)) - text), config)
    counted = count(messages, config)
    assume(counted.text < limit < counted.full)
    return flavour.decoder_prompt_too_long(counted.full, limit)


def _available(flavour: Flavour) -> tuple[str, ...]:
    """Misuses the flavour rejects (SGLang ignores model names; BigModel cuts long outputs)."""
    skip = set()
    if flavour.unknown_model("x") is None:
        skip.add("unknown_model")
    if flavour.max_tokens_too_large(1, 1, 1) is None:
        skip.add("max_tokens_too_large")
    return tuple(k for k in MISUSES if k not in skip)


@overload
def chat_requests(
    *,
    valid: Literal[True] = ...,
    model: str = ...,
    max_model_len: int = ...,
    max_images: int = ...,
    flavour: str = ...,
    max_turns: int = ...,
    misuses: tuple[str, ...] | list[str] | None = ...,
) -> SearchStrategy[Body]: ...
@overload
def chat_requests(
    *,
    valid: Literal[False],
    model: str = ...,
    max_model_len: int = ...,
    max_images: int = ...,
    flavour: str = ...,
    max_turns: int = ...,
    misuses: tuple[str, ...] | list[str] | None = ...,
) -> SearchStrategy[tuple[Body, ApiError]]: ...
def chat_requests(
    *,
    valid: bool = True,
    model: str = "autoglm-phone-9b",
    max_model_len: int = 25480,
    max_images: int = 10,
    flavour: str = "vllm",
    max_turns: int = 4,
    misuses: tuple[str, ...] | list[str] | None = None,
) -> SearchStrategy[Body] | SearchStrategy[tuple[Body, ApiError]]:
    """Chat-completion request bodies for a server of ``flavour`` serving ``model``.

    ``valid=True``: bodies the server accepts: a :func:`conversations` of 1 to
    ``max_turns`` steps with one screenshot, and any of ``model``, ``max_tokens``
    (fitting ``max_model_len`` with the prompt), ``temperature`` 0..2, ``top_p`` (0, 1],
    ``frequency_penalty`` -2..2 and ``stream``; shrinks towards one step and
    phone_agent's own values (``max_tokens=3000, temperature=0.0, top_p=0.85,
    frequency_penalty=0.2, stream=True``), or the field left out.

    ``valid=False``: ``(body, expected_error)`` pairs, one misuse per body, from
    ``misuses`` (default: every kind the flavour rejects): ``missing_field``,
    ``wrong_type`` (``"25a"`` for ``max_tokens``), ``sampling`` (``top_p=0``,
    ``temperature<0``, ...), ``unknown_model``, ``too_many_images`` (more than
    ``max_images``), ``bad_image`` (a ``data:`` URL that is not an image),
    ``prompt_too_long``, ``max_tokens_too_large`` and ``decoder_prompt_too_long``.
    ``expected_error`` is the :class:`~pytest_autoglm.server.ApiError` the fake server
    (and, per ``PROTOCOL.md``, the real one) answers: status, type and exact message.
    Shrinks towards the first kind in ``misuses`` on the smallest valid body.
    """
    check_bool("valid", valid)
    max_turns = check_int("max_turns", max_turns, min_value=1)
    max_model_len = check_int("max_model_len", max_model_len, min_value=MIN_MODEL_LEN)
    if not isinstance(model, str):
        raise InvalidArgument(f"Expected a model name (str) but got model={model!r}")
    try:
        config = ServerConfig(
            model=model, max_model_len=max_model_len, max_images=max_images, flavour=flavour
        )
    except ServerConfigError as exc:
        raise InvalidArgument(str(exc)) from None
    if valid:
        if misuses is not None:
            raise InvalidArgument("misuses= only applies to chat_requests(valid=False)")
        return _valid(config, max_turns)
    chosen_flavour = profile_for(flavour)
    available = _available(chosen_flavour)
    kinds = available if misuses is None else check_subset("misuses", misuses, available)
    return _misuse(config, chosen_flavour, st.sampled_from(kinds), _valid(config, max_turns))
