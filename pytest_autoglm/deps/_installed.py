"""Installed distributions as their metadata declares them, read once and cheaply.

``importlib.metadata`` finds the distributions on a path (``sys.path`` by default). Their
headers are scanned here directly rather than through ``email.parser``, which parses the
whole long description again for every attribute read: the conflict check reads every
installed distribution, and this keeps it well inside its time budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

_SEPARATORS = re.compile(r"[-_.]+")
_HEADERS_END = re.compile(r"\r?\n[ \t]*\r?\n")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, as pip compares names: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return _SEPARATORS.sub("-", name).lower()


@dataclass(frozen=True)
class Installed:
    """One installed distribution: name and version as declared, raw ``Requires-Dist`` lines."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    #: ``Provides-Extra`` names, canonical; empty when the metadata declares none.
    extras: frozenset[str] = frozenset()
    #: the ``Requires-Python`` specifier as declared (``""``: none)
    requires_python: str = ""

    @property
    def key(self) -> str:
        return canonical_name(self.name)


def scan_headers(text: str) -> dict[str, list[str]]:
    """The metadata headers (before the first blank line), keys lower-cased, folded lines joined."""
    end = _HEADERS_END.search(text)  # the long description after it is never copied
    head = text[: end.start()] if end else text
    headers: dict[str, list[str]] = {}
    values: list[str] | None = None
    for line in head.splitlines():
        if line[:1] in (" ", "\t"):
            if values:
                values[-1] = f"{values[-1]} {line.strip()}".strip()
            continue
        key, colon, value = line.partition(":")
        if not colon:
            continue
        values = headers.setdefault(key.strip().lower(), [])
        values.append(value.strip())
    return headers


def read_installed(dist: metadata.Distribution) -> Installed | None:
    """The declared facts of one distribution, or ``None`` when its metadata is unreadable."""
    try:
        text = dist.read_text("METADATA")
        legacy = text is None  # an .egg-info keeps PKG-INFO and requires.txt instead
        if legacy:
            text = dist.read_text("PKG-INFO")
    except (OSError, UnicodeDecodeError):
        return None
    if not text:
        return None
    headers = scan_headers(text)
    name = next(iter(headers.get("name", ())), "")
    if not name:
        return None
    requires = headers.get("requires-dist", [])
    if not requires and legacy:
        try:
            requires = list(
                dist.requires or ()
            )  # importlib turns requires.txt sections into markers
        except (OSError, UnicodeDecodeError):
            requires = []
    return Installed(
        name=name,
        version=next(iter(headers.get("version", ())), ""),
        requires=tuple(requires),
        extras=frozenset(canonical_name(e) for e in headers.get("provides-extra", ())),
        requires_python=next(iter(headers.get("requires-python", ())), ""),
    )


def _search(path: Sequence[str] | None, **context: Any) -> Iterator[metadata.Distribution]:
    if path is not None:
        context["path"] = list(path)
    return iter(metadata.distributions(**context))


def iter_installed(path: Sequence[str] | None = None) -> Iterator[Installed]:
    """Every readable distribution on ``path`` (default ``sys.path``), duplicates included."""
    for dist in _search(path):
        installed = read_installed(dist)
        if installed is not None:
            yield installed


def installed_distributions(path: Sequence[str] | None = None) -> dict[str, Installed]:
    """Installed distributions by canonical name; the first on the path wins, as for imports and pip."""
    found: dict[str, Installed] = {}
    for installed in iter_installed(path):
        found.setdefault(installed.key, installed)
    return found


def find_installed(name: str, path: Sequence[str] | None = None) -> Installed | None:
    """The distribution that ``import`` would see for ``name`` (any spelling), or ``None``."""
    for dist in _search(path, name=name):
        installed = read_installed(dist)
        if installed is not None:
            return installed
    return None


class Lookup:
    """Installed distributions looked up by name on demand and remembered (one per session)."""

    def __init__(self, path: Sequence[str] | None = None) -> None:
        self.path = None if path is None else tuple(path)
        self._found: dict[str, Installed | None] = {}

    def __call__(self, name: str) -> Installed | None:
        key = canonical_name(name)
        if key not in self._found:
            self._found[key] = find_installed(name, self.path)
        return self._found[key]
