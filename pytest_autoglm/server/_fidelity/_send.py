"""Send the probe corpus to a server (real or fake) and collect what it answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pytest_autoglm.server._fidelity._observe import observe
from pytest_autoglm.server._fidelity._probes import PROBES, Probe


@dataclass(frozen=True)
class Answer:
    """The raw answer to one probe."""

    status: int
    content_type: str
    body: bytes

    def observed(self, probe: Probe) -> dict[str, Any]:
        return observe(self.status, self.content_type, self.body, probe.loose)


def send(client: Any, root: str, probe: Probe) -> Answer:
    """Send ``probe`` with an ``httpx.Client`` to the server at ``root`` (no ``/v1``)."""
    headers = dict(probe.headers)
    if probe.auth is not None:
        headers["authorization"] = probe.auth
    body = probe.body()
    if probe.content_type is not None and (body or probe.method == "POST"):
        headers["content-type"] = probe.content_type
    response = client.request(probe.method, root.rstrip("/") + probe.path, content=body or None,
                              headers=headers)  # fmt: skip
    return Answer(response.status_code, response.headers.get("content-type", ""), response.content)


def send_all(client: Any, root: str, probes: Iterable[Probe] = PROBES) -> dict[str, Answer]:
    return {probe.name: send(client, root, probe) for probe in probes}
