"""Shared set-up for the project's own tests (pytester is enabled in pyproject's addopts).

hypothesis is imported here, once: pytester's in-process runs drop the modules first
imported inside them, so without this every run re-imports hypothesis (~0.5 s each).
"""

import hypothesis  # noqa: F401
