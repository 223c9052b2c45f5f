"""The environment-wide check behind ``--autoglm-check-deps``: what ``pip check`` reports.

Every installed distribution's declared requirements are checked against what is
installed, as ``pip check`` does: only requirements whose environment marker holds here,
extras nobody requested skipped, installed pre-releases admitted (see ``_requires``), a
requirement that does not parse reported rather than fatal. One step further than
``pip check``: an extra that an installed distribution requests (vLLM asks for
``fastapi[standard]``) is checked too, reported as ``fastapi[standard]``.

One step short of it: a requirement plainly gated by an extra (``; extra == "test"``) is
parsed only when that extra is requested, so a malformed one of those goes unreported
until then. Parsing is most of the cost, and most requirements are of that kind.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_autoglm._reasons import need_found
from pytest_autoglm.deps._ignore import IgnoreRule, as_rules
from pytest_autoglm.deps._installed import Installed, canonical_name, installed_distributions
from pytest_autoglm.deps._requires import (
    applies,
    describe_version,
    version_satisfies,
    without_marker,
)

if TYPE_CHECKING:
    from packaging.requirements import Requirement


@dataclass(frozen=True)
class DependencyConflict:
    """A requirement that an installed distribution declares and the environment does not meet."""

    #: the distribution that declares it, as declared (``fastapi[standard]`` for an extra)
    owner: str
    owner_version: str
    #: canonical name of the distribution it requires (best guess when it does not parse)
    dependency: str
    #: the requirement as declared, without its environment marker
    need: str
    #: the installed version, ``not installed``, or why the requirement cannot be read
    found: str

    def __str__(self) -> str:
        return f"{self.owner} {self.owner_version}: {need_found(self.need, self.found)}"

    @property
    def owner_key(self) -> str:
        """Canonical name of the owner, without an extra: the left side of an ignore entry."""
        return canonical_name(self.owner.split("[", 1)[0])

    @property
    def ignore_entry(self) -> str:
        """The ``autoglm_ignore_conflicts`` entry that silences this conflict."""
        return f"{self.owner_key}: {self.dependency}"


@dataclass(frozen=True)
class DependencyReport:
    """What :func:`check_dependencies` found: conflicts, ignored ones, and unused ignore entries."""

    #: how many distinct distributions were checked
    distributions: int
    conflicts: tuple[DependencyConflict, ...]
    ignored: tuple[DependencyConflict, ...] = ()
    #: ignore entries that matched no conflict (stale, or misspelt)
    unused_ignores: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        return not self.conflicts


_Parsed = tuple[str, "Requirement | None", str]  # raw text, requirement, parse error

#: ``extra == "name"`` as one clause of a marker without ``or``: such a requirement applies
#: only when that extra is requested (most ``Requires-Dist`` lines in an ML environment).
_EXTRA_CLAUSE = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']""")
_OR = re.compile(r"\bor\b")
#: the name a malformed requirement probably meant, for its ignore entry
_LEADING_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def _gated_by(raw: str) -> str | None:
    """The extra a requirement is surely gated by, read without parsing it; else ``None``."""
    _, semicolon, marker = raw.rpartition(";")
    if not semicolon or _OR.search(marker):
        return None
    match = _EXTRA_CLAUSE.search(marker)
    return canonical_name(match.group(1)) if match else None


def _parse(raw: str) -> _Parsed:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return raw, Requirement(raw), ""
    except InvalidRequirement as exc:
        return raw, None, str(exc).splitlines()[0]


@dataclass
class _Declared:
    """One distribution's requirements: parsed now, or left raw until their extra is requested.

    Parsing is most of the check's cost, and most requirements belong to extras that
    nothing requests, so those are parsed only when needed.
    """

    parsed: list[_Parsed]
    gated: dict[str, list[str]]

    @classmethod
    def of(cls, dist: Installed) -> _Declared:
        parsed: list[_Parsed] = []
        gated: dict[str, list[str]] = {}
        for raw in dist.requires:
            extra = _gated_by(raw)
            if extra is None:
                parsed.append(_parse(raw))
            else:
                gated.setdefault(extra, []).append(raw)
        return cls(parsed, gated)

    def for_extra(self, extra: str) -> list[_Parsed]:
        """Requirements that apply with ``extra`` requested and not without it (parsed)."""
        return [
            *(p for p in self.parsed if p[1] is not None and not applies(p[1])),
            *(_parse(raw) for raw in self.gated.get(extra, ())),
        ]


def _problem(
    owner: str, dist: Installed, raw: str, req: Requirement, found: Installed | None
) -> DependencyConflict | None:
    need = without_marker(raw, req)
    dependency = canonical_name(req.name)
    if found is None:
        return DependencyConflict(owner, dist.version, dependency, need, "not installed")
    if not version_satisfies(req.specifier, found.version):
        found_text = describe_version(found.version)
        return DependencyConflict(owner, dist.version, dependency, need, found_text)
    return None


def find_conflicts(dists: dict[str, Installed]) -> list[DependencyConflict]:
    """Every unmet requirement among ``dists`` (canonical name -> distribution)."""
    conflicts: list[DependencyConflict] = []
    declared = {key: _Declared.of(dist) for key, dist in dists.items()}
    # (distribution, extra) pairs still to check; "" is the distribution itself.
    todo = [(key, "") for key in dists]
    seen = set(todo)
    while todo:
        key, extra = todo.pop()
        dist = dists[key]
        owner = f"{dist.name}[{extra}]" if extra else dist.name
        requirements = declared[key].for_extra(extra) if extra else declared[key].parsed
        for raw, req, error in requirements:
            if req is None:
                unreadable = f"a requirement that does not parse ({error})"
                name = _LEADING_NAME.match(raw)
                dependency = canonical_name(name.group(0)) if name else "*"
                conflicts.append(
                    DependencyConflict(owner, dist.version, dependency, raw, unreadable)
                )
                continue
            if not applies(req, extra):
                continue  # not for this environment
            problem = _problem(owner, dist, raw, req, dists.get(canonical_name(req.name)))
            if problem is not None:
                conflicts.append(problem)
                continue
            for wanted in req.extras:
                pair = (canonical_name(req.name), canonical_name(wanted))
                if pair not in seen and pair[0] in dists:
                    seen.add(pair)
                    todo.append(pair)
    return sorted(conflicts, key=lambda c: (c.owner_key, c.owner, c.dependency, c.need))


def check_dependencies(
    *, ignore: str | Iterable[str | IgnoreRule] = (), path: Sequence[str] | None = None
) -> DependencyReport:
    """Check every distribution installed on ``path`` (default ``sys.path``), like ``pip check``.

    ``ignore`` takes entries such as ``"vllm: transformers"`` (see :class:`IgnoreRule`);
    the conflicts they match move to ``ignored``, entries that match nothing are listed
    in ``unused_ignores``.
    """
    start = time.perf_counter()
    rules = as_rules(ignore)
    dists = installed_distributions(path)
    kept: list[DependencyConflict] = []
    ignored: list[DependencyConflict] = []
    used: set[IgnoreRule] = set()
    for conflict in find_conflicts(dists):
        matched = [r for r in rules if r.matches(conflict.owner_key, conflict.dependency)]
        used.update(matched)
        (ignored if matched else kept).append(conflict)
    return DependencyReport(
        distributions=len(dists),
        conflicts=tuple(kept),
        ignored=tuple(ignored),
        unused_ignores=tuple(str(r) for r in rules if r not in used),
        seconds=time.perf_counter() - start,
    )
