"""The agent step loop: screen -> model -> action, with retries on 429 and 503."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from sample_integration import request_builder
from sample_integration.parsing import ParsedReply, ReplyParseError, parse_reply
from sample_integration.phone import Phone

RETRYABLE = (429, 503)


@dataclass(frozen=True)
class RetryPolicy:
    """Wait ``initial`` seconds, then ``factor`` times longer, at most ``max_retries`` times.

    A ``retry-after`` header from the server wins when it is shorter than ``max_delay``.
    """

    initial: float = 1.0
    factor: float = 2.0
    max_retries: int = 3
    max_delay: float = 30.0

    def delay(self, retry: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                hinted = float(retry_after)
            except ValueError:
                hinted = -1.0
            if 0 <= hinted <= self.max_delay:
                return hinted
        return min(self.initial * self.factor**retry, self.max_delay)


def connection_errors() -> tuple[type[BaseException], ...]:
    """What a lost connection raises: openai 3.x wraps a stream dropped mid-way in
    ``APIConnectionError``; openai 1.x/2.x let the HTTP stack's own error through."""
    import openai

    errors: list[type[BaseException]] = [openai.APIConnectionError]
    for stack in ("httpx", "httpx2"):
        with contextlib.suppress(ImportError):
            errors.append(__import__(stack).TransportError)
    return tuple(errors)


class ModelUnavailable(RuntimeError):
    """The model kept answering 429/503 (or failing to connect) after every retry."""


@dataclass
class StepOutcome:
    reply: ParsedReply | None
    raw: str
    error: str | None = None


@dataclass
class Agent:
    """Runs a task on ``phone`` until the model says ``finish`` or ``max_steps`` pass."""

    phone: Phone
    base_url: str = field(
        default_factory=lambda: os.environ.get("PHONE_AGENT_BASE_URL", "http://localhost:8000/v1")
    )
    model: str = field(
        default_factory=lambda: os.environ.get("PHONE_AGENT_MODEL", "autoglm-phone-9b")
    )
    api_key: str = field(default_factory=lambda: os.environ.get("PHONE_AGENT_API_KEY", "EMPTY"))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    max_steps: int = 20
    stream: bool = True
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        import openai

        # the SDK's own retries are off: the agent's policy decides (and is tested)
        self._client = openai.OpenAI(base_url=self.base_url, api_key=self.api_key,
                                     max_retries=0, timeout=self.timeout)  # fmt: skip

    def close(self) -> None:
        self._client.close()

    def ask(self, messages: list[dict[str, Any]]) -> str:
        """One model call with retries; the reply's text."""
        import openai

        kwargs = request_builder.request_kwargs(self.model, messages, stream=self.stream)
        for attempt in range(self.retry.max_retries + 1):
            try:
                if not self.stream:
                    result = self._client.chat.completions.create(**kwargs)
                    return result.choices[0].message.content or ""
                parts = []
                for chunk in self._client.chat.completions.create(**kwargs):
                    if chunk.choices and chunk.choices[0].delta.content:
                        parts.append(chunk.choices[0].delta.content)
                return "".join(parts)
            except openai.APIStatusError as exc:
                if exc.status_code not in RETRYABLE or attempt == self.retry.max_retries:
                    if exc.status_code in RETRYABLE:
                        raise ModelUnavailable(
                            f"model unavailable after {attempt} retries: {exc}"
                        ) from exc
                    raise
                time.sleep(self.retry.delay(attempt, exc.response.headers.get("retry-after")))
            except connection_errors() as exc:  # includes timeouts and dropped streams
                if attempt == self.retry.max_retries:
                    raise ModelUnavailable(
                        f"cannot reach the model after {attempt} retries: {exc}"
                    ) from exc
                time.sleep(self.retry.delay(attempt, None))
        raise AssertionError("unreachable")

    def step(self, task: str | None) -> StepOutcome:
        screen = self.phone.screenshot()
        app = self.phone.current_app()
        if not self.history:
            messages = request_builder.first_step(task or "", screen, app)
        else:
            last = self.history.pop()
            messages = request_builder.next_step(self.history, last["content"], screen, app)
        raw = self.ask(messages)
        self.history = [*messages, {"role": "assistant", "content": raw}]
        try:
            reply = parse_reply(raw)
        except ReplyParseError as exc:
            return StepOutcome(None, raw, str(exc))
        if reply.name != "finish":
            self.phone.perform(reply.name, reply.args)
        return StepOutcome(reply, raw)

    def run(self, task: str) -> str:
        """Run ``task``; the model's finish message, or why the agent stopped."""
        self.history = []
        for n in range(self.max_steps):
            outcome = self.step(task if n == 0 else None)
            if outcome.error is not None:
                return f"stopped: {outcome.error}"
            assert outcome.reply is not None
            if outcome.reply.name == "finish":
                return str(outcome.reply.args.get("message", ""))
        return "stopped: max steps reached"
