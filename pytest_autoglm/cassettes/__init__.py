"""Cassettes: real sessions with a model server recorded as JSON Lines, replayed by the fake.

``@pytest.mark.autoglm_cassette("name")`` on a test that uses ``autoglm_server`` makes the
fake server answer from ``cassettes/name.jsonl`` beside the test file (replay, no network),
or pass the traffic through to the live server of ``--autoglm-base-url`` and record it
(``--autoglm-record-mode once|new|all``). Scripted faults still come first, and every call
is still recorded in ``server.calls``.

- ``_normalise``: images as ``{sha256, width, height, bytes}``, the system prompt's date line
  as ``<date>``, registered secrets as ``***`` (what is stored and what is matched).
- ``_format``: the JSON Lines file (one line per request, response, SSE event and end).
- ``_diff``: the differing fields of the nearest recorded request, for a miss.
- ``_upstream``: the live server, through a real HTTP client, with event timing.
- ``_session``: one test's cassette: record mode, replay, recording, writing.
"""

from __future__ import annotations

from pytest_autoglm.cassettes._errors import CassetteError, CassetteMissError
from pytest_autoglm.cassettes._format import Cassette, Event, Exchange, read_cassette
from pytest_autoglm.cassettes._normalise import DATE_PLACEHOLDER, normalise_request
from pytest_autoglm.cassettes._session import RECORD_MODES, CassetteSession
from pytest_autoglm.cassettes._upstream import Upstream, UpstreamError

__all__ = [
    "DATE_PLACEHOLDER",
    "RECORD_MODES",
    "Cassette",
    "CassetteError",
    "CassetteMissError",
    "CassetteSession",
    "Event",
    "Exchange",
    "Upstream",
    "UpstreamError",
    "normalise_request",
    "read_cassette",
]
