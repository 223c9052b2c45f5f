"""Model paths: rootdir-relative resolution, ``~``, and errors that show where they looked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_autoglm.models import (
    ModelPathError,
    inspect_checkpoint,
    resolve_model_path,
    write_checkpoint,
)


def test_relative_paths_join_the_root_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert resolve_model_path("models/x.pt", tmp_path) == tmp_path / "models" / "x.pt"
    assert resolve_model_path("../x.pt", tmp_path / "a") == tmp_path / "x.pt"
    assert resolve_model_path("x.pt", None) == elsewhere / "x.pt"


def test_tilde_expands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_model_path("~/m.safetensors", "/unused") == tmp_path / "m.safetensors"


def test_missing_path_names_given_resolved_root_and_near_misses(tmp_path: Path) -> None:
    write_checkpoint(tmp_path / "models", name="autoglm-phone.safetensors")
    with pytest.raises(ModelPathError) as excinfo:
        inspect_checkpoint("models/autoglm-phone.safetensor", root=tmp_path)
    message = str(excinfo.value)
    assert "model path not found: 'models/autoglm-phone.safetensor'" in message
    assert f"resolved to: {tmp_path / 'models' / 'autoglm-phone.safetensor'}" in message
    assert f"resolved from: {tmp_path} (the rootdir" in message
    assert "did you mean 'autoglm-phone.safetensors'?" in message
    assert isinstance(excinfo.value, FileNotFoundError)


def test_missing_directory_names_the_nearest_existing_one(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "glm").mkdir()
    with pytest.raises(ModelPathError) as excinfo:
        inspect_checkpoint(tmp_path / "models" / "gml" / "model.safetensors")
    message = str(excinfo.value)
    assert f"directory does not exist: {tmp_path / 'models' / 'gml'}" in message
    assert "did you mean 'glm'?" in message
    assert "resolved from" not in message  # an absolute path is not resolved from anywhere


def test_missing_path_in_an_unrelated_directory_lists_its_entries(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("")
    with pytest.raises(ModelPathError, match=r"holds: README.md"):
        inspect_checkpoint(tmp_path / "weights.safetensors")


@pytest.mark.skipif(os.geteuid() == 0, reason="needs a non-root user; found root (reads anything)")
def test_unreadable_file_is_named(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path)
    path.chmod(0)
    with pytest.raises(ModelPathError, match="not readable"):
        inspect_checkpoint(path)


def test_unreadable_file_is_named_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_checkpoint(tmp_path)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(ModelPathError, match="not readable") as excinfo:
        inspect_checkpoint(path)
    assert "chmod +r" in str(excinfo.value)


def test_fixture_resolves_against_rootdir_from_another_working_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("safetensors")
    pytester.makeini("[pytest]\nautoglm_model_path = weights/tiny.safetensors\n")
    write_checkpoint(pytester.path / "weights", name="tiny.safetensors")
    pytester.makepyfile(
        """
        from pathlib import Path

        def test_path(autoglm_model_path, pytestconfig):
            assert autoglm_model_path == pytestconfig.rootpath / "weights" / "tiny.safetensors"
            assert Path.cwd() != pytestconfig.rootpath

        def test_model(autoglm_model):
            assert sorted(autoglm_model) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        """
    )
    sub = pytester.mkdir("sub")
    # a decoy with the same relative path under the CWD must not be picked up
    (sub / "weights").mkdir()
    (sub / "weights" / "tiny.safetensors").write_bytes(b"decoy")
    monkeypatch.chdir(sub)
    result = pytester.runpytest(
        f"--rootdir={pytester.path}", "-c", str(pytester.path / "tox.ini"), str(pytester.path)
    )
    result.assert_outcomes(passed=2)


def test_fixture_error_for_missing_path_from_another_working_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_model(autoglm_model_path): pass")
    pytester.mkdir("models")
    (pytester.path / "models" / "glm.safetensors").write_bytes(b"")
    sub = pytester.mkdir("sub")
    monkeypatch.chdir(sub)
    result = pytester.runpytest(
        f"--rootdir={pytester.path}",
        "--autoglm-model-path=models/gml.safetensors",
        str(pytester.path),
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*model path not found: 'models/gml.safetensors'",
            f"*resolved to: {pytester.path / 'models' / 'gml.safetensors'}",
            f"*resolved from: {pytester.path} (the rootdir; never the current directory)",
            "*did you mean 'glm.safetensors'?",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_path_written_from_the_current_directory_says_how_to_write_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed from tests/ as ../models/x (shell completion): the fix names the rootdir form."""
    write_checkpoint(tmp_path / "models", name="x.safetensors")
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "tests")
    with pytest.raises(ModelPathError) as excinfo:
        inspect_checkpoint("../models/x.safetensors", root=tmp_path)
    message = str(excinfo.value)
    here = tmp_path / "models" / "x.safetensors"
    assert f"from the current directory it would be: {here}, which exists" in message
    assert "fix: write it relative to the rootdir ('models/x.safetensors') or absolute" in message
