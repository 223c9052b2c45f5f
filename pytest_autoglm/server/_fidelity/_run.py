"""Ask the fake and a real server the whole corpus; compare; record goldens.

Used by the normal suite (fake against goldens), ``./dev fidelity`` (fake against a live
vLLM, and ``--record``) and ``bench/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_autoglm.server._fidelity._probes import API_KEY, MAX_MODEL_LEN, MODEL, PROBES, Probe
from pytest_autoglm.server._fidelity._send import send_all

VERSION = "0.32.0"
#: long enough that every probe's max_tokens cuts it (finish_reason "length", as dummy weights)
_REPLY = "x" * (MAX_MODEL_LEN * 2)


def fake_config() -> Any:
    """The fake configured like the real server of the goldens (tiny model, 512 tokens)."""
    from pytest_autoglm.server import ServerConfig
    from pytest_autoglm.server._tokens import TokenEstimate

    # the tiny model's tokenizer: one token per UTF-8 byte (CJK: 3), its chat template adds
    # [gMASK]<sop> and <|assistant|>\n (4 tokens) and <|role|>\n per message (2)
    tokens = TokenEstimate(chars_per_token=1, tokens_per_other_char=3, per_message=2, per_prompt=4)
    return ServerConfig(transport="http", version=VERSION, model=MODEL, api_key=API_KEY,
                        max_model_len=MAX_MODEL_LEN, tokens=tokens, strict=False,
                        export_env=False)  # fmt: skip


def ask_fake(probes: tuple[Probe, ...] = PROBES) -> dict[str, dict[str, Any]]:
    import httpx

    from pytest_autoglm.server import FakeServer

    with FakeServer(fake_config()) as fake:
        fake.reply(_REPLY, reusable=True, optional=True)
        root = fake.base_url.removesuffix("/v1")
        with httpx.Client(timeout=60) as client:
            answers = send_all(client, root, probes)
    return {p.name: answers[p.name].observed(p) for p in probes}


def ask_real(root: str, probes: tuple[Probe, ...] = PROBES) -> dict[str, dict[str, Any]]:
    import httpx

    with httpx.Client(timeout=300) as client:
        answers = send_all(client, root, probes)
    return {p.name: answers[p.name].observed(p) for p in probes}


def disagreements(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """One line per probe whose answers differ, naming the first field that differs."""
    out = []
    for name, want in expected.items():
        got = actual.get(name)
        if got != want:
            out.append(f"{name}: {_first_difference(want, got)}")
    return out


def _first_difference(want: Any, got: Any, where: str = "") -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in list(want) + [k for k in got if k not in want]:
            if want.get(key, "<absent>") != got.get(key, "<absent>"):
                return _first_difference(want.get(key, "<absent>"), got.get(key, "<absent>"),
                                         f"{where}.{key}" if where else str(key))  # fmt: skip
    if isinstance(want, list) and isinstance(got, list):
        for i, (a, b) in enumerate(zip(want, got, strict=False)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
        if len(want) != len(got):
            return f"{where}: {len(want)} items in vLLM's answer, {len(got)} in the fake's"
    return f"{where or 'answer'}: vLLM {_short(want)}, fake {_short(got)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."


def load_goldens(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    return dict(data["probes"])


def write_goldens(path: Path, observations: dict[str, Any], server: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": VERSION, "server": server, "max_model_len": MAX_MODEL_LEN,
            "probes": observations}  # fmt: skip
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n")
