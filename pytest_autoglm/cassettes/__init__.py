"""Cassettes: real sessions with a model server recorded as JSON Lines, replayed by the fake.

``@pytest.mark.autoglm_cassette("name")`` on a test that uses ``autoglm_server`` makes the
fake server answer from ``cassettes/name.jsonl`` beside the test file (replay, no network),
or pass the traffic through to the live server of ``--autoglm-base-url`` and record it
(``--autoglm-record-mode once|new|all``). Scripted faults still come first, and every call
is still recorded in ``server.calls``.

- ``_options``: the options and the marker.
- ``_normalise``: images as ``{sha256, width, height, bytes}``, the system prompt's date line
  as ``<date>``, registered secrets as ``***`` (what is stored and what is matched).
- ``_commands``: the fake phone's ``adb``/``hdc`` commands in the cassette, checked in order.
- ``_format``: the JSON Lines file (one line per request, response, SSE event and end).
- ``_diff``: the differing fields of the nearest recorded request, for a miss.
- ``_upstream``: the live server, through a real HTTP client, with event timing.
- ``_session``: one test's cassette: record mode, replay, recording, writing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "DATE_PLACEHOLDER": "_normalise",
    "RECORD_MODES": "_options",
    "Cassette": "_format",
    "CassetteError": "_errors",
    "CassetteSession": "_session",
    "DeviceCommand": "_commands",
    "Event": "_format",
    "Exchange": "_format",
    "Upstream": "_upstream",
    "UpstreamError": "_upstream",
    "normalise_request": "_normalise",
    "read_cassette": "_format",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.cassettes._commands import DeviceCommand as DeviceCommand
    from pytest_autoglm.cassettes._errors import CassetteError as CassetteError
    from pytest_autoglm.cassettes._format import Cassette as Cassette
    from pytest_autoglm.cassettes._format import Event as Event
    from pytest_autoglm.cassettes._format import Exchange as Exchange
    from pytest_autoglm.cassettes._format import read_cassette as read_cassette
    from pytest_autoglm.cassettes._normalise import DATE_PLACEHOLDER as DATE_PLACEHOLDER
    from pytest_autoglm.cassettes._normalise import normalise_request as normalise_request
    from pytest_autoglm.cassettes._options import RECORD_MODES as RECORD_MODES
    from pytest_autoglm.cassettes._session import CassetteSession as CassetteSession
    from pytest_autoglm.cassettes._upstream import Upstream as Upstream
    from pytest_autoglm.cassettes._upstream import UpstreamError as UpstreamError

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
