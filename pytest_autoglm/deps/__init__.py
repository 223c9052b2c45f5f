"""Dependency checks: PEP 508 requirements for tests, and a ``pip check`` of the environment.

- :func:`unmet_requirements` backs ``@pytest.mark.autoglm_requires("torch>=2.1")``: a
  test runs when every requirement is met, and skips (or fails, under
  ``--autoglm-require-deps``) with ``needs transformers>=5.0.0rc0; found 4.57.1``.
- :func:`check_dependencies` backs ``--autoglm-check-deps``: every installed
  distribution's declared requirements checked against what is installed, as
  ``pip check`` does, with known conflicts silenced by ``autoglm_ignore_conflicts``.

Installed pre-releases are judged as pip judges installed distributions: admitted, so
``5.0.0rc1`` meets ``>=5.0.0rc0`` but not ``<5``. Needs ``packaging`` (a dependency of the
kit), imported only when a check runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "DependencyConflict": "_conflicts",
    "DependencyError": "_requires",
    "DependencyReport": "_conflicts",
    "IgnoreRule": "_ignore",
    "UnmetRequirement": "_requires",
    "check_dependencies": "_conflicts",
    "parse_ignore_rules": "_ignore",
    "unmet_requirements": "_requires",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.deps._conflicts import DependencyConflict as DependencyConflict
    from pytest_autoglm.deps._conflicts import DependencyReport as DependencyReport
    from pytest_autoglm.deps._conflicts import check_dependencies as check_dependencies
    from pytest_autoglm.deps._ignore import IgnoreRule as IgnoreRule
    from pytest_autoglm.deps._ignore import parse_ignore_rules as parse_ignore_rules
    from pytest_autoglm.deps._requires import DependencyError as DependencyError
    from pytest_autoglm.deps._requires import UnmetRequirement as UnmetRequirement
    from pytest_autoglm.deps._requires import unmet_requirements as unmet_requirements

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
