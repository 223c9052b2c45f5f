"""One frozen Settings per session: every declared option resolved once, by precedence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar, cast

import pytest

from pytest_autoglm._options import Option, Source

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """The effective value of every option, resolved once per session.

    Read it with ``settings[OPTION]`` (typed by the option) from hooks and fixtures;
    :func:`settings_of` fetches it from the pytest stash.
    """

    values: Mapping[str, Any]
    sources: Mapping[str, Source]

    @classmethod
    def resolve(cls, config: pytest.Config, options: Iterable[Option[Any]]) -> Settings:
        values: dict[str, Any] = {}
        sources: dict[str, Source] = {}
        for option in options:
            sources[option.name], values[option.name] = option.resolve(config)
        return cls(MappingProxyType(values), MappingProxyType(sources))

    def __getitem__(self, option: Option[T]) -> T:
        try:
            return cast(T, self.values[option.name])
        except KeyError:
            raise KeyError(
                f"option {option.flag} is not registered with the autoglm plugin"
            ) from None

    def source(self, option: Option[Any]) -> Source:
        return self.sources[option.name]

    def explicit(self) -> Sequence[str]:
        """``--autoglm-x=value`` for every option not at its default (for the header)."""
        return [
            f"{name}={self.values[name]!r}"
            for name, src in self.sources.items()
            if src != "default"
        ]


SETTINGS_KEY = pytest.StashKey[Settings]()


def settings_of(config: pytest.Config) -> Settings:
    """The session's settings, resolved on first use and kept in the pytest stash."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        from pytest_autoglm.plugin import all_options

        settings = Settings.resolve(config, all_options())
        config.stash[SETTINGS_KEY] = settings
    return settings
