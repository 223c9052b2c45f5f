"""The cassette file: JSON Lines a person can read and diff.

One line each, numbered by interaction ``n``::

    {"autoglm_cassette": 1, "name": "login", "recorded_from": "http://gpu-box:8000/v1", ...}
    {"request": 1, "method": "POST", "path": "/v1/chat/completions", "json": {...}}
    {"response": 1, "status": 200, "t": 0.041, "headers": {"content-type": "text/event-stream"}}
    {"event": 1, "t": 0.213, "json": {"id": "chatcmpl-...", "choices": [...]}}
    {"event": 1, "t": 0.250, "data": "[DONE]"}
    {"end": 1, "t": 0.251}
    {"command": 1, "tool": "adb", "argv": ["-s", "emulator-5554", "shell", "input", "tap", "540", "1200"], "exit": 0}

``t`` is seconds since the request went out. A non-stream body is on the response line
(``json``, or ``text``). A stream is stored event for event, exactly as the server wrote
each one (``json`` when re-serialising it compactly gives the same bytes, else ``data``,
the text after ``data: ``; ``raw`` an event of another shape), errors
mid-stream included; ``"cut": true`` on the end line means the connection dropped.
A ``command`` line is an ``adb``/``hdc`` run of the fake phone, between the exchanges it
came between (:mod:`._commands`); the header then says ``"device_commands": true``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_autoglm.cassettes._commands import DeviceCommand
from pytest_autoglm.cassettes._errors import CassetteError
from pytest_autoglm.cassettes._normalise import ImageSink

VERSION = 1
#: response headers a client reads; the rest (date, server, cookies) is not stored
KEPT_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry")
KEPT_PREFIXES = ("x-ratelimit-",)


def kept_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in KEPT_HEADERS or lower.startswith(KEPT_PREFIXES):
            out[lower] = value
    return out


@dataclass(frozen=True)
class Event:
    """One SSE event: ``t`` seconds after the request, its bytes on the wire."""

    t: float
    wire: bytes

    def line(self, n: int) -> dict[str, Any]:
        text = self.wire.decode("utf-8", "replace")
        head: dict[str, Any] = {"event": n, "t": round(self.t, 4)}
        if text.startswith("data: ") and text.endswith("\n\n") and "\n" not in text[6:-2]:
            data = text[6:-2]
            try:  # readable JSON when it gives back the same bytes; else the text as sent
                value = json.loads(data)
            except ValueError:
                return {**head, "data": data}
            return {**head, "json": value} if _compact(value) == data else {**head, "data": data}
        return {**head, "raw": text}

    @staticmethod
    def from_line(line: dict[str, Any]) -> Event:
        if "json" in line:
            return Event(float(line["t"]), b"data: " + _compact(line["json"]).encode() + b"\n\n")
        if "data" in line:
            return Event(float(line["t"]), b"data: " + str(line["data"]).encode() + b"\n\n")
        return Event(float(line["t"]), str(line["raw"]).encode())


@dataclass
class Exchange:
    """One recorded interaction: the normalised request and the server's answer."""

    request: dict[str, Any]
    status: int
    headers: dict[str, str]
    t_head: float = 0.0
    body: bytes = b""
    events: list[Event] | None = None
    t_end: float = 0.0
    cut: bool = False

    def lines(self, n: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"request": n, **self.request}]
        response: dict[str, Any] = {"response": n, "status": self.status,
                                    "t": round(self.t_head, 4), "headers": self.headers}  # fmt: skip
        if self.events is None:
            response.update(_body_fields(self.body))
        out.append(response)
        out += [event.line(n) for event in self.events or ()]
        end: dict[str, Any] = {"end": n, "t": round(self.t_end, 4)}
        if self.cut:
            end["cut"] = True
        out.append(end)
        return out


def _body_fields(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        import base64

        return {"base64": base64.b64encode(body).decode()}
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    if _compact(value) == text:  # stored as JSON only when that gives back the same bytes
        return {"json": value}
    return {"text": text}


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _body_of(line: dict[str, Any]) -> bytes:
    if "json" in line:
        return _compact(line["json"]).encode()
    if "text" in line:
        return str(line["text"]).encode()
    if "base64" in line:
        import base64

        return base64.b64decode(line["base64"])
    return b""


@dataclass
class Cassette:
    """A cassette's header fields and interactions, in recorded order."""

    name: str
    exchanges: list[Exchange] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: the fake phone's commands, each placed after ``command.after`` exchanges
    commands: list[DeviceCommand] = field(default_factory=list)


def read_cassette(path: Path) -> Cassette:
    """Parse a cassette file; a malformed one is a :class:`CassetteError` naming the line."""
    exchanges: dict[int, Exchange] = {}
    commands: list[DeviceCommand] = []
    meta: dict[str, Any] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc.strerror or exc}") from None
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                raise ValueError("not a JSON object")
            if number == 1:
                if line.get("autoglm_cassette") != VERSION:
                    raise ValueError(f'the first line must say "autoglm_cassette": {VERSION}')
                meta = line
                continue
            if "command" in line:
                commands.append(DeviceCommand.from_line(line, after=len(exchanges)))
            else:
                _read_line(line, exchanges)
        except (ValueError, KeyError, TypeError) as exc:
            raise CassetteError(
                f"{where}: not a valid cassette line ({exc}); re-record it with "
                "--autoglm-record-mode all, or fix the line by hand"
            ) from None
    if not meta:
        raise CassetteError(f"{path}: empty cassette; re-record it with --autoglm-record-mode all")
    return Cassette(
        str(meta.get("name", path.stem)), [exchanges[n] for n in sorted(exchanges)], meta, commands
    )


def _read_line(line: dict[str, Any], exchanges: dict[int, Exchange]) -> None:
    if "request" in line:
        n = int(line.pop("request"))
        exchanges[n] = Exchange(request=line, status=0, headers={})
        return
    for kind in ("response", "event", "end"):
        if kind in line:
            n = int(line[kind])
            break
    else:
        raise ValueError("expected a request, response, event, end or command line")
    exchange = exchanges[n]  # KeyError: no request line before it
    if kind == "response":
        exchange.status = int(line["status"])
        exchange.t_head = float(line.get("t", 0.0))
        exchange.headers = {str(k): str(v) for k, v in dict(line.get("headers", {})).items()}
        exchange.body = _body_of(line)
    elif kind == "event":
        if exchange.events is None:
            exchange.events = []
        exchange.events.append(Event.from_line(line))
    else:
        exchange.t_end = float(line.get("t", 0.0))
        exchange.cut = bool(line.get("cut", False))


def write_cassette(path: Path, cassette: Cassette, redact: Callable[[str], str],
                   images: ImageSink) -> None:  # fmt: skip
    """Write ``cassette`` (every line through ``redact``) and its new images, atomically."""
    lines = [{"autoglm_cassette": VERSION, **cassette.meta, "name": cassette.name}]
    commands = sorted(cassette.commands, key=lambda c: c.after)  # stable: run order kept
    taken = 0
    for n, exchange in enumerate([*cassette.exchanges, None]):
        while taken < len(commands) and (exchange is None or commands[taken].after <= n):
            lines.append(commands[taken].line(taken + 1))
            taken += 1
        if exchange is not None:
            lines += exchange.lines(n + 1)
    text = "".join(redact(json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.parent / "images"
    for digest, (fmt, data) in images.items():
        image = folder / f"{digest}.{fmt}"
        if not image.exists():  # stored once per cassette folder, shared by its cassettes
            folder.mkdir(exist_ok=True)
            image.write_bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a cassette is shared like any source file
    os.replace(tmp, path)
