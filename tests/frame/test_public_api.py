"""``__all__`` is a tested contract: every name resolves, nothing public is missing."""

from __future__ import annotations

import importlib

import pytest

import pytest_autoglm


def test_every_exported_name_resolves() -> None:
    for name in pytest_autoglm.__all__:
        assert getattr(pytest_autoglm, name) is not None, name


def test_exports_come_from_where_they_are_defined() -> None:
    for name, module in pytest_autoglm._EXPORTS.items():
        assert getattr(importlib.import_module(module), name) is getattr(pytest_autoglm, name)


def test_all_lists_exactly_the_exports() -> None:
    assert sorted(pytest_autoglm.__all__) == sorted({"__version__", *pytest_autoglm._EXPORTS})
    assert len(set(pytest_autoglm.__all__)) == len(pytest_autoglm.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pytest_autoglm.nope  # noqa: B018


def test_dir_lists_the_public_names() -> None:
    assert set(pytest_autoglm.__all__) <= set(dir(pytest_autoglm))


def test_version_matches_the_distribution() -> None:
    from importlib.metadata import version

    assert pytest_autoglm.__version__ == version("pytest-autoglm")


def _type_checking_imports() -> dict[str, str]:
    """``name -> module`` of every import under ``if TYPE_CHECKING:`` in the package's ``__init__``."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(pytest_autoglm.__file__).read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.dump(stmt)
                assert stmt.module, ast.dump(stmt)
                for alias in stmt.names:
                    # ``A as A``: an explicit re-export, which strict type checkers require
                    assert alias.asname == alias.name, f"write {alias.name} as {alias.name}"
                    found[alias.name] = stmt.module
    return found


def test_type_checking_imports_match_the_export_table() -> None:
    """Type checkers see exactly the names ``__getattr__`` serves, from the same modules."""
    imports = _type_checking_imports()
    assert sorted(imports) == sorted(pytest_autoglm._EXPORTS)
    for name, module in imports.items():
        home = pytest_autoglm._EXPORTS[name]
        assert getattr(importlib.import_module(module), name) is getattr(
            importlib.import_module(home), name
        ), name
