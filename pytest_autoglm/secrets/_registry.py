"""The session's secret registry: values that must never reach a report, and their redaction."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_autoglm.secrets._matcher import Matcher

#: Shorter values are not redacted: ``***`` in place of every ``1234`` or ``admin`` would
#: rewrite ordinary text all over a report (too many false hits).
MIN_SECRET_LENGTH = 8

#: Open-AutoGLM's placeholder key for local servers (``api_key="EMPTY"``): not a secret,
#: and too common to warn about.
PLACEHOLDERS = frozenset({"EMPTY"})


class ShortSecretWarning(pytest.PytestWarning):
    """A registered secret is shorter than 8 characters, so it is not redacted.

    Silence it with ``filterwarnings = ["ignore::pytest_autoglm.ShortSecretWarning"]``
    once you have checked that the value is harmless in reports.
    """


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
        # built on the first redact, and again on the first after an add (compiling is dear);
        # its module loads then too, so a run that never redacts never imports it
        self._matcher: Matcher | None = None
        self._stale = True
        self._on_active: list[Callable[[], None]] = []  # called once the first secret is added
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
            if value in self._names:
                return True
            self._names[value] = name
            self._stale = True
            callbacks, self._on_active = self._on_active, []
        for callback in callbacks:
            callback()
        return True

    def when_active(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once a secret is registered: now if one already is.

        The plugin uses it to add its per-report hooks only when there is something to
        redact, so a suite without secrets does not pay for them.
        """
        with self._lock:
            if not self._names:
                self._on_active.append(callback)
                return
        callback()

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
        return bool(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __bool__(self) -> bool:
        return True  # an empty registry is still a registry (``if registry:`` must not lie)

    def contains_secret(self, text: str) -> bool:
        """Whether ``text`` holds any registered secret (without counting anything)."""
        return self._current().search(text)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``***``; counts each one."""
        text, hits = self._current().sub(text)
        if hits:
            with self._lock:
                self._count += hits
        return text

    def _current(self) -> Matcher:
        """The matcher for the secrets registered so far (built once per change)."""
        if self._stale:
            from pytest_autoglm.secrets._matcher import Matcher

            with self._lock:
                if self._stale:
                    self._matcher = Matcher(self._names)
                    self._stale = False
        assert self._matcher is not None  # built above, never unset
        return self._matcher

    def add_count(self, hits: int) -> None:
        """Add redactions made elsewhere (by xdist workers) to this registry's count."""
        with self._lock:
            self._count += hits


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
