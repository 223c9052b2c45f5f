"""Pickles that need code are refused before anything runs, and load only when trusted."""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_autoglm.models import UnsafePickleError, inspect_checkpoint, load_checkpoint

torch = pytest.importorskip("torch")


class Planted:
    """Unpickling this creates ``marker``: the stand-in for an attacker's payload."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.marker),))


def plant(kind: str, path: Path, marker: Path) -> None:
    payload = {"weight": torch.ones(2) if kind != "pickle" else [1.0, 2.0], "x": Planted(marker)}
    if kind == "torch":
        torch.save(payload, path)
    elif kind == "torch_legacy":
        torch.save(payload, path, _use_new_zipfile_serialization=False)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=4))


KINDS = ("torch", "torch_legacy", "pickle")


@pytest.mark.parametrize("kind", KINDS)
def test_planted_pickle_is_refused_and_never_runs(tmp_path: Path, kind: str) -> None:
    path, marker = tmp_path / "model.bin", tmp_path / "pwned"
    plant(kind, path, marker)
    assert inspect_checkpoint(path).format == kind
    with pytest.raises(UnsafePickleError) as excinfo:
        load_checkpoint(path)
    assert not marker.exists()
    message = str(excinfo.value)
    assert "mkdir" in message  # names what the file wanted to call
    assert "run any code" in message  # explains the risk
    assert "trust_pickle=True" in message  # names the opt-in
    assert "it was not executed" in message
    assert str(path) in message


@pytest.mark.parametrize("kind", KINDS)
def test_trust_pickle_is_the_explicit_opt_in(tmp_path: Path, kind: str) -> None:
    path, marker = tmp_path / "model.bin", tmp_path / "pwned"
    plant(kind, path, marker)
    load_checkpoint(path, trust_pickle=True)
    assert marker.is_dir()  # proves the planted payload is real, so the refusal above matters


def test_plain_data_pickle_loads_without_trust(tmp_path: Path) -> None:
    import collections

    data = collections.OrderedDict(w=[1.0, 2.0], shape=(2,), meta={"name": "x", "ok": True})
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps(data, protocol=2))
    assert load_checkpoint(path) == data


def test_plain_data_pickle_needs_no_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps({"w": [1.0]}, protocol=5))
    monkeypatch.setitem(sys.modules, "torch", None)
    assert load_checkpoint(path) == {"w": [1.0]}


def test_full_module_needs_trust_and_names_its_class(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 2)), path)
    with pytest.raises(UnsafePickleError, match=r"torch\.nn\.modules"):
        load_checkpoint(path)
    assert isinstance(load_checkpoint(path, trust_pickle=True), torch.nn.Sequential)
