"""One Settings per session: each declared option resolved once, by precedence.

Options resolve on first use (the entry point resolves them all in ``pytest_configure``,
so a bad value still stops the run before collection). This module needs no list of the
capabilities' options, so nothing it imports leads back to a capability plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

import pytest

from pytest_autoglm._options import Option, Source

T = TypeVar("T")


class Settings:
    """The effective value of every option, each resolved once per session.

    Read it with ``settings[OPTION]`` (typed by the option) from hooks and fixtures;
    :func:`settings_of` fetches it from the pytest stash. A value, once resolved, never
    changes for the rest of the session.
    """

    __slots__ = ("_config", "_sources", "_values")

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._values: dict[str, Any] = {}
        self._sources: dict[str, Source] = {}

    def _resolve(self, option: Option[Any]) -> None:
        try:
            self._sources[option.name], self._values[option.name] = option.resolve(self._config)
        except ValueError as exc:  # pytest's getini: an ini key nobody registered
            raise KeyError(
                f"option {option.flag} is not registered with the autoglm plugin ({exc})"
            ) from None

    def resolve_all(self, options: Iterable[Option[Any]]) -> None:
        """Resolve every option now (a bad value raises ``pytest.UsageError`` naming it);
        :meth:`explicit` then lists them in this order."""
        names = []
        for option in options:
            names.append(option.name)
            if option.name not in self._values:
                self._resolve(option)
        self._sources = {name: self._sources[name] for name in names} | self._sources

    def __getitem__(self, option: Option[T]) -> T:
        if option.name not in self._values:
            self._resolve(option)
        return cast(T, self._values[option.name])

    def source(self, option: Option[Any]) -> Source:
        if option.name not in self._sources:
            self._resolve(option)
        return self._sources[option.name]

    def explicit(self) -> Sequence[str]:
        """``--autoglm-x=value`` for every resolved option not at its default (for the header)."""
        return [
            f"{name}={self._values[name]!r}"
            for name, src in self._sources.items()
            if src != "default"
        ]


SETTINGS_KEY = pytest.StashKey[Settings]()


def settings_of(config: pytest.Config) -> Settings:
    """The session's settings, kept in the pytest stash."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        settings = config.stash[SETTINGS_KEY] = Settings(config)
    return settings
