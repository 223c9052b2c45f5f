"""Hooks and options of the strategies capability: the ``autoglm-ci`` hypothesis profile.

The profile is registered lazily. Importing hypothesis costs about 0.1 s, so this
module never imports it at plugin load; ``pytest_configure`` (tryfirst, so before
hypothesis's own plugin reads ``--hypothesis-profile``) imports it only when a run
needs the profile: ``--autoglm-hypothesis-profile`` is set, ``--hypothesis-profile``
is given (hypothesis's plugin imports hypothesis then anyway), or hypothesis is
already imported (by a conftest). ``import pytest_autoglm.strategies`` registers it
too, so ``settings.load_profile("autoglm-ci")`` works wherever the strategies are used.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from pytest_autoglm._markers import MarkerSpec
from pytest_autoglm._options import Option
from pytest_autoglm._plugins import plugin_dir
from pytest_autoglm._settings import settings_of

#: the name strategies._profile registers (not imported here: that package imports hypothesis)
CI_PROFILE = "autoglm-ci"
#: a profile name (compiled on first use: compiling a pattern at startup costs every run)
_PROFILE_NAME = r"[\w.:-]+"


def parse_profile(text: str) -> str | None:
    """A profile name (letters, digits, ``_ . : -``); empty means none."""
    name = text.strip()
    if not name:
        return None
    if not re.fullmatch(_PROFILE_NAME, name):
        raise ValueError(
            "a hypothesis profile name has no spaces or punctuation other than _ . : -"
        )
    return name


HYPOTHESIS_PROFILE: Option[str | None] = Option(
    "hypothesis-profile",
    "Load this hypothesis settings profile for the run: 'autoglm-ci' (derandomized, no "
    "deadline, failing examples printed as reproduce blobs) or any profile registered in "
    "a conftest.py.",
    parse_profile,
    None,
    metavar="NAME",
    accepted=f"{CI_PROFILE!r} or the name of a profile registered before pytest_configure",
)

OPTIONS: tuple[Option[Any], ...] = (HYPOTHESIS_PROFILE,)
MARKERS: tuple[MarkerSpec[Any], ...] = ()


def _needs_hypothesis(config: pytest.Config) -> bool:
    return (
        "hypothesis" in sys.modules
        or settings_of(config)[HYPOTHESIS_PROFILE] is not None
        or bool(config.getoption("hypothesis_profile", None))
    )


_PREVIOUS_PROFILE = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not _needs_hypothesis(config):
        return
    from pytest_autoglm.strategies._profile import register_ci_profile

    register_ci_profile()
    name = settings_of(config)[HYPOTHESIS_PROFILE]
    if name is None:
        return
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    previous = settings.get_current_profile_name()
    try:
        # Look the name up first: load_profile() records an unknown name as the current
        # profile before it raises, which breaks every later register_profile() call.
        settings.get_profile(name)
    except InvalidArgument:
        known = ", ".join(sorted(getattr(settings, "_profiles", ())))  # no public listing
        raise pytest.UsageError(
            f"{HYPOTHESIS_PROFILE.flag}: invalid value {name!r}: no hypothesis profile of that "
            f"name; registered: {known}. Register yours with settings.register_profile() in "
            "a conftest.py."
        ) from None
    settings.load_profile(name)
    config.stash[_PREVIOUS_PROFILE] = previous


def pytest_unconfigure(config: pytest.Config) -> None:
    # The loaded profile is process-global: put back the one we replaced, so an in-process
    # pytest run (pytester) does not change the settings of the run around it.
    previous = config.stash.get(_PREVIOUS_PROFILE, None)
    if previous is not None:
        from hypothesis import settings

        settings.load_profile(previous)


def autoglm_header(config: pytest.Config) -> str | None:
    name = settings_of(config)[HYPOTHESIS_PROFILE]
    if name is None and "hypothesis" in sys.modules:
        from hypothesis import settings

        current = settings.get_current_profile_name()  # e.g. set by --hypothesis-profile
        name = current if current == CI_PROFILE else None
    return f"hypothesis profile {name}" if name is not None else None


__dir__ = plugin_dir(globals())
