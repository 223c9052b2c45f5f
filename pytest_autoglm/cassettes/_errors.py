"""The cassette capability's own exception types."""

from __future__ import annotations


class CassetteError(Exception):
    """A cassette that cannot be read, written or used; the message names the file and the fix."""
