"""The fake phone's own exception types."""

from __future__ import annotations


class PhoneError(Exception):
    """Bad input to the fake phone (an unknown screen, a malformed scenario file, ...)."""


class ScenarioError(PhoneError):
    """A scenario (Python, YAML or JSON) that cannot be used; the message names the culprit."""


class UnknownCommandError(PhoneError):
    """A command the fake ``adb``/``hdc`` does not know was run during the test."""
