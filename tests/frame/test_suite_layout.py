"""``pytest examples tests`` runs as one session: no two top-level test modules share a name.

The test folders are not packages (each folder's helpers are imported by their bare
name), so pytest imports every module there under its basename ("prepend" import mode);
two files of one basename would fail collection with "import file mismatch".
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITES = ("examples", "tests")


def _top_level_modules(folder: Path) -> list[Path]:
    """Modules imported under their basename: outside any package, ``conftest.py`` aside."""
    found = []
    for path in folder.rglob("*.py"):
        if path.name == "conftest.py" or (path.parent / "__init__.py").exists():
            continue
        found.append(path)
    return found


def _clashes(folders: list[Path]) -> dict[str, list[str]]:
    names: defaultdict[str, list[str]] = defaultdict(list)
    for folder in folders:
        for path in _top_level_modules(folder):
            names[path.stem].append(path.relative_to(folder.parent).as_posix())
    return {name: sorted(paths) for name, paths in names.items() if len(paths) > 1}


def test_no_two_modules_of_the_suites_share_a_name() -> None:
    clashes = _clashes([ROOT / suite for suite in SUITES])
    assert not clashes, f"rename one of each: {clashes}"


def test_the_check_finds_a_clash(tmp_path: Path) -> None:
    for rel in ("a/test_x.py", "b/c/test_x.py", "b/pkg/__init__.py", "b/pkg/test_y.py",
                "a/test_y.py", "a/conftest.py", "b/conftest.py"):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert _clashes([tmp_path / "a", tmp_path / "b"]) == {
        "test_x": ["a/test_x.py", "b/c/test_x.py"]
    }


@pytest.mark.parametrize("suite", SUITES)
def test_the_suites_exist(suite: str) -> None:
    assert _top_level_modules(ROOT / suite), suite
