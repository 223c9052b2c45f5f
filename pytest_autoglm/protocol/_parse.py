"""``parse_action``: the strict reference parser, the inverse of ``format_action``.

It accepts exactly the texts that phone_agent's own ``parse_action`` reads back as the
intended action (plus spaces between tokens), and rejects everything else with an
:class:`ActionParseError` pointing at the offending column. Where phone_agent is
pickier than Python syntax (Type and finish are sliced, not parsed) the parser is too,
so "parses here" means "the real agent does what you meant".
"""

from __future__ import annotations

import difflib

from pytest_autoglm.protocol._actions import (
    ARG_SPECS,
    COORDINATE_MAX,
    DO_TYPES,
    Action,
    ArgSpec,
    Finish,
    Point,
)
from pytest_autoglm.protocol._errors import ActionParseError, ProtocolError

FINISH_MARKER = "finish(message="
_SIMPLE_ESCAPES = {
    "\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t",
    "a": "\a", "b": "\b", "f": "\f", "v": "\v",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_FULL_WIDTH = {
    "“": '"', "”": '"', "＂": '"', "（": "(", "）": ")", "，": ",", "＝": "=",
    "［": "[", "］": "]", "【": "[", "】": "]", "：": "=",
}  # fmt: skip


def parse_action(text: str) -> Action:
    """The action in ``text`` (``do(...)`` or ``finish(...)``), or an ActionParseError at its column."""
    if not isinstance(text, str):
        raise ProtocolError(f"parse_action needs a str; got {type(text).__name__}: {text!r}")
    __tracebackhide__ = True  # pytest shows the caller's line, not the parser's internals
    try:
        return _Parser(text).parse()
    except ActionParseError as error:
        raise error.with_traceback(None) from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers ------------------------------------------------------------------------
    def error(self, column: int, reason: str) -> ActionParseError:
        return ActionParseError(self.text, column, reason)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def found(self) -> str:
        """``found 'x'`` / ``found the end of the text``, with a full-width hint."""
        ch = self.peek()
        if not ch:
            return "found the end of the text"
        if ch in _FULL_WIDTH:
            return (
                f"found the full-width {ch!r} (U+{ord(ch):04X}); "
                f"the model must write the ASCII {_FULL_WIDTH[ch]!r}"
            )
        return f"found {ch!r}"

    def skip_spaces(self) -> None:
        # Only spaces: phone_agent escapes newlines and tabs before ast.parse, which
        # turns one between tokens into a syntax error.
        while self.peek() == " ":
            self.pos += 1

    def expect(self, ch: str, what: str) -> None:
        if self.peek() != ch:
            raise self.error(self.pos, f"expected {ch!r} {what}; {self.found()}")
        self.pos += 1

    def ident(self) -> str:
        start = self.pos
        text = self.text
        if start < len(text) and (
            text[start].isascii() and (text[start].isalpha() or text[start] == "_")
        ):
            end = start + 1
            while (
                end < len(text)
                and text[end].isascii()
                and (text[end].isalnum() or text[end] == "_")
            ):
                end += 1
            self.pos = end
        return text[start : self.pos]

    # -- grammar --------------------------------------------------------------------------
    def parse(self) -> Action:
        text = self.text
        self.pos = start = len(text) - len(text.lstrip())  # phone_agent strips the action
        if start == len(text):
            raise self.error(start, "empty action; expected do(action=...) or finish(message=...)")
        head = self.ident()
        if head == "finish":
            return self.finish(start)
        if head == "do":
            return self.do(start)
        if not head:
            raise self.error(start, f"expected do(...) or finish(...); {self.found()}")
        raise self.error(start, f"unknown call {head!r}; expected do(...) or finish(...)")

    def finish(self, start: int) -> Action:
        self.exact_prefix(start, 'finish(message="', "a finish action")
        body = self.pos
        message = self.raw_value(body - 1)
        marker = message.find(FINISH_MARKER)
        if marker != -1:
            raise self.error(
                body + marker,
                "the message contains 'finish(message=', which phone_agent deletes from it",
            )
        return Finish(message=message)

    def do(self, start: int) -> Action:
        self.skip_spaces()
        self.expect("(", "after 'do'")
        self.skip_spaces()
        key_at = self.pos
        if self.ident() != "action":
            raise self.error(key_at, 'expected action="..." as the first argument of do(...)')
        self.skip_spaces()
        self.expect("=", "after 'action'")
        self.skip_spaces()
        name_at = self.pos
        name = self.text_value("action")
        cls = DO_TYPES.get(name)
        if cls is None:
            raise self.error(name_at, _unknown_action(name))
        specs = {spec.name: spec for spec in ARG_SPECS[cls]}
        if any(spec.kind == "raw" for spec in specs.values()):
            self.exact_prefix(start, f'do(action="{name}"', f"a {name} action")
        values, close_at = self.arguments(name, specs)
        for spec in specs.values():
            if spec.required and spec.name not in values:
                raise self.error(close_at, f"missing argument {spec.name!r} for {name}")
        return cls(**values)  # type: ignore[arg-type]

    def arguments(self, name: str, specs: dict[str, ArgSpec]) -> tuple[dict[str, object], int]:
        """The arguments after ``action="..."`` up to the closing ``)``, and that ``)``'s column."""
        values: dict[str, object] = {}
        while True:
            self.skip_spaces()
            if self.peek() == ")":
                close_at = self.pos
                self.pos += 1
                self.expect_end()
                break
            if self.peek() != ",":
                if not self.peek():
                    raise self.error(self.pos, "missing ')' at the end")
                raise self.error(self.pos, f"expected ',' or ')'; {self.found()}")
            self.pos += 1
            self.skip_spaces()
            key_at = self.pos
            key = self.ident()
            if not key:
                raise self.error(self.pos, f"expected an argument name; {self.found()}")
            spec = specs.get(key)
            if spec is None:
                takes = ", ".join(specs) or "no arguments"
                raise self.error(key_at, f"unknown argument {key!r} for {name}; it takes {takes}")
            if key in values:
                raise self.error(key_at, f"argument {key!r} given twice")
            if spec.kind == "raw":
                # phone_agent takes everything after the first 'text=' minus the first
                # character and the last two: no spaces, the quote right after '='.
                self.expect("=", f"right after {key!r} (phone_agent splits at '{key}=')")
                self.expect('"', f"right after '{key}=' (phone_agent drops one character there)")
                values[key] = self.raw_value(self.pos - 1)
                close_at = len(self.text.rstrip()) - 1
                break
            self.skip_spaces()
            self.expect("=", f"after {key!r}")
            self.skip_spaces()
            values[key] = self.value(spec)
        return values, close_at

    def exact_prefix(self, start: int, prefix: str, what: str) -> None:
        """phone_agent recognises Type and finish by a literal prefix: no spaces inside it."""
        got = self.text[start : start + len(prefix)]
        for offset, (want, have) in enumerate(zip(prefix, got, strict=False)):
            if want != have:
                raise self.error(
                    start + offset,
                    f"{what} must start exactly with {prefix!r} (phone_agent matches that "
                    f"literal prefix); found {have!r} where {want!r} belongs",
                )
        if len(got) < len(prefix):
            raise self.error(start + len(got), f"{what} must start exactly with {prefix!r}")
        self.pos = start + len(prefix)

    def expect_end(self) -> None:
        rest = self.text[self.pos :]
        if rest.strip():
            at = self.pos + len(rest) - len(rest.lstrip())
            raise self.error(at, _trailing(self.text[at:]))

    def raw_value(self, quote_at: int) -> str:
        """A Type text or finish message: verbatim up to the final ``")``."""
        body = quote_at + 1
        end = len(self.text.rstrip())
        if end - 2 >= body and self.text[end - 2 : end] == '")':
            self.pos = end
            return self.text[body : end - 2]
        last = self.text.rfind('")', body)
        if last != -1:
            at = last + 2
            raise self.error(at, _trailing(self.text[at:]))
        stripped = self.text[body:end]
        if stripped.endswith(")") and stripped[:-1].rstrip(" ").endswith('"'):
            at = body + len(stripped[:-1].rstrip(" "))
            raise self.error(
                at,
                "write ')' right after the closing '\"' (phone_agent cuts the last two characters)",
            )
        if stripped.endswith('"'):
            raise self.error(end, "missing ')' at the end")
        raise self.error(quote_at, "unterminated string: no closing '\")' at the end")

    def value(self, spec: ArgSpec) -> object:
        if spec.kind == "point":
            return self.point(spec.name)
        return self.text_value(spec.name)

    def text_value(self, arg: str) -> str:
        quote_at = self.pos
        ch = self.peek()
        if ch == "[":
            raise self.error(quote_at, f"{arg} must be a string in double quotes; found a list")
        if ch == "'":
            raise self.error(
                quote_at, f'{arg} must be in double quotes (the model writes "..."); found "\'"'
            )
        if ch != '"':
            raise self.error(
                quote_at, f"expected a string in double quotes for {arg}; {self.found()}"
            )
        out: list[str] = []
        text = self.text
        i = quote_at + 1
        while True:
            if i >= len(text):
                raise self.error(quote_at, f"unterminated string for {arg}")
            ch = text[i]
            if ch == '"':
                self.pos = i + 1
                return "".join(out)
            if ch == "\\":
                i = self.escape(i, out)
                continue
            if (ch < " " and ch not in "\n\r\t") or ch == "\x7f":
                raise self.error(
                    i,
                    f"raw control character U+{ord(ch):04X} inside a string; write \\x{ord(ch):02x}",
                )
            if "\ud800" <= ch <= "\udfff":
                raise self.error(i, f"lone surrogate U+{ord(ch):04X} inside a string")
            out.append(ch)
            i += 1

    def escape(self, at: int, out: list[str]) -> int:
        """Decodes the escape at ``at`` (a backslash) into ``out``; returns the next index."""
        kind = self.text[at + 1 : at + 2]
        simple = _SIMPLE_ESCAPES.get(kind)
        if simple is not None:
            out.append(simple)
            return at + 2
        width = _HEX_ESCAPES.get(kind)
        if width is None:
            shown = kind if kind.isprintable() and kind else repr(kind)
            raise self.error(at, f"unknown escape '\\{shown}'; write '\\\\' for a backslash")
        digits = self.text[at + 2 : at + 2 + width]
        if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise self.error(at, f"'\\{kind}' needs {width} hex digits")
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.error(at, f"'\\{kind}{digits}' is not a valid character")
        out.append(chr(code))
        return at + 2 + width

    def point(self, arg: str) -> Point:
        if self.peek() == '"':
            raise self.error(self.pos, f"{arg} must be a point [x, y]; found a string")
        self.expect("[", f"to start {arg}=[x, y]")
        self.skip_spaces()
        x = self.coordinate(arg)
        self.skip_spaces()
        self.expect(",", f"between the two coordinates of {arg}")
        self.skip_spaces()
        y = self.coordinate(arg)
        self.skip_spaces()
        if self.peek() == ",":
            raise self.error(self.pos, f"{arg} has more than two coordinates; a point is [x, y]")
        self.expect("]", f"to close {arg}=[x, y]")
        return (x, y)

    def coordinate(self, arg: str) -> int:
        text = self.text
        start = self.pos
        end = start + (text[start : start + 1] in ("-", "+"))
        while end < len(text) and (text[end].isdigit() or text[end] in "._eE"):
            end += 1
        token = text[start:end]
        if not token:
            raise self.error(start, f"expected an integer coordinate in {arg}; {self.found()}")
        if not (token.isascii() and token.lstrip("-+").isdigit()):
            raise self.error(
                start, f"coordinates in {arg} must be whole numbers 0..999; got {token!r}"
            )
        if token[0] in "-+" or int(token) > COORDINATE_MAX:
            raise self.error(
                start, f"coordinate {token} in {arg} is outside 0..999 (the model's grid)"
            )
        if len(token) > 1 and token[0] == "0":
            raise self.error(
                start, f"leading zero in {token!r}: Python, hence phone_agent, rejects it"
            )
        self.pos = end
        return int(token)


def _unknown_action(name: str) -> str:
    if name.lower() == "finish":
        return f'unknown action {name!r}; finishing is written finish(message="...")'
    squashed = {_squash(known): known for known in DO_TYPES}
    guess = squashed.get(_squash(name)) or next(
        iter(difflib.get_close_matches(name, list(DO_TYPES), n=1)), None
    )
    hint = f"did you mean {guess!r}? " if guess else ""
    return f"unknown action {name!r}; {hint}known: {', '.join(DO_TYPES)}"


def _squash(name: str) -> str:
    return name.lower().replace(" ", "").replace("_", "")


def _trailing(rest: str) -> str:
    reason = f"unexpected text after the closing ')': {rest[:20]!r}"
    if rest.startswith("</answer>"):
        reason += " (a closing </answer> tag, which phone_agent misreads; split_reply shows how)"
    return reason
