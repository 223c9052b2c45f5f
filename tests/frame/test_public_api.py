"""``__all__`` is a tested contract: every name resolves, nothing public is missing."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

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


#: every public subpackage; ``conformance`` is a test package (``--pyargs``) and exports nothing
SUBPACKAGES = sorted(
    path.parent.name
    for path in Path(pytest_autoglm.__file__).parent.glob("*/__init__.py")
    if not path.parent.name.startswith("_") and path.parent.name != "conformance"
)
PACKAGES = ["pytest_autoglm", *(f"pytest_autoglm.{name}" for name in SUBPACKAGES)]
#: modules a package loads on import by design (its side effect)
LOADED_ON_IMPORT = {"pytest_autoglm.strategies": {"pytest_autoglm.strategies._profile"}}


def _type_checking_imports(package: str) -> dict[str, str]:
    """``name -> module`` of every import under ``if TYPE_CHECKING:`` in the package's ``__init__``."""
    module = importlib.import_module(package)
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
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


def _home(package: str, name: str) -> str:
    home: str = importlib.import_module(package)._EXPORTS[name]
    return home if home.startswith("pytest_autoglm") else f"{package}.{home}"


def test_every_public_subpackage_is_checked() -> None:
    assert {"server", "phone", "models", "secrets", "strategies"} <= set(SUBPACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_one_lazy_export_policy(package: str) -> None:
    """An ``_EXPORTS`` table, ``__all__`` derived from it, the shared ``__getattr__``/``__dir__``."""
    module = importlib.import_module(package)
    table = module._EXPORTS
    assert isinstance(table, dict)
    assert table
    extra = ["__version__"] if package == "pytest_autoglm" else []
    assert module.__all__ == [*extra, *table]
    for hook in (module.__getattr__, module.__dir__):
        assert hook.__qualname__.startswith("lazy_exports.<locals>."), hook
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match=f"module {package!r} has no attribute 'nope'"):
        module.nope  # noqa: B018


@pytest.mark.parametrize("package", PACKAGES)
def test_type_checking_imports_match_the_export_table(package: str) -> None:
    """Type checkers see exactly the names ``__getattr__`` serves, from the same modules."""
    imports = _type_checking_imports(package)
    module = importlib.import_module(package)
    assert sorted(imports) == sorted(module._EXPORTS)
    for name, where in imports.items():
        defined = getattr(importlib.import_module(_home(package, name)), name)
        assert getattr(importlib.import_module(where), name) is defined, name
        assert getattr(module, name) is defined, name


def test_importing_a_package_loads_none_of_its_modules() -> None:
    code = (
        "import importlib, json, sys\n"
        f"packages = {PACKAGES[1:]!r}\n"
        "loaded = {}\n"
        "for p in packages:\n"
        "    importlib.import_module(p)\n"
        "    loaded[p] = sorted(m for m in sys.modules if m.startswith(p + '.'))\n"
        "print(json.dumps(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout)
    expected = {p: sorted(LOADED_ON_IMPORT.get(p, ())) for p in PACKAGES[1:]}
    assert loaded == expected


def test_a_lazy_name_follows_its_module_when_it_is_imported_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What pytester's in-process runs do to modules first imported inside them."""
    from pytest_autoglm import phone

    first = phone.PhoneError
    # both undone at teardown: the import below rebinds the package's submodule attribute
    monkeypatch.setattr(phone, "_errors", sys.modules["pytest_autoglm.phone._errors"])
    monkeypatch.delitem(sys.modules, "pytest_autoglm.phone._errors")
    again = phone.PhoneError
    assert again is not first
    assert again is sys.modules["pytest_autoglm.phone._errors"].PhoneError
