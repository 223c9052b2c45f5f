"""Fake installed distributions: ``*.dist-info`` folders with METADATA, in a folder on the path."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

import hypothesis  # noqa: F401  (see below)
import pytest

# hypothesis's pytest plugin imports hypothesis at the end of every run; pytester's in-process
# runs drop modules first imported inside them, so without this each run pays ~0.5 s for it.


class FakeSite:
    """A site-packages folder that holds only the distributions a test adds to it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def add(
        self,
        name: str,
        version: str,
        requires: Iterable[str] = (),
        *,
        extras: Iterable[str] = (),
        body: str = "A long description.\n\nRequires-Dist: not-a-header\n",
        requires_python: str = "",
    ) -> Path:
        folder = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        folder.mkdir()
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        lines += [f"Provides-Extra: {extra}" for extra in extras]
        lines += [f"Requires-Python: {requires_python}"] if requires_python else []
        lines += [f"Requires-Dist: {req}" for req in requires]
        (folder / "METADATA").write_text("\n".join(lines) + "\n\n" + body)
        importlib.invalidate_caches()
        return folder

    def add_egg_info(self, name: str, version: str, requires_txt: str) -> Path:
        folder = self.root / f"{name}-{version}-py3.11.egg-info"
        folder.mkdir()
        (folder / "PKG-INFO").write_text(
            f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n"
        )
        (folder / "requires.txt").write_text(requires_txt)
        importlib.invalidate_caches()
        return folder


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[[str], FakeSite]:
    """Make more fake site folders, by name, under the test's temporary folder."""
    return lambda name: FakeSite(tmp_path / name)


@pytest.fixture
def fake_site(make_site: Callable[[str], FakeSite]) -> FakeSite:
    """An empty fake site folder; pass ``path=[str(fake_site.root)]`` to the checks."""
    return make_site("site")


@pytest.fixture
def on_path(fake_site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    """The fake site, first on ``sys.path`` and ``PYTHONPATH`` (for in-process and subprocess runs)."""
    monkeypatch.syspath_prepend(str(fake_site.root))
    monkeypatch.setenv("PYTHONPATH", str(fake_site.root))
    return fake_site
