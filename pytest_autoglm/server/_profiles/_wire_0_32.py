"""Wire format of vLLM 0.32.0 (measured): chat completion bodies and SSE chunks.

Differences from 0.12.0: the message has ``reasoning`` (not ``reasoning_content``) and no
``tool_calls``; choices carry ``routed_experts``; the body ends with ``prompt_text``,
``ec_transfer_params`` and ``metrics``; ``system_fingerprint`` is ``vllm-0.32.0-<hash>``,
sent on the last chunk (or on the usage chunk when there is one); the role chunk ends
with ``prompt_token_ids`` and ``prompt_text``; ``continuous_usage_stats`` puts usage on
every chunk.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_autoglm.server._wire import _string, dumps, event, fill_completion, string

FINGERPRINT = "vllm-0.32.0-74319afd"


def completion_body(*, cid: str, created: int, model: str, text: str, finish_reason: str,
                    prompt: int, completion: int, reasoning: str | None = None) -> bytes:  # fmt: skip
    """A non-stream ``chat.completion``: the template holds what ``dumps`` of the fields in
    vLLM 0.32.0's order gives, byte for byte (a test checks it), for a fraction of the cost."""
    return fill_completion(_COMPLETION, cid=cid, created=created, model=model, text=text,
                           finish_reason=finish_reason, prompt=prompt, completion=completion,
                           reasoning=reasoning)  # fmt: skip


_COMPLETION: bytes = (
    b'{"id":%b,"object":"chat.completion","created":%d,"model":%b,"choices":[{"index":0,'
    b'"message":{"role":"assistant","content":%b,"refusal":null,"annotations":null,'
    b'"audio":null,"function_call":null,"reasoning":%b},"logprobs":null,"finish_reason":%b,'
    b'"stop_reason":null,"token_ids":null,"routed_experts":null}],"service_tier":null,'
    b'"system_fingerprint":' + _string(FINGERPRINT).replace("%", "%%").encode() + b',"usage":{'
    b'"prompt_tokens":%d,"total_tokens":%d,"completion_tokens":%d,"prompt_tokens_details":null,'
    b'"completion_tokens_details":null},"prompt_logprobs":null,"prompt_token_ids":null,'
    b'"prompt_text":null,"kv_transfer_params":null,"ec_transfer_params":null,"metrics":null}'
)


class ChunkWriter:
    """The SSE events of one streamed completion, as vLLM 0.32.0 writes them."""

    def __init__(self, cid: str, created: int, model: str, *, prompt: int = 0,
                 include_usage: bool = False, continuous: bool = False) -> None:  # fmt: skip
        self._head = dumps({"id": cid, "object": "chat.completion.chunk", "created": created,
                            "model": model})[:-1]  # fmt: skip
        self._prompt = prompt
        self._usage_chunk = include_usage
        self._continuous = include_usage and continuous
        self._tokens = 0

    def _usage(self) -> bytes:
        if not self._continuous:
            return b""
        return b',"usage":' + dumps({"prompt_tokens": self._prompt,
                                     "total_tokens": self._prompt + self._tokens,
                                     "completion_tokens": self._tokens,
                                     "completion_tokens_details": None})  # fmt: skip

    def role(self) -> bytes:
        return event(self._head + b',"choices":[{"index":0,"delta":{"role":"assistant",'
                     b'"content":""},"logprobs":null,"finish_reason":null}]' + self._usage()
                     + b',"prompt_token_ids":null,"prompt_text":null}')  # fmt: skip

    def content(self, piece: str, finish_reason: str | None = None) -> bytes:
        self._tokens += 1
        text = string(piece)
        if finish_reason is None:
            tail = b'"finish_reason":null,"token_ids":null}]'
        else:
            tail = (b'"finish_reason":' + json.dumps(finish_reason).encode()
                    + b',"stop_reason":null,"token_ids":null}]')  # fmt: skip
        tail += self._usage()
        if finish_reason is not None and not self._usage_chunk:
            tail += b',"system_fingerprint":"' + FINGERPRINT.encode() + b'"'
        return event(self._head + b',"choices":[{"index":0,"delta":{"content":' + text
                     + b'},"logprobs":null,' + tail + b"}")  # fmt: skip

    def reasoning(self, piece: str) -> bytes:
        """A chunk of thinking with a ``--reasoning-parser`` (the field name ``reasoning`` follows
        the 0.32 message; *(inferred)*: the tiny model has no reasoning parser)."""
        self._tokens += 1
        text = string(piece)
        return event(self._head + b',"choices":[{"index":0,"delta":{"reasoning":' + text
                     + b'},"logprobs":null,"finish_reason":null,"token_ids":null}]'
                     + self._usage() + b"}")  # fmt: skip

    def usage(self, prompt: int, completion: int) -> bytes:
        usage = dumps({"prompt_tokens": prompt, "total_tokens": prompt + completion,
                       "completion_tokens": completion})  # fmt: skip
        return event(self._head + b',"choices":[],"usage":' + usage
                     + b',"system_fingerprint":"' + FINGERPRINT.encode() + b'"}')  # fmt: skip


def writer_for(cid: str, created: int, model: str, facts: Any) -> ChunkWriter:
    options = facts.body.get("stream_options") if isinstance(facts.body, dict) else None
    continuous = isinstance(options, dict) and bool(options.get("continuous_usage_stats"))
    return ChunkWriter(cid, created, model, prompt=facts.prompt.full,
                       include_usage=facts.include_usage, continuous=continuous)  # fmt: skip
