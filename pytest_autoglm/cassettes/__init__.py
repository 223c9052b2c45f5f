"""Cassettes: real sessions with a model server recorded as JSON Lines, replayed by the fake.

``@pytest.mark.autoglm_cassette("name")`` on a test that uses ``autoglm_server`` makes the
fake server answer from ``cassettes/name.jsonl`` beside the test file (replay, no network),
or pass the traffic through to the live server of ``--autoglm-base-url`` and record it
(``--autoglm-record-mode once|new|all``). Scripted faults still come first, and every call
is still recorded in ``server.calls``.

- ``_options``: the options and the marker.
- ``_normalise``: images as ``{sha256, width, height, bytes}``, the system prompt's date line
  as ``<date>``, registered secrets as ``***`` (what is stored and what is matched).
- ``_format``: the JSON Lines file (one line per request, response, SSE event and end).
- ``_diff``: the differing fields of the nearest recorded request, for a miss.
- ``_upstream``: the live server, through a real HTTP client, with event timing.
- ``_session``: one test's cassette: record mode, replay, recording, writing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    "DATE_PLACEHOLDER": "_normalise",
    "RECORD_MODES": "_options",
    "Cassette": "_format",
    "CassetteError": "_errors",
    "CassetteSession": "_session",
    "Event": "_format",
    "Exchange": "_format",
    "Upstream": "_upstream",
    "UpstreamError": "_upstream",
    "normalise_request": "_normalise",
    "read_cassette": "_format",
}
__all__ = [
    "DATE_PLACEHOLDER",
    "RECORD_MODES",
    "Cassette",
    "CassetteError",
    "CassetteSession",
    "Event",
    "Exchange",
    "Upstream",
    "UpstreamError",
    "normalise_request",
    "read_cassette",
]

if TYPE_CHECKING:
    from pytest_autoglm.cassettes._errors import CassetteError
    from pytest_autoglm.cassettes._format import Cassette, Event, Exchange, read_cassette
    from pytest_autoglm.cassettes._normalise import DATE_PLACEHOLDER, normalise_request
    from pytest_autoglm.cassettes._options import RECORD_MODES
    from pytest_autoglm.cassettes._session import CassetteSession
    from pytest_autoglm.cassettes._upstream import Upstream, UpstreamError

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
