"""One profile per real server flavour and version: its texts, body shapes and validation.

A new vLLM release is one new module here (a :class:`Profile` subclass of the nearest
older release, overriding what changed) plus its goldens (``./dev fidelity --record``).
:func:`profile_for` picks the profile of a flavour and version: the nearest known
version at or below the one asked for.
"""

from __future__ import annotations

from functools import cache

from pytest_autoglm.server._profiles._base import Profile
from pytest_autoglm.server._profiles.bigmodel import BigModel
from pytest_autoglm.server._profiles.openai import OpenAI
from pytest_autoglm.server._profiles.sglang_0_5_6 import SGLang056
from pytest_autoglm.server._profiles.vllm_0_12_0 import Vllm0120
from pytest_autoglm.server._profiles.vllm_0_32_0 import Vllm0320

__all__ = ["KNOWN", "Profile", "ProfileError", "default_version", "profile_for"]

#: flavour -> its profiles, oldest first; the first is the flavour's default version
KNOWN: dict[str, tuple[type[Profile], ...]] = {
    "vllm": (Vllm0120, Vllm0320),
    "sglang": (SGLang056,),
    "bigmodel": (BigModel,),
    "openai": (OpenAI,),
}
#: flavours whose profile does not depend on the version (hosted APIs)
_VERSIONLESS = frozenset({"bigmodel", "openai"})


class ProfileError(ValueError):
    """No profile fits the flavour and version asked for; the message lists the known ones."""


def default_version(flavour: str) -> str:
    """The version a flavour answers when none is asked for (vLLM: 0.12.0)."""
    return _known(flavour)[0].version


@cache
def profile_for(flavour: str, version: str | None = None) -> Profile:
    """The profile of ``flavour`` at ``version``: the nearest known release at or below it."""
    from packaging.version import InvalidVersion, Version

    profiles = _known(flavour)
    if version is None or flavour in _VERSIONLESS:
        return profiles[0]()
    try:
        wanted = Version(version)
    except InvalidVersion:
        raise ProfileError(
            f"version={version!r} is not a version number; write it as /version answers it, "
            f"e.g. {profiles[-1].version!r}"
        ) from None
    fitting = [p for p in profiles if Version(p.version) <= wanted]
    if not fitting:
        known = ", ".join(p.version for p in profiles)
        raise ProfileError(
            f"version={version!r} is older than every known {flavour} profile ({known}); "
            f"pass version={profiles[0].version!r} or newer"
        )
    return fitting[-1]()


def _known(flavour: str) -> tuple[type[Profile], ...]:
    try:
        return KNOWN[flavour]
    except KeyError:
        raise ProfileError(
            f"unknown server flavour {flavour!r}; accepted: {', '.join(KNOWN)}"
        ) from None
