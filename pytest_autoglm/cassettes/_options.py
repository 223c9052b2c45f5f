"""The options and marker of live runs and cassettes (the plugin registers them; the
cassettes and the deployment check read them). Nothing heavy is imported here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._markers import MarkerSpec, deferred_keyword_builder
from pytest_autoglm._options import Option

if TYPE_CHECKING:
    from pytest_autoglm.cassettes._marker import CassetteOptions

RECORD_MODES = ("none", "once", "new", "all")


def parse_base_url(text: str) -> str:
    """An http(s) URL with a host, without its trailing slash."""
    from urllib.parse import urlsplit

    value = text.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    return value


def parse_record_mode(text: str) -> str:
    value = text.strip().lower()
    if value not in RECORD_MODES:
        raise ValueError("not a known record mode")
    return value


BASE_URL: Option[str | None] = Option(
    "base-url",
    "A live OpenAI-compatible model server (http://gpu-box:8000/v1): tests marked "
    "autoglm_cassette pass their traffic through to it (recording it, per the record mode), "
    "and the deployment check (pytest --pyargs pytest_autoglm.conformance) checks it.",
    parse_base_url,
    None,
    metavar="URL",
    accepted="an http(s) URL such as http://localhost:8000/v1",
)
MODEL: Option[str | None] = Option(
    "model",
    "The model name the live server serves (--served-model-name); requests passed through "
    "carry it. Default: the name each request asks for (autoglm-phone-9b for phone_agent).",
    str,
    None,
    metavar="NAME",
)
RECORD_MODE: Option[str] = Option(
    "record-mode",
    "What tests marked autoglm_cassette do with their cassette: none replays only (a "
    "request not recorded fails; with --autoglm-base-url, everything passes through live and "
    "nothing is written); once records a cassette that does not exist yet; new records "
    "requests the cassette lacks; all records everything again. Recording needs "
    "--autoglm-base-url.",
    parse_record_mode,
    "none",
    metavar="MODE",
    accepted="none, once, new, all",
)


def _cassette_options() -> type[CassetteOptions]:
    from pytest_autoglm.cassettes._marker import CassetteOptions

    return CassetteOptions


CASSETTE_MARKER: MarkerSpec[CassetteOptions] = MarkerSpec(
    name="autoglm_cassette",
    signature="name, *, timing=1.0, allow_unused=False",
    doc="autoglm_server answers from cassettes/<name>.jsonl beside the test file (replay), "
    "or passes through to --autoglm-base-url and records (see --autoglm-record-mode).",
    build=deferred_keyword_builder(_cassette_options, positional=("name",)),
)
