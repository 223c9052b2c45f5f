"""The public API of ``pytest_autoglm.strategies``: a tested contract, shaped like hypothesis's."""

from __future__ import annotations

import inspect
import subprocess
import sys

from hypothesis.strategies import SearchStrategy

from pytest_autoglm import strategies as gst

STRATEGIES = [name for name in gst.__all__ if not name.startswith("assert_")]
HELPERS = [name for name in gst.__all__ if name.startswith("assert_")]


def test_all_lists_exactly_the_public_functions() -> None:
    # the package serves its names lazily: dir() lists them with the package's own machinery
    public = {
        name
        for name in dir(gst)
        if not name.startswith("_") and inspect.isfunction(getattr(gst, name))
    }
    assert set(gst.__all__) == public - {"register_ci_profile", "lazy_exports"}
    assert gst.__all__ == sorted(gst.__all__)


def test_every_strategy_takes_keyword_only_options_and_returns_a_strategy() -> None:
    for name in STRATEGIES:
        function = getattr(gst, name)
        kinds = {p.kind for p in inspect.signature(function).parameters.values()}
        assert kinds <= {inspect.Parameter.KEYWORD_ONLY}, name
        assert isinstance(function(), SearchStrategy), name


def test_every_docstring_has_a_standalone_first_line_and_says_how_it_shrinks() -> None:
    for name in gst.__all__:
        doc = inspect.getdoc(getattr(gst, name)) or ""
        first, _, rest = doc.partition("\n")
        assert first.endswith("."), name
        assert rest.startswith("\n"), name  # a blank line after the summary
        if name in STRATEGIES:
            assert "Shrinks towards" in doc, name
    assert HELPERS == ["assert_parser_agrees", "assert_truncation_keeps"]


def test_the_package_import_stays_light() -> None:
    # Only the strategies module imports hypothesis; the package itself does not.
    code = "import sys, pytest_autoglm; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
