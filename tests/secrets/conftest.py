"""Every secrets test starts from an environment without keys or env-file settings."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_secret_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AUTOGLM_API_KEY",
        "PHONE_AGENT_API_KEY",
        "AUTOGLM_ENV_FILE",
        "AUTOGLM_ENV_OVERRIDE",
        "AUTOGLM_REQUIRE_KEY",
        "AUTOGLM_SECRET_NAMES",
    ):
        monkeypatch.delenv(name, raising=False)
