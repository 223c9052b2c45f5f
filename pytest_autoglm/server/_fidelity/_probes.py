"""The probe corpus: requests whose answers the real vLLM recorded into goldens.

Each :class:`Probe` is one HTTP request. The corpus covers what a client of vLLM meets:
sampling ranges, type errors and lax coercion, roles and content parts, context length,
raw bodies, paths and methods, authentication (``--api-key``), SSE framing and the
``stream_options`` usage chunk, ``/version``, ``/health``, and the sampling fields
phone_agent passes through ``extra_body``. Text only: images cannot go through a CPU
vLLM here (see :mod:`pytest_autoglm.models._tiny_model`).

The model folder is :func:`~pytest_autoglm.models.write_tiny_model` with
``max_position_embeddings=512``, served with ``--max-model-len 512`` and ``--api-key``
:data:`API_KEY` as :data:`MODEL`; its tokenizer makes one token per UTF-8 byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MODEL = "autoglm-phone-9b"
API_KEY = "secret-key"
MAX_MODEL_LEN = 512
_NO_BODY = object()


@dataclass(frozen=True)
class Probe:
    """One request of the corpus. ``json`` is the body (sent as JSON) unless ``raw`` is set."""

    name: str
    method: str = "POST"
    path: str = "/v1/chat/completions"
    json: Any = None
    raw: bytes | None = None
    content_type: str | None = "application/json"
    #: the Authorization header value; ``None`` sends none
    auth: str | None = f"Bearer {API_KEY}"
    headers: tuple[tuple[str, str], ...] = field(default=())
    #: fields compared by type only for this probe (the fake cannot know them exactly)
    loose: tuple[str, ...] = ()

    def body(self) -> bytes:
        import json

        if self.raw is not None:
            return self.raw
        if self.json is None:
            return b""
        return json.dumps(self.json, ensure_ascii=False).encode()


def _chat(text: str = "Hi", **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], "max_tokens": 5,
            **extra}  # fmt: skip


def _with(**fields: Any) -> dict[str, Any]:
    body = _chat()
    for key, value in fields.items():
        if value is _NO_BODY:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def _chat_probe(name: str, **fields: Any) -> Probe:
    return Probe(name, json=_with(**fields))


_SAMPLING: list[Probe] = [
    _chat_probe(name, **{field_: value})
    for name, field_, value in [
        ("n-zero", "n", 0), ("stop-int", "stop", 5), ("stop-str", "stop", "x"),
        ("stop-list", "stop", ["x", "y"]), ("seed-str", "seed", "abc"), ("seed-int", "seed", 7),
        ("top-k-minus-two", "top_k", -2), ("top-k-minus-one", "top_k", -1),
        ("top-k-zero", "top_k", 0), ("min-p-two", "min_p", 2), ("min-p-half", "min_p", 0.5),
        ("temperature-five", "temperature", 5), ("temperature-negative", "temperature", -1),
        ("temperature-str", "temperature", "hot"), ("temperature-numeric-str", "temperature", "0.5"),
        ("top-p-zero", "top_p", 0), ("top-p-high", "top_p", 1.5),
        ("frequency-penalty-high", "frequency_penalty", 3),
        ("presence-penalty-low", "presence_penalty", -3),
        ("repetition-penalty-zero", "repetition_penalty", 0),
        ("max-tokens-zero", "max_tokens", 0), ("max-tokens-negative", "max_tokens", -1),
        ("max-tokens-str", "max_tokens", "abc"), ("max-tokens-numeric-str", "max_tokens", "5"),
        ("max-tokens-float", "max_tokens", 5.5), ("max-tokens-null", "max_tokens", None),
        ("max-completion-tokens", "max_completion_tokens", 3),
        ("stream-yes-str", "stream", "yes"), ("stream-int", "stream", 2),
        ("logprobs-top-30", "top_logprobs", 30),
        ("best-of-two", "best_of", 2),
        ("unknown-field", "frobnicate", 1),
    ]
]  # fmt: skip

_PHONE_AGENT: list[Probe] = [
    _chat_probe("phone-agent-sampling", temperature=0.0, top_p=0.85, frequency_penalty=0.2),
    _chat_probe("extra-body-skip-special", skip_special_tokens=False, repetition_penalty=1.1),
    _chat_probe("extra-body-top-k", top_k=1, min_tokens=1),
    _chat_probe("extra-body-min-tokens-too-many", min_tokens=9),
    _chat_probe("extra-body-chat-template-kwargs", chat_template_kwargs={"enable_thinking": False}),
]

_MESSAGES: list[Probe] = [
    _chat_probe("content-null", messages=[{"role": "user", "content": None}]),
    _chat_probe("messages-empty", messages=[]),
    _chat_probe("messages-missing", messages=_NO_BODY),
    _chat_probe("messages-not-list", messages="Hi"),
    _chat_probe("message-not-object", messages=["Hi"]),
    # the template writes an unknown role as text, which the fake does not count
    Probe("role-unknown", json=_with(messages=[{"role": "robot", "content": "Hi"}]),
          loose=("prompt_tokens",)),
    _chat_probe("role-missing", messages=[{"content": "Hi"}]),
    _chat_probe("content-missing", messages=[{"role": "user"}]),
    _chat_probe("content-int", messages=[{"role": "user", "content": 5}]),
    _chat_probe("content-parts-text", messages=[
        {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}]),
    _chat_probe("content-part-unknown-type", messages=[
        {"role": "user", "content": [{"type": "audio", "audio": "x"}]}]),
    _chat_probe("content-part-text-missing", messages=[{"role": "user", "content": [{"type": "text"}]}]),
    _chat_probe("multi-turn", messages=[
        {"role": "system", "content": "You are a phone agent."},
        {"role": "user", "content": "Open WeChat"},
        {"role": "assistant", "content": '<think>ok</think><answer>do(action="Launch", app="微信")</answer>'},
        {"role": "user", "content": "** Screen Info **"}]),
    _chat_probe("chinese-text", messages=[{"role": "user", "content": "打开微信"}]),
    _chat_probe("model-missing", model=_NO_BODY),
    _chat_probe("model-unknown", model="gpt-4"),
    _chat_probe("model-int", model=5),
]  # fmt: skip

_LONG = "a" * 600
_CONTEXT: list[Probe] = [
    _chat_probe("prompt-too-long", messages=[{"role": "user", "content": _LONG}]),
    _chat_probe("prompt-at-limit", messages=[{"role": "user", "content": "a" * 506}]),
    _chat_probe("prompt-one-under-limit", messages=[{"role": "user", "content": "a" * 505}]),
    _chat_probe("max-tokens-overruns-context",
                messages=[{"role": "user", "content": "a" * 400}], max_tokens=200),
    _chat_probe("max-tokens-huge", max_tokens=10000),
    _chat_probe("max-tokens-exactly-fits", messages=[{"role": "user", "content": "a" * 400}],
                max_tokens=106),
    Probe("prompt-too-long-stream", json=_with(messages=[{"role": "user", "content": _LONG}],
                                               stream=True)),
]  # fmt: skip

_STREAMS: list[Probe] = [
    _chat_probe("stream", stream=True),
    _chat_probe("stream-usage", stream=True, stream_options={"include_usage": True}),
    _chat_probe("stream-usage-false", stream=True, stream_options={"include_usage": False}),
    _chat_probe("stream-continuous-usage", stream=True,
                stream_options={"include_usage": True, "continuous_usage_stats": True}),
    _chat_probe("stream-options-without-stream", stream_options={"include_usage": True}),
    _chat_probe("stream-false", stream=False),
]  # fmt: skip

_RAW: list[Probe] = [
    Probe("body-invalid-json", raw=b"{"),
    Probe("body-text-plain", raw=b'{"model": "autoglm-phone-9b", "messages": []}',
          content_type="text/plain"),
    Probe("body-text-plain-valid", raw=b'{"model":"autoglm-phone-9b","messages":[{"role":"user",'
          b'"content":"Hi"}],"max_tokens":5}', content_type="text/plain"),
    Probe("body-empty", raw=b""),
    Probe("body-list", json=[]),
    Probe("body-string", raw=b'"hi"'),
    Probe("body-no-content-type", raw=b'{"model":"autoglm-phone-9b","messages":[{"role":"user",'
          b'"content":"Hi"}],"max_tokens":5}', content_type=None),
]  # fmt: skip

_PATHS: list[Probe] = [
    Probe("models", method="GET", path="/v1/models"),
    Probe("health", method="GET", path="/health", auth=None),
    Probe("version", method="GET", path="/version", auth=None),
    Probe("chat-get", method="GET", path="/v1/chat/completions"),
    Probe("models-post", method="POST", path="/v1/models", json={}),
    Probe("unknown-v1-path", method="GET", path="/v1/nothing"),
    Probe("unknown-root-path", method="GET", path="/nothing", auth=None),
    Probe("health-post", method="POST", path="/health", auth=None),
    Probe("chat-trailing-slash", path="/v1/chat/completions/", json=_chat()),
]

_AUTH: list[Probe] = [
    Probe("auth-missing", json=_chat(), auth=None),
    Probe("auth-wrong-key", json=_chat(), auth="Bearer wrong"),
    Probe("auth-lowercase-scheme", json=_chat(), auth=f"bearer {API_KEY}"),
    Probe("auth-no-scheme", json=_chat(), auth=API_KEY),
    Probe("auth-models-missing", method="GET", path="/v1/models", auth=None),
    Probe("auth-health-needs-none", method="GET", path="/health", auth="Bearer wrong"),
    Probe("auth-version-needs-none", method="GET", path="/version", auth="Bearer wrong"),
]

PROBES: tuple[Probe, ...] = tuple(
    _SAMPLING + _PHONE_AGENT + _MESSAGES + _CONTEXT + _STREAMS + _RAW + _PATHS + _AUTH
)
