"""Shared set-up for the project's own tests (pytester is enabled in pyproject's addopts).

pytester's in-process runs drop the modules first imported inside them. Some are imported
here, once, for that reason:

- hypothesis: otherwise every in-process run re-imports it (~0.5 s each);
- httpcore and httpcore2: httpx and httpx2 import them on first use and keep a table of
  their exception classes for good. When that first use is inside an in-process run, the
  next import makes new classes, the table no longer matches them, and a read timeout
  reaches the openai SDK as a bare ``httpcore2.ReadTimeout`` instead of
  ``APITimeoutError`` (which test ran first on an xdist worker decided it).
"""

import importlib
from contextlib import suppress

import hypothesis  # noqa: F401

for _name in ("httpcore", "httpcore2"):  # httpcore2 comes with the httpx2 extra only
    with suppress(ImportError):
        importlib.import_module(_name)
