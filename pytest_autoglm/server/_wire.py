"""Wire formats of vLLM's OpenAI-compatible server: chat completion bodies and SSE chunks.

Serialised like pydantic's ``model_dump_json``: compact, UTF-8, unicode unescaped, keys
in vLLM's field order, ``exclude_unset`` on stream chunks (PROTOCOL.md section 2).
"""

from __future__ import annotations

import json
import random
from typing import Any

_CJK_MAX = 2  # a GLM token holds 1-2 CJK characters
_ASCII_SIZES = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)  # a token holds ~1-6 ASCII characters
_ASCII_COUNT = len(_ASCII_SIZES)
_CJK_BITS, _ASCII_BITS = _CJK_MAX.bit_length(), _ASCII_COUNT.bit_length()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
#: one JSON string, quotes included, exactly as :func:`dumps` writes it (the C encoder)
_string: Any = json.encoder.encode_basestring


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``),
    with one encoder made once rather than per call."""
    return _ENCODER.encode(value).encode()


def string(text: str) -> bytes:
    """``dumps(text)`` for a str, without the encoder's dispatch."""
    return _string(text).encode()  # type: ignore[no-any-return]


def split_tokens(text: str, rng: random.Random, mean_chars: float = 3.0) -> list[str]:
    """Split ``text`` into token-sized pieces: short enough that markers such as
    ``do(action=`` and ``</think>`` always straddle a boundary, as a real model's stream does.
    """
    scale = mean_chars / 3.0
    pieces: list[str] = []
    i = 0
    n = len(text)
    if type(rng) is not random.Random:  # a generator of its own: its own randint and choice
        while i < n:
            if ord(text[i]) >= 128:
                size = rng.randint(1, _CJK_MAX)
            else:
                size = max(1, round(rng.choice(_ASCII_SIZES) * scale))
            pieces.append(text[i : i + size])
            i += size
        return pieces or [""]
    # random.Random's own draws, without its three Python calls per piece: randint(1, m)
    # is 1 + _randbelow(m) and choice(seq) is seq[_randbelow(len(seq))], where
    # _randbelow(k) draws getrandbits(k.bit_length()) until the value is below k
    bits = rng.getrandbits
    sizes = [max(1, round(size * scale)) for size in _ASCII_SIZES]
    while i < n:
        if ord(text[i]) >= 128:
            r = bits(_CJK_BITS)
            while r >= _CJK_MAX:
                r = bits(_CJK_BITS)
            size = 1 + r
        else:
            r = bits(_ASCII_BITS)
            while r >= _ASCII_COUNT:
                r = bits(_ASCII_BITS)
            size = sizes[r]
        pieces.append(text[i : i + size])
        i += size
    return pieces or [""]


_ID_BITS = (1 << 128) - 1
_ID_MIX = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: a bijection of the 128-bit seeds
_ID_SALT = 0x6A09E667F3BCC908B2FB1366EA957D3E  # so that seed 0 is not an id of zeros


def completion_id(seed: int) -> str:
    """A random-looking, per-seed deterministic id shaped like vLLM's (32 hex digits).

    A multiplicative hash, not ``random.Random(seed)``: seeding a Mersenne Twister was
    most of a non-stream answer's rendering cost, and a non-stream answer needs no other
    random number.
    """
    return f"chatcmpl-{((seed * _ID_MIX) ^ _ID_SALT) & _ID_BITS:032x}"


def completion_body(
    *,
    cid: str,
    created: int,
    model: str,
    text: str,
    finish_reason: str,
    prompt: int,
    completion: int,
    reasoning: str | None = None,
) -> bytes:
    """A non-stream ``chat.completion`` with every field vLLM sets.

    Filled into a template, byte for byte what ``dumps`` of the dict in vLLM's field
    order gives (a test checks it): serialising the whole dict per reply cost more than
    the rest of the fake's work.
    """
    return fill_completion(_COMPLETION, cid=cid, created=created, model=model, text=text,
                           finish_reason=finish_reason, prompt=prompt, completion=completion,
                           reasoning=reasoning)  # fmt: skip


def fill_completion(template: bytes, *, cid: str, created: int, model: str, text: str,
                    finish_reason: str, prompt: int, completion: int,
                    reasoning: str | None) -> bytes:  # fmt: skip
    """A version's completion template (id, created, model, content, reasoning, finish
    reason, prompt, total and completion tokens, in that order) filled in."""
    return template % (  # bytes: only the strings are encoded, not the whole body
        _string(cid).encode(), created, _string(model).encode(), _string(text).encode(),
        b"null" if reasoning is None else _string(reasoning).encode(),
        _string(finish_reason).encode(), prompt, prompt + completion, completion,
    )  # fmt: skip


_COMPLETION: bytes = (
    b'{"id":%b,"object":"chat.completion","created":%d,"model":%b,"choices":[{"index":0,'
    b'"message":{"role":"assistant","content":%b,"refusal":null,"annotations":null,'
    b'"audio":null,"function_call":null,"tool_calls":[],"reasoning_content":%b},'
    b'"logprobs":null,"finish_reason":%b,"stop_reason":null,"token_ids":null}],'
    b'"service_tier":null,"system_fingerprint":null,"usage":{"prompt_tokens":%d,'
    b'"total_tokens":%d,"completion_tokens":%d,"prompt_tokens_details":null},'
    b'"prompt_logprobs":null,"prompt_token_ids":null,"kv_transfer_params":null}'
)


def event(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"


DONE = b"data: [DONE]\n\n"


class ChunkWriter:
    """Builds the SSE events of one streamed completion."""

    def __init__(self, cid: str, created: int, model: str) -> None:
        # the constant prefix of every chunk, serialised once
        self._head = dumps({"id": cid, "object": "chat.completion.chunk", "created": created,
                            "model": model})[:-1]  # fmt: skip

    def role(self) -> bytes:
        return event(self._head + b',"choices":[{"index":0,"delta":{"role":"assistant",'
                     b'"content":"","reasoning_content":null},"logprobs":null,'
                     b'"finish_reason":null}],"prompt_token_ids":null}')  # fmt: skip

    def content(self, piece: str, finish_reason: str | None = None) -> bytes:
        text = string(piece)
        if finish_reason is None:
            tail = b'"finish_reason":null,"token_ids":null}]}'
        else:
            tail = (
                b'"finish_reason":"'
                + finish_reason.encode()
                + b'","stop_reason":null,"token_ids":null}]}'
            )
        return event(self._head + b',"choices":[{"index":0,"delta":{"content":' + text
                     + b',"reasoning_content":null},"logprobs":null,' + tail)  # fmt: skip

    def reasoning(self, piece: str) -> bytes:
        """A chunk of thinking, as vLLM streams it with a ``--reasoning-parser``."""
        text = string(piece)
        return event(self._head + b',"choices":[{"index":0,"delta":{"reasoning_content":' + text
                     + b'},"logprobs":null,"finish_reason":null,"token_ids":null}]}')  # fmt: skip

    def usage(self, prompt: int, completion: int) -> bytes:
        return event(self._head + b',"choices":[],"usage":' + dumps(
            {"prompt_tokens": prompt, "total_tokens": prompt + completion,
             "completion_tokens": completion}) + b"}")  # fmt: skip


def models_body(model: str, max_model_len: int, owned_by: str, created: int) -> bytes:
    """``GET /v1/models`` as vLLM answers it (issue #111's body)."""
    return dumps({"object": "list", "data": [{
        "id": model, "object": "model", "created": created, "owned_by": owned_by,
        "root": model, "parent": None, "max_model_len": max_model_len,
        "permission": [{
            "id": f"modelperm-{created:032x}", "object": "model_permission", "created": created,
            "allow_create_engine": False, "allow_sampling": True, "allow_logprobs": True,
            "allow_search_indices": False, "allow_view": True, "allow_fine_tuning": False,
            "organization": "*", "group": None, "is_blocking": False,
        }],
    }]})  # fmt: skip
