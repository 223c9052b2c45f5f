"""write_tiny_model: servable model folders, checked with the tokenizer they ship."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_autoglm.models import ModelUsageError, write_tiny_model

tokenizers = pytest.importorskip("tokenizers")


def _encode(model: Path, text: str) -> list[int]:
    tokenizer = tokenizers.Tokenizer.from_file(str(model / "tokenizer.json"))
    return list(tokenizer.encode(text).ids)


def test_llama_layout_is_what_vllm_needs_for_dummy_weights(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "m", max_position_embeddings=256)
    assert sorted(p.name for p in model.iterdir()) == [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
    ]  # fmt: skip
    config = json.loads((model / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["max_position_embeddings"] == 256
    assert config["hidden_size"] // config["num_attention_heads"] == config["head_dim"] == 64
    assert config["vocab_size"] == 256 + 6  # the bytes, then the GLM special tokens


def test_one_token_per_utf8_byte_and_special_tokens_whole(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "m")
    assert len(_encode(model, "Hi é微")) == len("Hi é微".encode())
    assert len(_encode(model, "[gMASK]<sop><|user|>")) == 3


def test_chat_template_renders_glm_format(tmp_path: Path) -> None:
    jinja2 = pytest.importorskip("jinja2")
    model = write_tiny_model(tmp_path / "m")
    template = json.loads((model / "tokenizer_config.json").read_text())["chat_template"]
    rendered = jinja2.Template(template).render(
        messages=[{"role": "system", "content": "S"},
                  {"role": "user", "content": [{"type": "text", "text": "Hi"},
                                               {"type": "image_url", "image_url": {"url": "x"}}]}],
        add_generation_prompt=True,
    )  # fmt: skip
    assert rendered == (
        "[gMASK]<sop><|system|>\nS<|user|>\nHi<|begin_of_image|><|image|><|end_of_image|>"
        "<|assistant|>\n"
    )


def test_weights_only_when_asked_and_then_in_llama_names(tmp_path: Path) -> None:
    import struct

    model = write_tiny_model(tmp_path / "m", weights=True)
    data = (model / "model.safetensors").read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    assert header["model.embed_tokens.weight"]["shape"] == [262, 256]
    assert header["model.layers.1.mlp.down_proj.weight"]["shape"] == [256, 512]
    assert max(t["data_offsets"][1] for k, t in header.items() if k != "__metadata__") == (
        len(data) - 8 - length
    )


def test_glm4v_layout_has_image_tokens_and_preprocessor(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "v", architecture="glm4v")
    config = json.loads((model / "config.json").read_text())
    assert config["architectures"] == ["Glm4vForConditionalGeneration"]
    assert (model / "preprocessor_config.json").is_file()
    tokenizer = tokenizers.Tokenizer.from_file(str(model / "tokenizer.json"))
    assert tokenizer.token_to_id("<|image|>") == config["image_token_id"]


@pytest.mark.parametrize(
    ("kwargs", "culprit"),
    [
        (
            {"architecture": "gpt2"},
            "unknown tiny-model architecture 'gpt2'; accepted: llama, glm4v",
        ),
        ({"max_position_embeddings": 4}, "max_position_embeddings must be an int >= 16, not 4"),
        ({"architecture": "glm4v", "weights": True}, "weights=True is offered for"),
    ],
)
def test_bad_arguments_name_the_culprit(
    tmp_path: Path, kwargs: dict[str, object], culprit: str
) -> None:
    with pytest.raises(ModelUsageError, match=culprit.replace("(", r"\(")):
        write_tiny_model(tmp_path / "m", **kwargs)  # type: ignore[arg-type]


def test_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ModelUsageError, match="is not empty"):
        write_tiny_model(tmp_path)
