"""phone_agent's action delays (``PHONE_AGENT_*_DELAY``) set to zero for a test.

phone_agent reads them from the environment when ``phone_agent.config.timing`` is first
imported (``TIMING_CONFIG = TimingConfig()``). So the variables are set for processes the
test starts, and, if that module is already loaded here, its documented
``update_timing_config()`` installs fresh (zero) settings, restored after the test. A
module first imported during the test gets its settings re-read from the environment the
test started with, so the zeros never outlive the test. Tests using ``autoglm_clock`` keep
the real delays instead: they pass on the virtual clock, at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

DELAY_VARIABLES = (
    "PHONE_AGENT_KEYBOARD_SWITCH_DELAY", "PHONE_AGENT_TEXT_CLEAR_DELAY",
    "PHONE_AGENT_TEXT_INPUT_DELAY", "PHONE_AGENT_KEYBOARD_RESTORE_DELAY",
    "PHONE_AGENT_TAP_DELAY", "PHONE_AGENT_DOUBLE_TAP_DELAY", "PHONE_AGENT_DOUBLE_TAP_INTERVAL",
    "PHONE_AGENT_LONG_PRESS_DELAY", "PHONE_AGENT_SWIPE_DELAY", "PHONE_AGENT_BACK_DELAY",
    "PHONE_AGENT_HOME_DELAY", "PHONE_AGENT_LAUNCH_DELAY", "PHONE_AGENT_ADB_RESTART_DELAY",
    "PHONE_AGENT_SERVER_RESTART_DELAY",
)  # fmt: skip


def _fresh(timing: Any) -> tuple[Any, Any, Any]:
    """New settings read from the environment as it is now."""
    return timing.ActionTimingConfig(), timing.DeviceTimingConfig(), timing.ConnectionTimingConfig()


@contextmanager
def zero_delays(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Zero phone_agent's delays here and in the processes the test starts."""
    original = {name: os.environ.get(name) for name in DELAY_VARIABLES}
    for name in DELAY_VARIABLES:
        monkeypatch.setenv(name, "0")
    timing = sys.modules.get("phone_agent.config.timing")
    saved = None
    if timing is not None:
        config = timing.TIMING_CONFIG
        saved = (config.action, config.device, config.connection)
        timing.update_timing_config(*_fresh(timing))
    try:
        yield
    finally:
        timing = sys.modules.get("phone_agent.config.timing")
        if timing is not None:
            config = timing.TIMING_CONFIG
            if saved is None:  # first imported during the test, under the zeros: re-read
                zeros = {name: os.environ.get(name) for name in DELAY_VARIABLES}
                _set_environ(original)
                saved = _fresh(timing)
                _set_environ(zeros)
            config.action, config.device, config.connection = saved


def _set_environ(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
