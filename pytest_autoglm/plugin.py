"""The pytest entry point (``pytest11: autoglm``): the frame every capability plugs into.

The hooks are :mod:`pytest_autoglm._frame`'s: it registers the capability plugin modules
(``pytest_autoglm/_plugins/``), their options and markers, and writes the ``autoglm:``
header line and summary section. pytest loads this module through its assertion-rewrite
hook, a costly path for code; so it only names the hooks, imported with the normal loader
(:mod:`pytest_autoglm._plain_imports`). ``-p no:autoglm`` turns all of it off.
"""

from __future__ import annotations

from pytest_autoglm._plain_imports import plain_imports

with plain_imports():
    from pytest_autoglm._features import feature_modules
    from pytest_autoglm._frame import (
        pytest_addhooks,
        pytest_addoption,
        pytest_collection_modifyitems,
        pytest_configure,
        pytest_make_collect_report,
        pytest_report_header,
        pytest_terminal_summary,
    )
    from pytest_autoglm._plugins import plugin_dir

__all__ = [
    "feature_modules",
    "pytest_addhooks",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_make_collect_report",
    "pytest_report_header",
    "pytest_terminal_summary",
]
__dir__ = plugin_dir(globals())
