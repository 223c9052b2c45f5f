"""Ignore entries for the conflict check: ``vllm: transformers`` silences one known conflict.

An entry is ``OWNER: DEPENDENCY``: the distribution that declares the requirement, then
the distribution it names; either may be ``*``. Entries are separated by new lines (ini),
commas, or the path separator (how list options arrive from the environment). Because
the POSIX path separator is also ``:``, every entry must name both sides (write
``vllm: *``, not ``vllm``); the names then pair up unambiguously.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pytest_autoglm.deps._installed import canonical_name
from pytest_autoglm.deps._requires import DependencyError

_NAME = re.compile(r"^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])(\[[^\]]*\])?$", re.IGNORECASE)
_SPLIT = re.compile(f"[:,\n{re.escape(os.pathsep)}]")


@dataclass(frozen=True, repr=False)
class IgnoreRule:
    """One ignore entry: requirements of ``owner`` on ``dependency`` (canonical names or ``*``)."""

    owner: str
    dependency: str

    def __str__(self) -> str:
        return f"{self.owner}: {self.dependency}"

    def __repr__(self) -> str:  # the header's options list shows entries as they are written
        return repr(str(self))

    def matches(self, owner: str, dependency: str) -> bool:
        """Whether a requirement of ``owner`` on ``dependency`` (canonical names) is silenced."""
        return self.owner in ("*", owner) and self.dependency in ("*", dependency)


def _name(token: str, text: str) -> str:
    if token == "*":
        return token
    if not token:
        raise DependencyError(f"an entry in {text!r} is missing a name")
    if not _NAME.match(token):
        raise DependencyError(f"{token!r} (in {text!r}) is not a distribution name or *")
    return canonical_name(token.split("[", 1)[0])


def parse_ignore_rules(text: str) -> tuple[IgnoreRule, ...]:
    """``"vllm: transformers, torch: *"`` -> two rules; a malformed entry raises :class:`DependencyError`."""
    if not text.strip():
        return ()
    names = [_name(token.strip(), text) for token in _SPLIT.split(text.strip())]
    if len(names) % 2:
        raise DependencyError(
            f"{text!r} holds {len(names)} name(s), not pairs: each entry names two, "
            "OWNER: DEPENDENCY (write 'vllm: *' to silence all of vllm's requirements)"
        )
    return tuple(IgnoreRule(owner, dep) for owner, dep in zip(names[::2], names[1::2], strict=True))


def as_rules(ignore: str | Iterable[str | IgnoreRule]) -> tuple[IgnoreRule, ...]:
    """Rules from a string, strings, or rules already parsed."""
    if isinstance(ignore, str):
        return parse_ignore_rules(ignore)
    rules: list[IgnoreRule] = []
    for item in ignore:
        rules.extend([item] if isinstance(item, IgnoreRule) else parse_ignore_rules(item))
    return tuple(rules)
