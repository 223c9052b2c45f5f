"""Declared options: one name gives a flag, an ini key and an environment variable.

Each capability declares its options as :class:`Option` values in its plugin module
(``OPTIONS = (...)``); the plugin registers them all in one ``autoglm`` group and
resolves them once per session into a frozen :class:`Settings`, with the precedence
command line > environment > ini > default (see ``_settings.py``). Command-line
defaults are ``None`` so an ini value is never hidden by a flag that was not given.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

import pytest

T = TypeVar("T")

Source = Literal["command line", "environment", "ini", "default"]
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def parse_bool(text: str) -> bool:
    """``1/true/yes/on`` and ``0/false/no/off``, any case."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected one of 1, true, yes, on, 0, false, no, off")


#: the accepted forms of every on/off option, for errors and the reference page
BOOL_FORMS = "1, true, yes, on, 0, false, no, off"


class FrozenRecord:
    """What ``@dataclass(frozen=True)`` gives a record: fields set once, compared, hashed and
    shown by value, in the order of ``FIELDS``. For the classes every run creates at
    startup (options, markers): creating a dataclass costs 2-4 M instructions (it compiles
    the source of its methods), this costs next to nothing."""

    __slots__: tuple[str, ...] = ()
    #: the fields in order (the sorted ``__slots__`` hold them)
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def _set_fields(self, *values: Any) -> None:
        for name, value in zip(self.FIELDS, values, strict=True):
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__qualname__}({fields})"


class Option(FrozenRecord, Generic[T]):
    """One user-facing setting.

    ``name`` is the stem: ``"require-gpu"`` gives ``--autoglm-require-gpu``, ini
    ``autoglm_require_gpu`` and ``AUTOGLM_REQUIRE_GPU``. ``parse`` turns text from any
    source into the value and raises ``ValueError`` with the accepted forms; ``accepted``
    repeats those forms for the error message and the reference docs.
    ``const``: for ``kind="value"``, the value of a bare ``--autoglm-NAME`` with no
    argument. ``ini_name``: an ini key overriding the derived one (``autoglm_env_files``
    for ``env-file``).
    """

    FIELDS = (
        "name", "help", "parse", "default", "kind", "metavar", "accepted", "const", "ini_name",
        "choices",
    )  # fmt: skip
    __slots__ = tuple(sorted(FIELDS))
    name: str
    help: str
    parse: Callable[[str], T]
    default: T
    kind: Literal["flag", "value", "list"]
    metavar: str | None
    accepted: str
    const: str | None
    ini_name: str | None
    choices: tuple[str, ...]

    def __init__(  # noqa: PLR0917 (the dataclass it was took them all positionally)
        self,
        name: str,
        help: str,
        parse: Callable[[str], T],
        default: T,
        kind: Literal["flag", "value", "list"] = "value",
        metavar: str | None = None,
        accepted: str = "",
        const: str | None = None,
        ini_name: str | None = None,
        choices: tuple[str, ...] = (),
    ) -> None:
        self._set_fields(
            name, help, parse, default, kind, metavar, accepted, const, ini_name, choices
        )

    @property
    def flag(self) -> str:
        return f"--autoglm-{self.name}"

    @property
    def ini(self) -> str:
        return self.ini_name or f"autoglm_{self.name.replace('-', '_')}"

    @property
    def env(self) -> str:
        return f"AUTOGLM_{self.name.replace('-', '_').upper()}"

    @property
    def dest(self) -> str:
        return f"autoglm_{self.name.replace('-', '_')}"

    # -- registration -----------------------------------------------------------------
    def register(self, group: pytest.OptionGroup, parser: pytest.Parser) -> None:
        help_text = f"{self.help} [env {self.env}, ini {self.ini}]"
        if self.kind == "flag":
            group.addoption(
                self.flag, action="store_true", default=None, dest=self.dest, help=help_text
            )
            # A string, parsed here: pytest's own "bool" ini type fails with a bare
            # "invalid truth value '2'" that does not name the key.
            parser.addini(self.ini, self.help, type="string", default=None)
        elif self.kind == "list":
            group.addoption(
                self.flag, action="append", default=None, dest=self.dest,
                metavar=self.metavar, help=f"{help_text} (repeatable)",
            )  # fmt: skip
            parser.addini(self.ini, self.help, type="linelist", default=None)
        else:
            extra: dict[str, Any] = {}
            if self.const is not None:
                extra = {"nargs": "?", "const": self.const}
            group.addoption(
                self.flag,
                default=None,
                dest=self.dest,
                metavar=self.metavar,
                help=help_text,
                **extra,
            )
            parser.addini(self.ini, self.help, type="string", default=None)

    # -- resolution -------------------------------------------------------------------
    def raw(self, config: pytest.Config) -> tuple[Source, Any]:
        """The unparsed value and where it came from, by precedence."""
        cli = config.getoption(self.dest, default=None)
        if cli is not None:
            return "command line", cli
        env = os.environ.get(self.env)
        if env is not None and env.strip() != "":
            return "environment", env.split(os.pathsep) if self.kind == "list" else env
        ini = config.getini(self.ini)
        if ini is not None and ini not in ("", []):
            return "ini", ini
        return "default", self.default

    def resolve(self, config: pytest.Config) -> tuple[Source, T]:
        """The parsed value; a bad value raises ``pytest.UsageError`` naming the option."""
        source, raw = self.raw(config)
        if source == "default":
            return source, cast(T, raw)
        if self.kind == "flag" and isinstance(raw, bool):
            return source, cast(T, raw)
        try:
            if self.kind == "list":
                items = [raw] if isinstance(raw, str) else list(raw)
                return source, self.parse(os.pathsep.join(str(i) for i in items))
            return source, self.parse(str(raw))
        except ValueError as exc:
            where = {
                "command line": self.flag,
                "environment": f"{self.env} (environment)",
                "ini": f"{self.ini} (ini file)",
            }[source]
            reason = str(exc)
            shown = self.accepted and self.accepted not in reason
            accepted = f"; accepted: {self.accepted}" if shown else ""
            raise pytest.UsageError(f"{where}: invalid value {raw!r}: {reason}{accepted}") from None


def parse_list(text: str) -> tuple[str, ...]:
    """List options arrive joined with ``os.pathsep``; empty items are dropped."""
    return tuple(item for item in text.split(os.pathsep) if item.strip())


def flag_option(name: str, help: str) -> Option[bool]:
    """An on/off option, off by default: ``--autoglm-NAME``, or ``1/true/yes/on`` in env and ini."""
    return Option(name, help, parse_bool, False, kind="flag", accepted=BOOL_FORMS)
