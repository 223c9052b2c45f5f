"""Profiles: one per server flavour and version; the nearest known version at or below wins."""

from __future__ import annotations

import pytest

from pytest_autoglm.server import ServerConfig, ServerConfigError
from pytest_autoglm.server._profiles import KNOWN, profile_for


@pytest.mark.parametrize(
    ("version", "expected"),
    [(None, "0.12.0"), ("0.12.0", "0.12.0"), ("0.20.1", "0.12.0"), ("0.32.0", "0.32.0"),
     ("0.33.0rc1", "0.32.0"), ("1.0", "0.32.0")],
)  # fmt: skip
def test_nearest_known_vllm_version_at_or_below(version: str | None, expected: str) -> None:
    assert profile_for("vllm", version).version == expected


def test_version_older_than_every_profile_names_the_known_ones() -> None:
    with pytest.raises(
        ServerConfigError, match=r"older than every known vllm profile \(0.12.0, 0.32.0\)"
    ):
        ServerConfig(version="0.11.0")


def test_bad_version_text_is_a_config_error() -> None:
    with pytest.raises(ServerConfigError, match="'latest' is not a version number"):
        ServerConfig(version="latest")


def test_config_keeps_the_asked_version_for_the_version_endpoint() -> None:
    assert ServerConfig().version == "0.12.0"
    assert ServerConfig(flavour="sglang").version == "0.5.6.post1"
    config = ServerConfig(version="0.20.1")
    assert (config.version, config.profile.version) == ("0.20.1", "0.12.0")


def test_every_profile_names_its_source() -> None:
    for profiles in KNOWN.values():
        for profile in profiles:
            assert profile.label().startswith(f"{profile.flavour} {profile.version} (")


def test_marker_version_picks_the_profile_and_header_names_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
import httpx, pytest

@pytest.mark.autoglm_server(version="0.32.0")
def test_new(autoglm_server):
    assert httpx.get("http://localhost:8000/version").json() == {"version": "0.32.0"}
    assert autoglm_server.config.profile.source == "verified against the real server"
    body = {"model": "autoglm-phone-9b", "messages": [{"role": "user", "content": "hi"}],
            "temperature": 5}
    answer = httpx.post(autoglm_server.base_url + "/chat/completions", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["param"] == "temperature"

def test_default(autoglm_server):
    assert httpx.get("http://localhost:8000/version").json() == {"version": "0.12.0"}
""")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["autoglm: *fake server respx/vllm 0.12.0 (from source)*"])
    result = pytester.runpytest("-p", "no:randomly", "--autoglm-server-version=0.40")
    result.stdout.fnmatch_lines(
        ["autoglm: *fake server respx/vllm 0.32.0 (verified against the real server)*"]
    )
