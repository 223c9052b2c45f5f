"""Each check of the deployment, as a function of a :class:`Client` and the server's facts.

A check returns what it measured, raises :class:`Finding` when the server does not do what
Open-AutoGLM needs, and :class:`NotApplicable` when it cannot run on this server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pytest_autoglm.conformance import _findings as fx
from pytest_autoglm.conformance._client import Client, Streamed, error_message
from pytest_autoglm.conformance._findings import Finding, NotApplicable
from pytest_autoglm.conformance._requests import image_part, ping, step

#: Open-AutoGLM's deployment values (README: --max-model-len, max_pixels, image limit)
CONTEXT = 25480
MAX_PIXELS = 5_000_000
IMAGE_LIMIT = 10
SCREEN = (1080, 2400)
#: big enough that max_pixels=5,000,000 shrinks it, small enough for any default limit
LARGE_SCREEN = (1800, 4000)
TEXT_ONLY = "the served model takes no images (a text-only model); vision checks need a vision model such as AutoGLM-Phone-9B"


@dataclass(frozen=True)
class ServerFacts:
    """What ``GET /v1/models`` says about the served model."""

    model: str
    root: str
    max_model_len: int | None

    @property
    def is_autoglm(self) -> bool:
        return "autoglm" in self.root.lower()

    def needs_autoglm(self) -> None:
        if not self.is_autoglm:
            raise NotApplicable(
                f"needs the AutoGLM-Phone model's own answers; the server serves {self.root!r} "
                "(the root of /v1/models), not an AutoGLM model"
            )


def _ok(check: str, response: Any, expected: str, fix: str = fx.FIX_CHAT) -> dict[str, Any]:
    if response.status_code == 401:
        raise Finding(check, expected, f"401 {error_message(response)}", fx.FIX_KEY)
    if response.status_code == 404:  # vLLM: unknown model
        fix = fx.FIX_SERVED_NAME
    if response.status_code != 200:
        raise Finding(check, expected, f"{response.status_code} {error_message(response)!r}", fix)
    body = response.json()
    if not isinstance(body, dict):
        raise Finding(check, expected, f"200 with {type(body).__name__} {body!r:.100}", fix)
    return body


def models(client: Client, model: str) -> ServerFacts:
    """``/v1/models`` lists the served name (and its ``max_model_len``, where the server says)."""
    check = "models"
    body = _ok(check, client.get("/models"), f"GET /models lists {model!r}")
    entries = [e for e in body.get("data", []) if isinstance(e, dict)]
    ids = [str(e.get("id")) for e in entries]
    if model not in ids:
        raise Finding(check, f"GET /models lists the served name {model!r}",
                      f"it lists {ids}", fx.FIX_SERVED_NAME)  # fmt: skip
    entry = entries[ids.index(model)]
    length = entry.get("max_model_len")
    return ServerFacts(model, str(entry.get("root") or model),
                       length if isinstance(length, int) else None)  # fmt: skip


def context_length(facts: ServerFacts) -> int:
    if facts.max_model_len is None:
        raise NotApplicable(
            "the server does not report max_model_len in /v1/models (a hosted API?)"
        )
    if facts.max_model_len < CONTEXT:
        raise Finding("context length", f"max_model_len >= {CONTEXT} (Open-AutoGLM's deployment)",
                      f"max_model_len is {facts.max_model_len}", fx.FIX_CONTEXT)  # fmt: skip
    return facts.max_model_len


def health(client: Client) -> int:
    response = client.health()
    if response.status_code == 404:
        raise NotApplicable("the server has no /health endpoint (a hosted API?)")
    if response.status_code != 200:
        raise Finding("health", "GET /health answers 200",
                      f"{response.status_code} {response.text[:100]!r}", fx.FIX_HEALTH)  # fmt: skip
    return response.status_code


def text_ping(client: Client, model: str) -> str:
    """What Open-AutoGLM's main.py checks before a run: "Hi" gets a non-empty ``choices``."""
    body = _ok("text ping", client.chat(ping(model)), 'a 200 answer with choices to "Hi"')
    choices = body.get("choices") or []
    if not choices:
        raise Finding("text ping", "a non-empty choices list",
                      f"choices={choices!r} (main.py: 'Received empty response from API')",
                      fx.FIX_CHAT)  # fmt: skip
    return str(choices[0].get("message", {}).get("content"))


def _vision(client: Client, body: dict[str, Any], check: str, expected: str,
            fix: str = fx.FIX_CHAT) -> dict[str, Any]:  # fmt: skip
    response = client.chat(body)
    if response.status_code == 400 and _text_only(error_message(response)):
        raise NotApplicable(f"{TEXT_ONLY} (the server said: {error_message(response)[:120]})")
    return _ok(check, response, expected, fix)


def _text_only(message: str) -> bool:
    lower = message.lower()
    return bool(re.search(r"multi-?modal|not support|does not accept|image input|"
                          r"unknown part type|content part", lower)) and "at most" not in lower  # fmt: skip


def vision(client: Client, model: str) -> str:
    """A step with a 1080x2400 screenshot is answered."""
    body = _vision(client, step(model, images=[SCREEN]), "vision",
                   f"a 200 answer to a step with a {SCREEN[0]}x{SCREEN[1]} screenshot")  # fmt: skip
    return str((body.get("choices") or [{}])[0].get("message", {}).get("content"))


def image_tokens(client: Client, model: str) -> dict[str, int]:
    """``usage.prompt_tokens`` grows by the image tokens max_pixels=5,000,000 gives."""
    from pytest_autoglm.server import TokenEstimate

    width, height = LARGE_SCREEN
    expected = TokenEstimate(max_pixels=MAX_PIXELS).image_tokens(width, height)
    unlimited = TokenEstimate(max_pixels=10**12).image_tokens(width, height)
    with_image = _vision(client, step(model, images=[LARGE_SCREEN], max_tokens=1),
                         "image tokens", "a 200 answer with usage")  # fmt: skip
    without = _ok("image tokens", client.chat(step(model, max_tokens=1)), "a 200 answer with usage")
    try:
        counted = int(with_image["usage"]["prompt_tokens"]) - int(without["usage"]["prompt_tokens"])
    except (KeyError, TypeError, ValueError):
        raise NotApplicable("the server reports no usage.prompt_tokens") from None
    tolerance = max(16, expected // 30)  # the image's begin/end tokens, rounding
    if abs(counted - expected) <= tolerance:
        return {"expected": expected, "counted": counted}
    implied = counted * 28 * 28
    why = (" (as if max_pixels were not set: the image was not shrunk)"
           if abs(counted - unlimited) <= tolerance else "")  # fmt: skip
    raise Finding(
        "image tokens",
        f"about {expected} image tokens for a {width}x{height} screenshot (shrunk to "
        f"max_pixels={MAX_PIXELS:,} on a 28-px grid)",
        f"counted {counted} image tokens in usage.prompt_tokens, about {implied:,} pixels{why}",
        fx.FIX_MAX_PIXELS,
    )


def image_limit(client: Client, model: str) -> str:
    """11 images in one prompt are refused when the limit is 10."""
    body = step(model, max_tokens=1)
    content = body["messages"][1]["content"]
    body["messages"][1]["content"] = [image_part(56, 56) for _ in range(IMAGE_LIMIT + 1)] + content
    response = client.chat(body)
    message = error_message(response) if response.status_code != 200 else ""
    if response.status_code == 400 and _text_only(message):
        raise NotApplicable(f"{TEXT_ONLY} (the server said: {message[:120]})")
    if response.status_code == 200:
        raise Finding("image limit", f"{IMAGE_LIMIT + 1} images in one prompt refused (limit "
                      f"{IMAGE_LIMIT})", f"accepted {IMAGE_LIMIT + 1} images", fx.FIX_IMAGE_LIMIT)  # fmt: skip
    if response.status_code != 400:
        raise Finding("image limit", "a 400 naming the image limit",
                      f"{response.status_code} {message!r}", fx.FIX_IMAGE_LIMIT)  # fmt: skip
    return message


def long_prompt(client: Client, model: str, facts: ServerFacts) -> str:
    """A prompt longer than the context is refused with the server's own message."""
    limit = facts.max_model_len or CONTEXT
    text = " hello" * (limit + 200)  # at least one token a word in any tokenizer
    body = {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 8}
    response = client.chat(body)
    message = error_message(response) if response.status_code != 200 else ""
    if response.status_code == 200:
        raise Finding("long prompt", f"a prompt over {limit} tokens refused with a 400",
                      "answered 200 (the prompt was cut or the context is larger than reported)",
                      fx.FIX_CONTEXT)  # fmt: skip
    if response.status_code != 400:
        raise Finding("long prompt", "a 400 with the server's context-length message",
                      f"{response.status_code} {message!r}", fx.FIX_CONTEXT)  # fmt: skip
    return message


@dataclass(frozen=True)
class StreamFacts:
    content: str
    reasoning: str
    ttft: float
    tokens: int
    tokens_per_second: float | None


def stream_shape(client: Client, model: str) -> StreamFacts:
    """The stream puts the whole reply, thinking included, in ``delta.content``."""
    streamed: Streamed = client.stream(step(model, stream=True, max_tokens=64))
    if streamed.status != 200:
        raise Finding("stream", "a 200 text/event-stream answer",
                      f"{streamed.status} {streamed.body[:200]!r}", fx.FIX_CHAT)  # fmt: skip
    content, reasoning, usage, times = [], [], None, []
    for t, event in zip(streamed.times, streamed.events, strict=True):
        if not isinstance(event, dict):
            raise Finding(
                "stream", "every data: event is JSON", f"sent {event!r:.100}", fx.FIX_CHAT
            )
        if event.get("error"):
            raise Finding("stream", "no error event", f"sent {event['error']!r:.200}", fx.FIX_CHAT)
        usage = event.get("usage") or usage
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
                times.append(t)
            if delta.get("reasoning_content"):
                reasoning.append(delta["reasoning_content"])
                times.append(t)
    if not streamed.done:
        raise Finding("stream", "the stream ends with data: [DONE]", "it ended without [DONE]",
                      fx.FIX_CHAT)  # fmt: skip
    if reasoning:
        shown = "".join(reasoning)
        raise Finding(
            "stream",
            "the thinking in delta.content, where phone_agent reads it",
            f"sent {len(reasoning)} chunk(s) of delta.reasoning_content ({shown[:60]!r}...), "
            "which phone_agent never reads",
            fx.FIX_REASONING,
        )
    if not content:
        raise Finding("stream", "text in delta.content", "no delta.content in the stream",
                      fx.FIX_CHAT)  # fmt: skip
    tokens = int(usage["completion_tokens"]) if isinstance(usage, dict) else len(times)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (tokens - 1) / span if span > 0 and tokens > 1 else None
    return StreamFacts("".join(content), "".join(reasoning), times[0], tokens, rate)


def deterministic(client: Client, model: str) -> str:
    """Temperature 0 gives the same answer twice."""
    answers = []
    for _ in range(2):
        body = _ok("temperature 0", client.chat(step(model, max_tokens=24)), "a 200 answer")
        answers.append(str((body.get("choices") or [{}])[0].get("message", {}).get("content")))
    if answers[0] != answers[1]:
        raise Finding("temperature 0", "the same answer twice at temperature 0",
                      f"{answers[0][:60]!r} then {answers[1][:60]!r}", fx.FIX_DETERMINISM)  # fmt: skip
    return answers[0]


_BOX = ("<|begin_of_box|>", "<|end_of_box|>")


def garbled(text: str) -> str | None:
    """Why ``text`` is not a usable AutoGLM answer, or None when it is."""
    from pytest_autoglm.protocol import split_reply
    from pytest_autoglm.protocol._agent import phone_agent_parse_action

    if not text.strip():
        return "an empty answer"
    if "\ufffd" in text:
        return "replacement characters (U+FFFD): bytes cut mid-character"
    if any(tag in text for tag in _BOX):
        return "GLM-4.6V box tags (<|begin_of_box|>): another model's output format"
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text) / len(text)
    if printable < 0.95:
        return f"only {printable:.0%} printable characters"
    if re.search(r"(.{4,}?)\1{8,}", text, re.DOTALL):
        return "the same piece repeated over and over"
    action = split_reply(text).action_text
    try:
        phone_agent_parse_action(action)
    except ValueError as exc:
        return f"phone_agent cannot parse the action {action[:60]!r}: {exc}"
    return None


def output_format(client: Client, model: str, facts: ServerFacts) -> str:
    facts.needs_autoglm()
    body = _vision(client, step(model, images=[SCREEN], max_tokens=512), "output",
                   "a 200 answer")  # fmt: skip
    text = str((body.get("choices") or [{}])[0].get("message", {}).get("content") or "")
    why = garbled(text)
    if why is not None:
        raise Finding("output", "<think>...</think><answer>do(...) or finish(...), as "
                      "phone_agent parses it", f"{why}: {text[:120]!r}", fx.FIX_GARBLED)  # fmt: skip
    return text
