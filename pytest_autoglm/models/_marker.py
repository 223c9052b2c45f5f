"""The arguments of ``@pytest.mark.autoglm_model``, checked when the marker is read."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True, kw_only=True)
class ModelMarkerOptions:
    """Arguments of ``@pytest.mark.autoglm_model``; typos fail at collection."""

    path: str | os.PathLike[str] | None = None
    sha256: str | Mapping[str, str] | None = None
    manifest: str | os.PathLike[str] | None = None
    trust_pickle: bool = False
    transformers: bool | None = None

    def __post_init__(self) -> None:
        for name in ("path", "manifest"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str | os.PathLike):
                raise ValueError(f"{name}={value!r}: expected a path string")
        if self.sha256 is not None and not isinstance(self.sha256, str | Mapping):
            raise ValueError(
                f"sha256={self.sha256!r}: expected a hex digest or a mapping of file to digest"
            )
        pins = [self.sha256] if isinstance(self.sha256, str) else list((self.sha256 or {}).values())
        for pin in pins:
            if not (isinstance(pin, str) and _SHA256.fullmatch(pin)):
                raise ValueError(f"sha256 pin {pin!r}: expected 64 hex digits")
        if not isinstance(self.trust_pickle, bool):
            raise ValueError(f"trust_pickle={self.trust_pickle!r}: expected True or False")
        if self.transformers is not None and not isinstance(self.transformers, bool):
            raise ValueError(f"transformers={self.transformers!r}: expected None, True or False")
