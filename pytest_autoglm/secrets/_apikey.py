"""The model API key as a value that works everywhere a ``str`` does but never shows itself."""

from __future__ import annotations

from collections.abc import Mapping

#: Where the key is looked up, first match wins: the kit's own name, then Open-AutoGLM's.
KEY_VARIABLES: tuple[str, ...] = ("AUTOGLM_API_KEY", "PHONE_AGENT_API_KEY")

NO_KEY_REASON = "no API key (set AUTOGLM_API_KEY or add it to .env)"


class ApiKey(str):
    """An API key: the real value, with a masked ``repr``.

    ``str(key)``, ``f"Bearer {key}"``, ``key + ...`` and passing it to a client give the
    real key, because clients must send it; masking ``str()`` would put ``***`` into
    the ``Authorization`` header. What is masked is ``repr(key)``, which is what pytest
    shows for assertion operands and ``-l`` locals: ``ApiKey('***', source='AUTOGLM_API_KEY')``.
    Anything else that prints the real value (a diff, ``print``, a log record) is caught
    by redaction, because the fixture registers the value as a secret.
    """

    source: str

    def __new__(cls, value: str, source: str = "") -> ApiKey:
        key = super().__new__(cls, value)
        key.source = source
        return key

    def __repr__(self) -> str:
        return f"ApiKey('***', source={self.source!r})"


def find_api_key(environ: Mapping[str, str]) -> ApiKey | None:
    """The first non-blank of ``AUTOGLM_API_KEY`` and ``PHONE_AGENT_API_KEY``, else None."""
    for name in KEY_VARIABLES:
        value = environ.get(name, "")
        if value.strip():
            return ApiKey(value, source=name)
    return None
