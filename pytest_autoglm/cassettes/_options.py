"""The options and marker of live runs and cassettes (the plugin registers them; the
cassettes and the deployment check read them). Nothing heavy is imported here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pytest_autoglm._markers import MarkerSpec, keyword_builder
from pytest_autoglm._options import Option

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


@dataclass(frozen=True, kw_only=True)
class CassetteOptions:
    """The arguments of ``@pytest.mark.autoglm_cassette``."""

    name: str
    #: replay timing: 1.0 as recorded, 0 at once, 0.1 ten times faster
    timing: float = 1.0
    #: recorded interactions a replay never asks for do not fail the test
    allow_unused: bool = False

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name={name!r}: expected the cassette's name, e.g. 'login'")
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts:
            raise ValueError(f"name={name!r}: give a name inside the cassettes folder "
                             "(no absolute path, no '..')")  # fmt: skip
        timing = self.timing
        if isinstance(timing, bool) or not isinstance(timing, (int, float)) or timing < 0:
            raise ValueError(f"timing={timing!r}: expected a number >= 0 (1.0: as recorded)")
        if not isinstance(self.allow_unused, bool):
            raise ValueError(f"allow_unused={self.allow_unused!r}: expected True or False")

    def path_for(self, test_file: Path) -> Path:
        name = self.name if self.name.endswith(".jsonl") else self.name + ".jsonl"
        return test_file.parent / "cassettes" / name


CASSETTE_MARKER: MarkerSpec[CassetteOptions] = MarkerSpec(
    name="autoglm_cassette",
    signature="name, *, timing=1.0, allow_unused=False",
    doc="autoglm_server answers from cassettes/<name>.jsonl beside the test file (replay), "
    "or passes through to --autoglm-base-url and records (see --autoglm-record-mode).",
    build=keyword_builder(CassetteOptions, positional=("name",)),
)
