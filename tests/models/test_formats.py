"""Format detection, pre-load checks and loading through ``load_checkpoint`` (the function)."""

from __future__ import annotations

import json
import struct
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_autoglm.models import (
    CORRUPTIONS,
    WRITE_FORMATS,
    CheckpointFormatError,
    CorruptCheckpointError,
    ModelError,
    ModelUsageError,
    UnsupportedFormatError,
    inspect_checkpoint,
    load_checkpoint,
    write_checkpoint,
)
from pytest_autoglm.models._safetensors_header import read_header
from pytest_autoglm.models._sniff import sniff
from pytest_autoglm.models._write import SHAPES, safetensors_bytes, tiny_weights

torch = pytest.importorskip("torch")

DETECTED = {
    "safetensors": "safetensors", "pt": "torch", "state_dict": "torch", "legacy": "torch_legacy",
    "torchscript": "torchscript", "onnx": "onnx", "hf_dir": "hf_dir", "sharded": "hf_dir",
}  # fmt: skip


def expected_tensors(seed: int = 0) -> dict[str, Any]:
    return {
        name: torch.tensor(values, dtype=torch.float32).reshape(SHAPES[name])
        for name, values in tiny_weights(seed).items()
    }


def tensors_of(loaded: Any) -> dict[str, Any]:
    """The weights from whatever a format loads as: a state dict, a module, an ONNX graph."""
    if isinstance(loaded, torch.nn.Module):
        return dict(loaded.state_dict())
    if type(loaded).__name__ == "ModelProto":
        from onnx import numpy_helper

        return {
            t.name: torch.from_numpy(numpy_helper.to_array(t)) for t in loaded.graph.initializer
        }
    return dict(loaded)


@pytest.mark.parametrize("fmt", WRITE_FORMATS)
def test_every_format_is_detected_from_content_and_loads_its_weights(
    tmp_path: Path, fmt: str
) -> None:
    # a misleading name proves the content decides, not the suffix
    path = write_checkpoint(tmp_path, fmt, seed=3, name="weights.bin" if "dir" not in fmt else None)  # type: ignore[arg-type]
    info = inspect_checkpoint(path)
    assert info.format == DETECTED[fmt]
    assert info.size > 0
    loaded = load_checkpoint(path, trust_pickle=(fmt == "pt"))
    got = tensors_of(loaded)
    want = expected_tensors(3)
    assert sorted(got) == sorted(want)
    for name, tensor in want.items():
        assert torch.equal(got[name].cpu(), tensor), name


def test_seed_changes_the_weights(tmp_path: Path) -> None:
    a = load_checkpoint(write_checkpoint(tmp_path, name="a.safetensors", seed=1))
    b = load_checkpoint(write_checkpoint(tmp_path, name="b.safetensors", seed=2))
    assert not torch.equal(a["0.weight"], b["0.weight"])


CORRUPT_CASES = [
    (fmt, corrupt)
    for fmt in WRITE_FORMATS
    for corrupt in CORRUPTIONS
    if corrupt != "missing_shard" or fmt == "sharded"
]
#: what each damage must be reported as: the error type and a phrase of the message
EXPECTED_DAMAGE = {
    "truncated": (CorruptCheckpointError, "truncated"),
    "bad_header": (CheckpointFormatError, ""),
    "missing_shard": (CorruptCheckpointError, "missing shard(s)"),
}


@pytest.mark.parametrize(
    ("fmt", "corrupt"), CORRUPT_CASES, ids=[f"{f}-{c}" for f, c in CORRUPT_CASES]
)
def test_every_corruption_is_refused_with_a_named_reason(
    tmp_path: Path, fmt: str, corrupt: str
) -> None:
    path = write_checkpoint(tmp_path, fmt, corrupt=corrupt)  # type: ignore[arg-type]
    error, phrase = EXPECTED_DAMAGE[corrupt]
    with pytest.raises(error) as excinfo:
        load_checkpoint(path, trust_pickle=True)
    message = str(excinfo.value)
    assert phrase in message
    assert str(tmp_path) in message  # names the file


def test_bad_safetensors_header_says_what_is_wrong(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "safetensors", corrupt="bad_header")
    with pytest.raises(CorruptCheckpointError, match="header is not valid JSON"):
        inspect_checkpoint(path)


def test_bad_header_of_a_binary_format_shows_the_first_bytes(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "state_dict", corrupt="bad_header")
    with pytest.raises(CheckpointFormatError, match=r"unrecognised content .*first bytes 00 00"):
        inspect_checkpoint(path)


@pytest.mark.parametrize(
    ("content", "error", "phrase"),
    [
        (b"GGUF\x03\x00\x00\x00" + bytes(64), UnsupportedFormatError, "GGUF (llama.cpp)"),
        (b"\x89HDF\r\n\x1a\n" + bytes(64), UnsupportedFormatError, "HDF5"),
        (b"\x93NUMPY\x01\x00" + bytes(64), UnsupportedFormatError, "numpy.load"),
        (b"\x0a\x04\x0a\x02ab", UnsupportedFormatError, "TensorFlow GraphDef"),
        (b"\x08\x01\x12\x03abc", UnsupportedFormatError, "TensorFlow SavedModel"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n",
         CheckpointFormatError, "git lfs pull"),
        (b"<!DOCTYPE html><html><body>401</body></html>", CheckpointFormatError, "HTML page"),
        (b"", CorruptCheckpointError, "empty (0 bytes)"),
        (b"just some text, not weights at all", CheckpointFormatError, "unrecognised content"),
    ],
    ids=["gguf", "hdf5", "npy", "tf-graphdef", "tf-saved-model-pb", "lfs-pointer", "html", "empty",
         "text"],
)  # fmt: skip
def test_formats_it_cannot_load_are_named_with_the_reason(
    tmp_path: Path, content: bytes, error: type[Exception], phrase: str
) -> None:
    path = tmp_path / "model.safetensors"  # the name must not fool detection
    path.write_bytes(content)
    with pytest.raises(error) as excinfo:
        load_checkpoint(path)
    assert phrase in str(excinfo.value)
    assert type(excinfo.value) is error


def test_tensorflow_saved_model_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    (tmp_path / "variables").mkdir()
    with pytest.raises(UnsupportedFormatError, match="TensorFlow SavedModel"):
        inspect_checkpoint(tmp_path)


def test_zip_that_is_not_a_torch_checkpoint(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointFormatError, match=r"no <archive>/data.pkl .*readme.txt"):
        inspect_checkpoint(path)


def test_directory_without_weights_lists_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(CheckpointFormatError) as excinfo:
        inspect_checkpoint(tmp_path)
    message = str(excinfo.value)
    assert "Hugging Face directory without weights" in message
    assert "tokenizer.json" in message
    assert "model.safetensors" in message


def test_sharded_index_without_config_loads_as_sharded(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    (path / "config.json").unlink()
    info = inspect_checkpoint(path)
    assert info.format == "sharded"
    assert len(info.files) == 2
    assert sorted(load_checkpoint(path)) == sorted(SHAPES)


def test_directory_around_one_weights_file_is_that_file(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "safetensors")
    info = inspect_checkpoint(tmp_path)
    assert (info.format, info.path) == ("safetensors", tmp_path / "model.safetensors")


def test_pytorch_bin_hf_directory_loads_as_tensors(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "tiny"}))
    torch.save(expected_tensors(), tmp_path / "pytorch_model.bin")
    info = inspect_checkpoint(tmp_path)
    assert (info.format, info.detail) == ("hf_dir", "pytorch_model.bin")
    assert torch.equal(load_checkpoint(tmp_path)["2.bias"], expected_tensors()["2.bias"])


def test_bad_shard_index_is_named(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    (path / "model.safetensors.index.json").write_text('{"no_weight_map": 1}')
    with pytest.raises(CorruptCheckpointError, match="expected JSON with a 'weight_map'"):
        inspect_checkpoint(path)


def test_gpu_saved_checkpoint_loads_on_cpu(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "state_dict", saved_on="cuda:0")
    # the file really records a CUDA location: torch alone refuses it on a CPU-only machine
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=True)
    loaded = load_checkpoint(path)
    assert {t.device.type for t in loaded.values()} == {"cpu"}
    assert torch.equal(loaded["0.weight"], expected_tensors()["0.weight"])


def test_gpu_saved_full_module_loads_on_cpu(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "pt", saved_on="cuda:0")
    module = load_checkpoint(path, trust_pickle=True)
    assert next(module.parameters()).device.type == "cpu"


def test_loading_onto_a_missing_cuda_device_says_so(tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA; found a CUDA device")
    path = write_checkpoint(tmp_path, "state_dict")
    with pytest.raises(ModelError, match="as torch failed") as excinfo:
        load_checkpoint(path, map_location="cuda:0")
    assert "load with map_location='cpu'" in str(excinfo.value)


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"format": "gguf"}, "unknown checkpoint format 'gguf'"),
        ({"corrupt": "melted"}, "unknown corruption 'melted'"),
        ({"corrupt": "missing_shard"}, "needs format='sharded'"),
        ({"format": "onnx", "saved_on": "cuda:0"}, "saved_on applies to torch zip formats"),
    ],
)
def test_writer_rejects_impossible_requests(
    tmp_path: Path, kwargs: dict[str, Any], phrase: str
) -> None:
    with pytest.raises(ModelUsageError, match=phrase.replace("(", r"\(").replace("[", r"\[")):
        write_checkpoint(tmp_path, **kwargs)


def test_writer_refuses_to_overwrite(tmp_path: Path) -> None:
    write_checkpoint(tmp_path)
    with pytest.raises(ModelUsageError, match="already exists"):
        write_checkpoint(tmp_path)


def test_hf_directory_loads_through_transformers_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """transformers is not installed here: a stand-in module records how it is called."""
    calls: list[tuple[str, dict[str, Any]]] = []

    class Model:
        def to(self, where: Any) -> Any:
            calls.append(("to", {"where": where}))
            return self

    class AutoModel:
        @staticmethod
        def from_pretrained(path: str, **kwargs: Any) -> Model:
            calls.append((path, kwargs))
            return Model()

    fake = types.ModuleType("transformers")
    fake.AutoModel = AutoModel  # type: ignore[attr-defined]
    fake.CONFIG_MAPPING = {"glm4v": object()}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "transformers", fake)
    path = write_checkpoint(tmp_path, "hf_dir")

    # a model_type transformers does not know loads as tensors, no remote code
    assert sorted(load_checkpoint(path)) == sorted(SHAPES)
    assert calls == []

    (path / "config.json").write_text(json.dumps({"model_type": "glm4v"}))
    assert isinstance(load_checkpoint(path), Model)
    assert calls[0][0] == str(path)
    assert calls[0][1]["local_files_only"] is True
    assert calls[0][1]["trust_remote_code"] is False
    assert calls[1] == ("to", {"where": "cpu"})
    assert isinstance(load_checkpoint(path, transformers=False), dict)


def test_transformers_true_without_the_package_names_the_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)
    path = write_checkpoint(tmp_path, "hf_dir")
    with pytest.raises(ImportError, match="pip install transformers"):
        load_checkpoint(path, transformers=True)


def test_missing_safetensors_package_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "safetensors", None)
    path = write_checkpoint(tmp_path, "safetensors")
    with pytest.raises(ImportError, match=r"pip install pytest-autoglm\[safetensors\]"):
        load_checkpoint(path)


# -- properties of our own code ------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_sniff_classifies_any_bytes_without_crashing(tmp_path_factory: Any, data: bytes) -> None:
    path = tmp_path_factory.mktemp("sniff") / "blob"
    path.write_bytes(data)
    kind = sniff(path)
    assert (kind == "empty") == (data == b"")


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="abcdefghij.", min_size=1, max_size=8).filter(
            lambda s: s != "__metadata__"
        ),
        st.lists(st.floats(width=32, allow_nan=False), max_size=6),
        max_size=5,
    )
)
def test_hand_written_safetensors_round_trip_through_the_reference_reader(
    tmp_path_factory: Any, tensors: dict[str, list[float]]
) -> None:
    from safetensors.torch import load_file

    data = safetensors_bytes(tensors, {name: (len(values),) for name, values in tensors.items()})
    path = tmp_path_factory.mktemp("st") / "x.safetensors"
    path.write_bytes(data)
    header = read_header(path)
    assert set(header) - {"__metadata__"} == set(tensors)
    loaded = load_file(path)
    for name, values in tensors.items():
        assert loaded[name].tolist() == [
            struct.unpack("<f", struct.pack("<f", v))[0] for v in values
        ]


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=1, max_value=2000))
def test_any_truncation_of_a_safetensors_file_is_caught_before_loading(
    tmp_path_factory: Any, cut: int
) -> None:
    full = safetensors_bytes(tiny_weights())
    path = tmp_path_factory.mktemp("cut") / "model.safetensors"
    path.write_bytes(full[: max(0, len(full) - cut)])
    with pytest.raises(CheckpointFormatError):
        inspect_checkpoint(path)
