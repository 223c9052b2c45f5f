"""The plugin's start-up modules load past pytest's assertion rewriter; its helpers do not."""

from __future__ import annotations

import sys

import pytest

from pytest_autoglm._plain_imports import ASSERTION_HELPERS, _PlainFinder, plain_imports

#: loaded before the plain window opens (the package and the entry point) or after it
_THROUGH_PYTEST = {"pytest_autoglm", "pytest_autoglm.plugin", "pytest_autoglm._plain_imports"}


def test_start_up_modules_skip_the_rewriter_and_assertion_helpers_keep_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import sys
        def pytest_configure(config):
            for name, module in sorted(sys.modules.items()):
                if name.startswith("pytest_autoglm"):
                    print("LOADER", name, type(module.__loader__).__name__)
            print("FINDERS", [type(f).__name__ for f in sys.meta_path])
        """
    )
    pytester.makepyfile(
        """
        import importlib
        from pytest_autoglm._plain_imports import ASSERTION_HELPERS
        def test_helpers():
            for name in ASSERTION_HELPERS:
                loader = type(importlib.import_module(name).__loader__).__name__
                print("HELPER", name, loader)
        """
    )
    result = pytester.runpytest_subprocess("-s", "-q")
    result.assert_outcomes(passed=1)
    loaders = dict(line.split()[1:] for line in result.outlines if line.startswith("LOADER "))
    assert "pytest_autoglm._plugins.server" in loaders, result.outlines
    rewritten = {name for name, loader in loaders.items() if loader == "AssertionRewritingHook"}
    assert rewritten <= _THROUGH_PYTEST, sorted(rewritten - _THROUGH_PYTEST)
    finders = next(line for line in result.outlines if line.startswith("FINDERS"))
    assert "_PlainFinder" not in finders, "the finder must be gone once the plugin has loaded"
    helpers = dict(line.split()[1:] for line in result.outlines if line.startswith("HELPER "))
    assert set(helpers) == set(ASSERTION_HELPERS)
    assert set(helpers.values()) == {"AssertionRewritingHook"}, helpers


def test_the_finder_leaves_other_packages_and_the_helpers_to_the_next_finder() -> None:
    finder = _PlainFinder()
    assert finder.find_spec("json") is None
    assert finder.find_spec("pytest_autoglmx.other") is None
    assert finder.find_spec("pytest_autoglm.server._calls") is None
    for helper in ASSERTION_HELPERS:
        assert finder.find_spec(helper) is None, helper
    import pytest_autoglm

    spec = finder.find_spec("pytest_autoglm._sizes", pytest_autoglm.__path__)
    assert spec is not None
    assert type(spec.loader).__name__ == "SourceFileLoader"
    assert str(spec.origin).endswith("_sizes.py")


def _import_a_missing_module() -> None:
    with plain_imports():
        assert isinstance(sys.meta_path[0], _PlainFinder)
        import pytest_autoglm.no_such_module  # type: ignore[import-not-found]  # noqa: F401


def test_the_window_closes_when_an_import_in_it_fails() -> None:
    before = list(sys.meta_path)
    with pytest.raises(ModuleNotFoundError, match=r"pytest_autoglm\.no_such_module"):
        _import_a_missing_module()
    assert sys.meta_path == before
