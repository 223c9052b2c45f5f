"""PEP 508 requirements checked against installed distributions (``@pytest.mark.autoglm_requires``).

Versions are compared the way pip compares an *installed* distribution with a
requirement: pre-releases are admitted (``SpecifierSet.contains(v, prereleases=True)``, in
``pip check``, in the resolver's "already satisfied" test, and in ``req_install``). The
usual exclusions of PEP 440 still hold, so ``5.0.0rc1`` meets ``>=5.0.0rc0`` and
``>=4.25`` but not ``>=5`` nor ``<5``. pip's stricter rule (no pre-releases unless the
specifier names one, or ``--pre``) is for choosing what to *download*, not for judging
what is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_autoglm._reasons import need_found
from pytest_autoglm.deps._installed import Installed, Lookup, canonical_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

EXAMPLE = '"torch>=2.1" or "transformers>=4.25,<6; python_version>=\'3.10\'"'


class DependencyError(ValueError):
    """A requirement or ignore entry that does not parse; the message names it and the fix."""


def _article(noun: str) -> str:
    """``a list``, ``an int``: the type name as a message reads it."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def parse_requirement(text: object) -> Requirement:
    """A PEP 508 requirement; anything else raises :class:`DependencyError` naming the value."""
    from packaging.requirements import InvalidRequirement, Requirement

    if not isinstance(text, str):
        raise DependencyError(
            f"requirement {text!r} is {_article(type(text).__name__)}, not a string: "
            f"write each requirement as a PEP 508 string, such as {EXAMPLE}"
        )
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        detail = str(exc).splitlines()[0]
        raise DependencyError(
            f"invalid requirement {text!r} ({detail}): write a PEP 508 requirement, such as {EXAMPLE}"
        ) from None


def without_marker(text: str, requirement: Requirement) -> str:
    """The requirement as written, minus its environment marker (it applied, so it is noise)."""
    if requirement.marker is None:
        return text.strip()
    return text.rsplit(";", 1)[0].strip()


def applies(requirement: Requirement, extra: str = "") -> bool:
    """Whether the environment marker holds here (for ``extra``; ``""`` means no extra requested)."""
    return requirement.marker is None or requirement.marker.evaluate({"extra": extra})


def version_satisfies(specifier: SpecifierSet, version: str) -> bool:
    """pip's rule for installed versions: pre-releases admitted; an unparseable version meets only ``""``."""
    from packaging.version import InvalidVersion, Version

    if not specifier:
        return True
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    return specifier.contains(parsed, prereleases=True)


def describe_version(version: str) -> str:
    """The installed version for a report, flagged when PEP 440 cannot compare it."""
    from packaging.version import InvalidVersion, Version

    try:
        Version(version)
    except InvalidVersion:
        return f"{version or '(no version)'} (not a PEP 440 version)"
    return version


@dataclass(frozen=True)
class UnmetRequirement:
    """A requirement the environment does not meet, and what was found instead."""

    #: the requirement as written, without its environment marker
    requirement: str
    #: the distribution it names, as written
    name: str
    #: ``"4.57.1"``, ``"not installed"``, ``"0.1.0 without extra 'cuda'"``, ...
    found: str

    @property
    def reason(self) -> str:
        """``needs transformers>=5.0.0rc0; found 4.57.1``."""
        return need_found(self.requirement, self.found)


def unmet_reason(unmet: Sequence[UnmetRequirement]) -> str:
    """One skip/failure reason for all unmet requirements of a test, in the one template."""
    if len(unmet) == 1:
        return unmet[0].reason
    need = ", ".join(u.requirement for u in unmet)
    found = ", ".join(f"{u.name} {u.found}" for u in unmet)
    return need_found(need, found)


def _extra_problem(
    dist: Installed, extra: str, lookup: Callable[[str], Installed | None]
) -> str | None:
    """Why ``dist[extra]`` is not usable, or ``None``: each requirement the extra adds must be met."""
    from packaging.requirements import InvalidRequirement, Requirement

    key = canonical_name(extra)
    if dist.extras and key not in dist.extras:
        return f"without extra {extra!r}"
    for raw in dist.requires:
        try:
            dep = Requirement(raw)
        except InvalidRequirement:
            continue  # broken metadata is the conflict check's finding, not this test's
        if not applies(dep, key) or applies(dep):
            continue  # only what this extra adds; the base requirements are always there
        found = lookup(dep.name)
        need = without_marker(raw, dep)
        if found is None:
            return f"with {dep.name} not installed (extra {extra!r} needs {need})"
        if not version_satisfies(dep.specifier, found.version):
            return f"with {dep.name} {found.version} (extra {extra!r} needs {need})"
    return None


def _python_problem(dist: Installed) -> str | None:
    """Why this Python is outside the distribution's ``Requires-Python``, or ``None``.

    An install with ``--ignore-requires-python`` (phone-agent 0.1.1 declares >= 3.12) is
    one the authors never ran: say so rather than pass on the version alone.
    """
    import platform

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not dist.requires_python:
        return None
    try:
        allowed = SpecifierSet(dist.requires_python)
    except InvalidSpecifier:
        return None  # broken metadata is the conflict check's finding, not this test's
    here = platform.python_version()
    if allowed.contains(here, prereleases=True):
        return None
    return f"(declares Requires-Python {dist.requires_python}; this is Python {here})"


def check_requirement(
    text: str, requirement: Requirement, lookup: Callable[[str], Installed | None]
) -> UnmetRequirement | None:
    """What is wrong with one parsed requirement here, or ``None`` when it is met or does not apply."""
    if not applies(requirement):
        return None
    shown = without_marker(text, requirement)
    dist = lookup(requirement.name)
    if dist is None:
        return UnmetRequirement(shown, requirement.name, "not installed")
    if not version_satisfies(requirement.specifier, dist.version):
        return UnmetRequirement(shown, requirement.name, describe_version(dist.version))
    python = _python_problem(dist)
    if python is not None:
        return UnmetRequirement(shown, requirement.name, f"{dist.version} {python}")
    for extra in sorted(requirement.extras):
        problem = _extra_problem(dist, extra, lookup)
        if problem is not None:
            return UnmetRequirement(shown, requirement.name, f"{dist.version} {problem}")
    return None


def unmet_requirements(
    requirements: Iterable[str], *, path: Sequence[str] | None = None
) -> list[UnmetRequirement]:
    """The PEP 508 requirements that the distributions installed on ``path`` do not meet.

    ``path`` defaults to ``sys.path``. A requirement whose environment marker is false
    here does not apply and is never unmet; ``name[extra]`` also needs what the extra
    adds. A string that is not PEP 508 raises :class:`DependencyError`.
    """
    lookup = Lookup(path)
    parsed = [(text, parse_requirement(text)) for text in requirements]
    return [u for text, req in parsed if (u := check_requirement(text, req, lookup)) is not None]
