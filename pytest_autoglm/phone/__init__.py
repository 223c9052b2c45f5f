"""A fake phone for tests: ``adb`` and ``hdc`` on ``PATH``, screens, faults, records, and the
whole agent loop (capability 14).

The ``autoglm_phone`` fixture gives a started :class:`FakePhone`; ``autoglm_agent`` runs
Open-AutoGLM's own ``PhoneAgent`` (or yours) against it and the fake model server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "STOP_REASONS": "_transcript",
    "AgentRunner": "_agent",
    "Command": "_records",
    "Device": "_phone",
    "FakePhone": "_phone",
    "Faults": "_faults",
    "InputRequested": "_agent",
    "KeyRecord": "_records",
    "LaunchRecord": "_records",
    "PhoneError": "_errors",
    "Region": "_screens",
    "ScenarioError": "_errors",
    "Screen": "_screens",
    "Step": "_transcript",
    "SwipeRecord": "_records",
    "TapRecord": "_records",
    "Transcript": "_transcript",
    "TypedRecord": "_records",
    "UnknownCommandError": "_errors",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.phone._agent import AgentRunner as AgentRunner
    from pytest_autoglm.phone._agent import InputRequested as InputRequested
    from pytest_autoglm.phone._errors import PhoneError as PhoneError
    from pytest_autoglm.phone._errors import ScenarioError as ScenarioError
    from pytest_autoglm.phone._errors import UnknownCommandError as UnknownCommandError
    from pytest_autoglm.phone._faults import Faults as Faults
    from pytest_autoglm.phone._phone import Device as Device
    from pytest_autoglm.phone._phone import FakePhone as FakePhone
    from pytest_autoglm.phone._records import Command as Command
    from pytest_autoglm.phone._records import KeyRecord as KeyRecord
    from pytest_autoglm.phone._records import LaunchRecord as LaunchRecord
    from pytest_autoglm.phone._records import SwipeRecord as SwipeRecord
    from pytest_autoglm.phone._records import TapRecord as TapRecord
    from pytest_autoglm.phone._records import TypedRecord as TypedRecord
    from pytest_autoglm.phone._screens import Region as Region
    from pytest_autoglm.phone._screens import Screen as Screen
    from pytest_autoglm.phone._transcript import STOP_REASONS as STOP_REASONS
    from pytest_autoglm.phone._transcript import Step as Step
    from pytest_autoglm.phone._transcript import Transcript as Transcript

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
