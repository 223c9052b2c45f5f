"""Normalising requests and the JSON Lines file, without a server."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from pytest_autoglm._png import encode_png
from pytest_autoglm.cassettes import (
    CassetteError,
    Event,
    Exchange,
    normalise_request,
    read_cassette,
)
from pytest_autoglm.cassettes._format import Cassette, write_cassette
from pytest_autoglm.secrets import SecretRegistry

PNG = encode_png(1080, 2400, (255, 255, 255), (0, 0, 0), 80)
URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def body(system: str, url: str = URL) -> bytes:
    return json.dumps({"model": "autoglm-phone-9b", "messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                     {"type": "text", "text": "打开微信"}]},
    ]}).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("yesterday", "today"),
    [
        (
            "今天的日期是: 2025年12月11日 星期四\n你是一个智能体分析专家",
            "今天的日期是: 2026年01月02日 星期五\n你是一个智能体分析专家",
        ),
        (
            "The current date: 2025-12-12, Friday\n# Setup",
            "The current date: 2026-01-03, Saturday\n# Setup",
        ),
    ],
    ids=["cn", "en"],
)
def test_the_system_prompt_date_line_is_normalised(yesterday: str, today: str) -> None:
    a = normalise_request("POST", "/v1/chat/completions", body(yesterday))
    b = normalise_request("POST", "/v1/chat/completions", body(today))
    assert a == b
    assert a["json"]["messages"][0]["content"].splitlines()[0].endswith(": <date>")
    other = normalise_request("POST", "/v1/chat/completions", body(today.replace("\n", "\nX")))
    assert other != a  # only the date line is normalised, the rest still counts


def test_an_image_becomes_its_digest_and_size_and_is_kept_once() -> None:
    sink: dict[str, tuple[str, bytes]] = {}
    normal = normalise_request("POST", "/v1/chat/completions", body("sys"), sink=sink)
    ref = normal["json"]["messages"][1]["content"][0]["image_url"]["url"]
    import hashlib

    assert ref == {"sha256": hashlib.sha256(PNG).hexdigest(), "width": 1080, "height": 2400,
                   "bytes": len(PNG)}  # fmt: skip
    assert sink == {ref["sha256"]: ("png", PNG)}
    other = normalise_request(
        "POST", "/v1/chat/completions",
        body("sys", "data:image/png;base64," + base64.b64encode(encode_png(
            1080, 2400, (0, 0, 0), (0, 0, 0), 80)).decode()),
    )  # fmt: skip
    assert other != normal  # another picture of the same size does not match


def test_registered_secrets_are_redacted_in_every_spelling() -> None:
    registry = SecretRegistry()
    registry.add('sk-"quoted"-secret-1234', name="KEY")
    normal = normalise_request(
        "POST", "/v1/x", json.dumps({"k": 'use sk-"quoted"-secret-1234 now'}).encode(),
        registry.redact,
    )  # fmt: skip
    assert normal["json"] == {"k": "use *** now"}


def test_a_cassette_round_trips_byte_for_byte(tmp_path: Path) -> None:
    events = [
        Event(0.1, b'data: {"id":"c1","choices":[{"delta":{"content":"\xe4\xbd\xa0"}}]}\n\n'),
        Event(0.2, b'data: {"error": {"message": "boom"}}\n\n'),  # not compact: kept as sent
        Event(0.25, b"data: [DONE]\n\n"),
    ]
    streamed = Exchange({"method": "POST", "path": "/v1/chat/completions", "json": {"a": 1}},
                        200, {"content-type": "text/event-stream"}, 0.05, b"", events, 0.3)  # fmt: skip
    plain = Exchange({"method": "GET", "path": "/v1/models"}, 200,
                     {"content-type": "application/json"}, 0.01, b'{"object":"list"}', None,
                     0.02, cut=True)  # fmt: skip
    path = tmp_path / "c" / "one.jsonl"
    write_cassette(path, Cassette("one", [streamed, plain]), lambda s: s, {})
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["autoglm_cassette"] == 1
    assert [next(iter(line)) for line in lines[1:]] == [
        "request", "response", "event", "event", "event", "end",
        "request", "response", "end",
    ]  # fmt: skip
    assert lines[3]["json"]["choices"][0]["delta"]["content"] == "你"  # readable, not escaped
    assert lines[4]["data"] == '{"error": {"message": "boom"}}'
    again = read_cassette(path)
    assert again.exchanges[0].events == events
    assert again.exchanges[1].body == b'{"object":"list"}'
    assert again.exchanges[1].cut


def test_a_broken_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"autoglm_cassette": 1, "name": "bad"}\n{"response": 7, "status": 200}\n')
    with pytest.raises(CassetteError, match=r"bad\.jsonl:2: not a valid cassette line"):
        read_cassette(path)


def test_replay_keeps_the_recorded_gaps_scaled_by_timing(tmp_path: Path) -> None:
    from pytest_autoglm.cassettes import CassetteSession
    from pytest_autoglm.server._calls import Call
    from pytest_autoglm.server._core import Request

    events = [
        Event(0.30, b"data: 1\n\n"),
        Event(0.35, b"data: 2\n\n"),
        Event(0.95, b"data: [DONE]\n\n"),
    ]
    request = {"method": "POST", "path": "/v1/chat/completions", "json": {"stream": True}}
    exchange = Exchange(request, 200, {"content-type": "text/event-stream"}, 0.25, b"", events, 1.0)
    path = tmp_path / "timed.jsonl"
    write_cassette(path, Cassette("timed", [exchange]), lambda s: s, {})
    session = CassetteSession(path, "none", upstream=None, redact=lambda s: s, timing=2.0)
    call = Call(index=1, method="POST", path="/v1/chat/completions", headers={}, body=b"",
                stream=True, retry_count=None, time=0.0, transport="respx")  # fmt: skip
    plan = session.answer(
        Request("POST", "/v1/chat/completions", {}, b'{"stream": true}', "respx"), call
    )
    assert not isinstance(plan, str)
    assert plan.head_delay == pytest.approx(0.5)  # 0.25 s to the head, twice as slow
    assert plan.stream is not None
    assert [round(d, 6) for d, _ in plan.stream] == [0.1, 0.1, 1.2]
    assert [data for _, data in plan.stream] == [e.wire for e in events]
    assert call.answered_by == "cassette timed.jsonl #1"
