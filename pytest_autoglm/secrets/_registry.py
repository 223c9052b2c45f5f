"""The session's secret registry: values that must never reach a report, and their redaction."""

from __future__ import annotations

import contextlib
import json
import threading
import warnings
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

#: What a secret is replaced by, everywhere.
MASK = "***"

#: Shorter values are not redacted: ``***`` in place of every ``1234`` or ``admin`` would
#: rewrite ordinary text all over a report (too many false hits).
MIN_SECRET_LENGTH = 8

#: pytest shortens long reprs and summary lines with ``...`` (``'sk-liv...ALUE123'``): a
#: piece of a secret this long or longer next to that ellipsis is redacted too.
MIN_FRAGMENT_LENGTH = 4
ELLIPSIS = "..."
_SHORTER = MIN_FRAGMENT_LENGTH - 1

#: Open-AutoGLM's placeholder key for local servers (``api_key="EMPTY"``): not a secret,
#: and too common to warn about.
PLACEHOLDERS = frozenset({"EMPTY"})


class ShortSecretWarning(pytest.PytestWarning):
    """A registered secret is shorter than 8 characters, so it is not redacted.

    Silence it with ``filterwarnings = ["ignore::pytest_autoglm.ShortSecretWarning"]``
    once you have checked that the value is harmless in reports.
    """


def spellings(value: str) -> tuple[str, ...]:
    """The value as it appears raw, in a Python repr, in JSON and URL-encoded.

    A report can show a secret escaped (``-l`` locals are reprs; report logs are JSON),
    so each escaped form is redacted too when it differs from the raw one.
    """
    forms = [value, repr(value)[1:-1], json.dumps(value)[1:-1], quote(value, safe="")]
    return tuple(dict.fromkeys(forms))


class SecretRegistry:
    """The values this session treats as secret, and the count of redactions made.

    One per pytest session, kept in ``config.stash``: get it with
    :func:`secret_registry`. Redaction replaces every registered value by ``***``.
    Thread-safe: the fake server may redact from its own thread.
    """

    def __init__(self, warn: Callable[[Warning], None] | None = None) -> None:
        # pytest's config-time warning channel shows the warning on every run; a bare
        # warnings.warn is shown once per call site and process (the registry swallows repeats).
        self._warn = warn or (lambda warning: warnings.warn(warning, stacklevel=4))
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}  # value -> the name it was first registered under
        self._needles: tuple[str, ...] = ()  # longest first, so a secret inside another goes too
        self._warned: set[str] = set()  # short values warned about (one warning per value)
        self._count = 0

    @contextlib.contextmanager
    def warnings_to(self, warn: Callable[[Warning], None]) -> Iterator[None]:
        """Send the :class:`ShortSecretWarning` of the ``add`` calls inside to ``warn``."""
        saved, self._warn = self._warn, warn
        try:
            yield
        finally:
            self._warn = saved

    def add(self, value: str, *, name: str) -> bool:
        """Register ``value`` (``name`` says where it came from, for messages only).

        Returns whether the value will be redacted. Empty values and Open-AutoGLM's
        ``EMPTY`` placeholder are ignored; values shorter than 8 characters are not
        redacted and raise a :class:`ShortSecretWarning` naming ``name`` (never the value),
        once per value.
        """
        value = str(value)
        if not value or value in PLACEHOLDERS:
            return False
        if len(value) < MIN_SECRET_LENGTH:
            if value not in self._warned:  # .env's AUTOGLM_API_KEY is also the variable's
                self._warned.add(value)
                self._warn(
                    ShortSecretWarning(
                        f"secret {name} is shorter than {MIN_SECRET_LENGTH} characters "
                        f"({len(value)}), so it is not redacted from reports (too many "
                        "false hits); use a longer value or keep it out of test output"
                    )
                )
            return False
        with self._lock:
            if value not in self._names:
                self._names[value] = name
                needles = {form for known in self._names for form in spellings(known)}
                self._needles = tuple(sorted(needles, key=len, reverse=True))
        return True

    @property
    def count(self) -> int:
        """How many occurrences of secrets have been replaced so far."""
        return self._count

    @property
    def names(self) -> tuple[str, ...]:
        """Where the registered secrets came from (``AUTOGLM_API_KEY``, ``.env:TOKEN``...)."""
        return tuple(dict.fromkeys(self._names.values()))

    @property
    def active(self) -> bool:
        """Whether anything is registered for redaction (the fast path when not)."""
        return bool(self._needles)

    def __len__(self) -> int:
        return len(self._names)

    def __bool__(self) -> bool:
        return True  # an empty registry is still a registry (``if registry:`` must not lie)

    def contains_secret(self, text: str) -> bool:
        """Whether ``text`` holds any registered secret (without counting anything)."""
        return any(needle in text for needle in self._needles)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``***``; counts each one."""
        needles = self._needles
        if not needles or not text:
            return text
        hits = 0
        for needle in needles:
            if needle in text:  # a C-level scan; the common case is no hit at all
                hits += text.count(needle)
                text = text.replace(needle, MASK)
        if ELLIPSIS in text:
            text, cut = _redact_fragments(text, needles)
            hits += cut
        if hits:
            with self._lock:
                self._count += hits
        return text

    def add_count(self, hits: int) -> None:
        """Add redactions made elsewhere (by xdist workers) to this registry's count."""
        with self._lock:
            self._count += hits


def _redact_fragments(text: str, needles: tuple[str, ...]) -> tuple[str, int]:
    """Mask the ends of secrets cut by pytest's ``...`` ellipsis, and count them.

    pytest shortens a long repr to its head and tail around ``...`` (assertion messages,
    ``-l`` locals) and cuts summary lines at the terminal width. A secret caught in the
    cut no longer matches whole, but its start stands just before the ellipsis, or its
    end just after it: ``'sk-liv...ALUE123'`` becomes ``'***...***'``.
    """
    spans: list[tuple[int, int]] = []
    start = text.find(ELLIPSIS)
    while start != -1:
        end = start + len(ELLIPSIS)
        before = after = 0
        # The shortest piece each side, to skip needles that cannot match (the common case).
        left = text[max(0, start - MIN_FRAGMENT_LENGTH) : start]
        right = text[end : end + MIN_FRAGMENT_LENGTH]
        for needle in needles:
            if len(left) == MIN_FRAGMENT_LENGTH and left in needle:
                for size in range(min(len(needle) - 1, start), max(before, _SHORTER), -1):
                    if text.startswith(needle[:size], start - size):
                        before = size
                        break
            if len(right) == MIN_FRAGMENT_LENGTH and right in needle:
                for size in range(min(len(needle) - 1, len(text) - end), max(after, _SHORTER), -1):
                    if text.startswith(needle[-size:], end):
                        after = size
                        break
        if before:
            spans.append((start - before, start))
        if after:
            spans.append((end, end + after))
        start = text.find(ELLIPSIS, end)
    if not spans:
        return text, 0
    pieces, last = [], 0
    for begin, finish in sorted(spans):
        if begin < last:  # overlaps the span before it
            continue
        pieces += [text[last:begin], MASK]
        last = finish
    pieces.append(text[last:])
    return "".join(pieces), len(pieces) // 2


REGISTRY_KEY = pytest.StashKey[SecretRegistry]()


def secret_registry(config: pytest.Config) -> SecretRegistry:
    """The session's :class:`SecretRegistry`, created on first use in ``config.stash``.

    Code that writes its own records (cassettes, debug dumps) should pass text through
    ``secret_registry(config).redact(text)`` before storing it.
    """
    registry = config.stash.get(REGISTRY_KEY, None)
    if registry is None:
        registry = config.stash[REGISTRY_KEY] = SecretRegistry(
            warn=lambda warning: config.issue_config_time_warning(warning, stacklevel=4)
        )
    return registry
