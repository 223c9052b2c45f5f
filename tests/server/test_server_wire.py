"""The wire templates write exactly what serialising vLLM's fields in order gives."""

from __future__ import annotations

import json
import random
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.server._wire import ChunkWriter, completion_body, completion_id, split_tokens

TEXTS = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@given(text=TEXTS, reasoning=st.none() | TEXTS, model=TEXTS, finish=st.sampled_from(["stop", "length"]),
       prompt=st.integers(0, 10**6), completion=st.integers(0, 10**6))  # fmt: skip
def test_completion_body_is_the_fields_serialised_in_vllms_order(
    text: str, reasoning: str | None, model: str, finish: str, prompt: int, completion: int
) -> None:
    expected = _dumps({
        "id": "chatcmpl-1f", "object": "chat.completion", "created": 1700000000, "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": None, "annotations": None,
                        "audio": None, "function_call": None, "tool_calls": [],
                        "reasoning_content": reasoning},
            "logprobs": None, "finish_reason": finish, "stop_reason": None, "token_ids": None,
        }],
        "service_tier": None, "system_fingerprint": None,
        "usage": {"prompt_tokens": prompt, "total_tokens": prompt + completion,
                  "completion_tokens": completion, "prompt_tokens_details": None},
        "prompt_logprobs": None, "prompt_token_ids": None, "kv_transfer_params": None,
    })  # fmt: skip
    body = completion_body(cid="chatcmpl-1f", created=1700000000, model=model, text=text,
                           finish_reason=finish, prompt=prompt, completion=completion,
                           reasoning=reasoning)  # fmt: skip
    assert body == expected


@given(piece=TEXTS)
def test_a_content_chunk_holds_the_piece_as_json_writes_it(piece: str) -> None:
    chunk = ChunkWriter("chatcmpl-1f", 1700000000, "m").content(piece)
    data = json.loads(chunk.removeprefix(b"data: "))
    assert data["choices"][0]["delta"]["content"] == piece
    assert _dumps(piece) in chunk


@given(text=TEXTS, reasoning=st.none() | TEXTS, model=TEXTS, finish=st.sampled_from(["stop", "length"]),
       prompt=st.integers(0, 10**6), completion=st.integers(0, 10**6))  # fmt: skip
def test_vllm_0_32_completion_body_is_its_fields_serialised_in_order(
    text: str, reasoning: str | None, model: str, finish: str, prompt: int, completion: int
) -> None:
    from pytest_autoglm.server._profiles._wire_0_32 import FINGERPRINT
    from pytest_autoglm.server._profiles._wire_0_32 import completion_body as body_0_32

    expected = _dumps({
        "id": "chatcmpl-1f", "object": "chat.completion", "created": 1700000000, "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": None, "annotations": None,
                        "audio": None, "function_call": None, "reasoning": reasoning},
            "logprobs": None, "finish_reason": finish, "stop_reason": None,
            "token_ids": None, "routed_experts": None,
        }],
        "service_tier": None, "system_fingerprint": FINGERPRINT,
        "usage": {"prompt_tokens": prompt, "total_tokens": prompt + completion,
                  "completion_tokens": completion, "prompt_tokens_details": None,
                  "completion_tokens_details": None},
        "prompt_logprobs": None, "prompt_token_ids": None, "prompt_text": None,
        "kv_transfer_params": None, "ec_transfer_params": None, "metrics": None,
    })  # fmt: skip
    body = body_0_32(cid="chatcmpl-1f", created=1700000000, model=model, text=text,
                     finish_reason=finish, prompt=prompt, completion=completion,
                     reasoning=reasoning)  # fmt: skip
    assert body == expected


def _split_by_randint_and_choice(text: str, rng: random.Random, mean_chars: float) -> list[str]:
    """The split written with ``randint`` and ``choice``, as the stream chunking is specified."""
    pieces: list[str] = []
    i = 0
    while i < len(text):
        if ord(text[i]) >= 128:
            size = rng.randint(1, 2)
        else:
            size = max(1, round(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6)) * mean_chars / 3.0))
        pieces.append(text[i : i + size])
        i += size
    return pieces or [""]


@given(text=st.text(st.sampled_from("ab (打开😀é\n"), max_size=60), seed=st.integers(0, 2**64),
       mean=st.sampled_from([3.0, 1.0, 0.5, 2.5, 7.0]))  # fmt: skip
def test_split_tokens_draws_as_randint_and_choice_do(text: str, seed: int, mean: float) -> None:
    ours, reference = random.Random(seed), random.Random(seed)
    assert split_tokens(text, ours, mean) == _split_by_randint_and_choice(text, reference, mean)
    assert ours.getstate() == reference.getstate()  # the same draws: later ones agree too


def test_completion_ids_are_shaped_like_vllms_and_differ_per_answer(autoglm_server: Any) -> None:
    import openai

    for text in ("one", "two", "three"):
        autoglm_server.reply(text)
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY")
    ids = [
        client.chat.completions.create(
            model="autoglm-phone-9b", messages=[{"role": "user", "content": "hi"}]
        ).id
        for _ in range(3)
    ]
    assert all(re.fullmatch(r"chatcmpl-[0-9a-f]{32}", i) for i in ids), ids
    assert len(set(ids)) == 3
    assert len({completion_id(seed) for seed in range(-1000, 1000)}) == 2000  # no collisions
