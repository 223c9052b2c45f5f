"""phone_agent's action delays (``PHONE_AGENT_*_DELAY``) set to zero for a test.

phone_agent reads them from the environment when ``phone_agent.config.timing`` is first
imported (``TIMING_CONFIG = TimingConfig()``). So the variables are set for processes the
test starts, and, if that module is already loaded here, its documented
``update_timing_config()`` installs fresh (zero) settings, restored after the test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

DELAY_VARIABLES = (
    "PHONE_AGENT_KEYBOARD_SWITCH_DELAY", "PHONE_AGENT_TEXT_CLEAR_DELAY",
    "PHONE_AGENT_TEXT_INPUT_DELAY", "PHONE_AGENT_KEYBOARD_RESTORE_DELAY",
    "PHONE_AGENT_TAP_DELAY", "PHONE_AGENT_DOUBLE_TAP_DELAY", "PHONE_AGENT_DOUBLE_TAP_INTERVAL",
    "PHONE_AGENT_LONG_PRESS_DELAY", "PHONE_AGENT_SWIPE_DELAY", "PHONE_AGENT_BACK_DELAY",
    "PHONE_AGENT_HOME_DELAY", "PHONE_AGENT_LAUNCH_DELAY", "PHONE_AGENT_ADB_RESTART_DELAY",
    "PHONE_AGENT_SERVER_RESTART_DELAY",
)  # fmt: skip


@contextmanager
def zero_delays(monkeypatch: pytest.MonkeyPatch, *, in_process: bool = True) -> Iterator[None]:
    """Zero phone_agent's delays for child processes, and here too when ``in_process``."""
    for name in DELAY_VARIABLES:
        monkeypatch.setenv(name, "0")
    timing = sys.modules.get("phone_agent.config.timing")
    if timing is None or not in_process:
        yield
        return
    config = timing.TIMING_CONFIG
    saved = (config.action, config.device, config.connection)
    timing.update_timing_config(
        action=timing.ActionTimingConfig(),
        device=timing.DeviceTimingConfig(),
        connection=timing.ConnectionTimingConfig(),
    )
    try:
        yield
    finally:
        config.action, config.device, config.connection = saved
