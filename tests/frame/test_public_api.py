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
