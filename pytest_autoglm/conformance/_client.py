"""The deployment check's HTTP client: httpx, the key as a Bearer token, streams timed."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass
class Streamed:
    """A streamed answer: the parsed ``data:`` events and when each arrived (seconds)."""

    status: int
    events: list[Any] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    done: bool = False
    body: str = ""


def error_message(response: httpx.Response) -> str:
    """The server's own error text (any flavour's body), else the raw body, shortened."""
    try:
        payload = response.json()
    except ValueError:
        return response.text[:300] or f"HTTP {response.status_code} with an empty body"
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            return str(error.get("message", error))[:300]
        return str(error)[:300]
    return str(payload)[:300]


class Client:
    """Requests to ``base_url`` (``.../v1``); ``/health`` at the server's root."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 600.0) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        headers = {"authorization": f"Bearer {api_key or 'EMPTY'}"}
        self.http = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def unreachable(self) -> str | None:
        """Why the server cannot be reached at all (``GET /v1/models``), or None."""
        try:
            self.get("/models")
        except httpx.TransportError as exc:
            return (
                f"cannot reach the server under check at {self.base_url}: "
                f"{type(exc).__name__}: {exc}; is it running, and is --autoglm-base-url its "
                "OpenAI base URL (http://HOST:PORT/v1)?"
            )
        return None

    def get(self, path: str) -> httpx.Response:
        return self.http.get(self.base_url + path)

    def health(self) -> httpx.Response:
        return self.http.get(self.origin + "/health")

    def chat(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(self.base_url + "/chat/completions", json=body)

    def stream(self, body: dict[str, Any]) -> Streamed:
        start = time.perf_counter()
        with self.http.stream("POST", self.base_url + "/chat/completions", json=body) as response:
            result = Streamed(response.status_code)
            if response.status_code != 200:
                result.body = response.read().decode("utf-8", "replace")
                return result
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    result.done = True
                    continue
                try:
                    result.events.append(json.loads(data))
                except ValueError:
                    result.events.append(data)
                result.times.append(time.perf_counter() - start)
        return result
