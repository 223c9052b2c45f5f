"""Redaction of report objects, and what it must not change for the test itself."""

from __future__ import annotations

import warnings

import pytest
from _pytest._code.code import TerminalRepr
from _pytest._io import TerminalWriter
from _pytest.reports import CollectErrorRepr

from pytest_autoglm.secrets import SecretRegistry
from pytest_autoglm.secrets._scrub import redact_longrepr, redact_warning

KEY = "sk-planted-7f3a9c2e41d8b6f0"


def registry() -> SecretRegistry:
    reg = SecretRegistry()
    reg.add(KEY, name="AUTOGLM_API_KEY")
    return reg


class _Opaque:
    """Holds text where a generic walk cannot see it."""

    def __init__(self, text: str) -> None:
        self._text = text

    def render(self) -> str:
        return self._text


class _CustomRepr(TerminalRepr):
    def __init__(self, text: str) -> None:
        self.box = _Opaque(text)

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.box.render())


def test_plain_repr_classes_are_redacted_in_place() -> None:
    longrepr = CollectErrorRepr(f"cannot import: {KEY}")
    assert redact_longrepr(longrepr, registry()) is longrepr
    assert longrepr.longrepr == "cannot import: ***"


def test_unknown_repr_falls_back_to_redacted_text() -> None:
    redacted = redact_longrepr(_CustomRepr(f"custom {KEY}"), registry())
    assert redacted == "custom ***"


def test_skip_tuple_keeps_path_and_line() -> None:
    assert redact_longrepr(("t.py", 3, f"Skipped: {KEY}"), registry()) == (
        "t.py",
        3,
        "Skipped: ***",
    )


def test_warning_message_keeps_its_category() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(f"old key {KEY}", DeprecationWarning, stacklevel=1)
    message = caught[0]
    redact_warning(message, registry())
    assert str(message.message) == "old key ***"
    assert isinstance(message.message, DeprecationWarning)


def test_redaction_does_not_change_what_the_test_sees(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_API_KEY", KEY)
    pytester.makepyfile(
        """
        import logging, os

        def test_sees_the_real_value(caplog, capsys, autoglm_api_key):
            key = os.environ["AUTOGLM_API_KEY"]
            logging.getLogger("x").warning("key %s", key)
            print(key)
            assert key in caplog.text
            assert capsys.readouterr().out == key + "\\n"
            assert autoglm_api_key == key
        """
    )
    pytester.runpytest("-o", "log_cli=true", "--log-file=run.log").assert_outcomes(passed=1)
    assert KEY not in (pytester.path / "run.log").read_text()
