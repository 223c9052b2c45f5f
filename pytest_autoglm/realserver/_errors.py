"""The real-server capability's errors."""

from __future__ import annotations


class ModelServerError(Exception):
    """The model server could not be started, did not become ready, or exited early."""


class ModelServerUsageError(ModelServerError, ValueError):
    """A ``--autoglm-model-server`` value the kit cannot use; names the accepted forms."""
