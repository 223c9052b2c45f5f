"""A fake phone for tests: ``adb`` and ``hdc`` on ``PATH``, screens, faults, records, and the
whole agent loop (capability 14).

The ``autoglm_phone`` fixture gives a started :class:`FakePhone`; ``autoglm_agent`` runs
Open-AutoGLM's own ``PhoneAgent`` (or yours) against it and the fake model server.
"""

from __future__ import annotations

from pytest_autoglm.phone._agent import AgentRunner, InputRequested
from pytest_autoglm.phone._errors import PhoneError, ScenarioError, UnknownCommandError
from pytest_autoglm.phone._phone import Device, FakePhone
from pytest_autoglm.phone._records import (
    Command,
    KeyRecord,
    LaunchRecord,
    SwipeRecord,
    TapRecord,
    TypedRecord,
)
from pytest_autoglm.phone._screens import Region, Screen
from pytest_autoglm.phone._transcript import STOP_REASONS, Step, Transcript

__all__ = [
    "STOP_REASONS",
    "AgentRunner",
    "Command",
    "Device",
    "FakePhone",
    "InputRequested",
    "KeyRecord",
    "LaunchRecord",
    "PhoneError",
    "Region",
    "ScenarioError",
    "Screen",
    "Step",
    "SwipeRecord",
    "TapRecord",
    "Transcript",
    "TypedRecord",
    "UnknownCommandError",
]
