"""The protocol's two exception types and the caret picture an ActionParseError shows."""

from __future__ import annotations

import unicodedata


class ProtocolError(ValueError):
    """A value that no AutoGLM action can hold (coordinate out of range, wrong type, ...)."""


class ActionParseError(ProtocolError):
    """Action text that the strict parser rejects.

    ``text`` is the whole text given to :func:`~pytest_autoglm.protocol.parse_action`,
    ``column`` the 0-based offset into it of the offending character, ``reason`` the
    one-line explanation. ``str(error)`` shows the reason, then the line holding the
    column with a caret under it.
    """

    def __init__(self, text: str, column: int, reason: str) -> None:
        self.text = text
        self.column = column
        self.reason = reason
        super().__init__(_render(text, column, reason))

    def __reduce__(self) -> tuple[type[ActionParseError], tuple[str, int, str]]:
        # Default pickling would call __init__ with the rendered message only (xdist, multiprocessing).
        return (type(self), (self.text, self.column, self.reason))


def _render(text: str, column: int, reason: str) -> str:
    line_start = text.rfind("\n", 0, column) + 1
    line_end = text.find("\n", column)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end]
    # Wide (CJK) characters take two terminal cells; pad so the caret lands under the culprit.
    pad = sum(_cells(ch) for ch in line[: column - line_start])
    where = f"column {column}"
    if line_start:
        where += f", line {text.count(chr(10), 0, column) + 1}"
    return f"{reason} ({where})\n  {line}\n  {' ' * pad}^"


def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


# Tracebacks and reprs name the public module, where users import these from.
ProtocolError.__module__ = ActionParseError.__module__ = "pytest_autoglm.protocol"
