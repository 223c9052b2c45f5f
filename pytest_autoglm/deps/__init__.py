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

from pytest_autoglm.deps._conflicts import DependencyConflict, DependencyReport, check_dependencies
from pytest_autoglm.deps._ignore import IgnoreRule, parse_ignore_rules
from pytest_autoglm.deps._requires import DependencyError, UnmetRequirement, unmet_requirements

__all__ = [
    "DependencyConflict",
    "DependencyError",
    "DependencyReport",
    "IgnoreRule",
    "UnmetRequirement",
    "check_dependencies",
    "parse_ignore_rules",
    "unmet_requirements",
]
