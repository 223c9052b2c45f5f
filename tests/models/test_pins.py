"""sha256 pins: a digest, a mapping, a sha256sum manifest; through the function and the marker."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pytest_autoglm.models import (
    ChecksumMismatch,
    ModelPathError,
    ModelUsageError,
    inspect_checkpoint,
    load_checkpoint,
    write_checkpoint,
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_matching_digest_passes_and_a_changed_file_fails(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path)
    digest = sha(path)
    assert inspect_checkpoint(path, sha256=digest.upper()).format == "safetensors"
    path.write_bytes(path.read_bytes()[:-4] + b"\x00\x00\x80\x3f")  # one weight changed
    with pytest.raises(ChecksumMismatch) as excinfo:
        inspect_checkpoint(path, sha256=digest)
    message = str(excinfo.value)
    assert f"expected: {digest} (from sha256 argument)" in message
    assert f"found:    {sha(path)}" in message
    assert str(path) in message


def test_manifest_pins_every_shard(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    shards = sorted(path.glob("*.safetensors"))
    manifest = path / "SHA256SUMS"
    manifest.write_text("".join(f"{sha(s)}  {s.name}\n" for s in shards))
    assert len(inspect_checkpoint(path, manifest=manifest).files) == 2
    manifest.write_text(f"{sha(shards[0])}  {shards[0].name}\n{'0' * 64} *{shards[1].name}\n")
    with pytest.raises(ChecksumMismatch, match=f"sha256 mismatch for .*{shards[1].name}"):
        inspect_checkpoint(path, manifest=manifest)


@pytest.mark.parametrize("name", ["config.json", "tokenizer_config.json", "chat_template.jinja"])
def test_manifest_pins_every_listed_file_not_only_weights(tmp_path: Path, name: str) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    extra = path / name
    extra.write_text('{"model_type": "glm4v"}' if name.endswith(".json") else "{{ messages }}")
    files = [*sorted(path.glob("*.safetensors")), extra]
    (path / "SHA256SUMS").write_text("".join(f"{sha(f)}  {f.name}\n" for f in files))
    assert inspect_checkpoint(path, manifest="SHA256SUMS", root=tmp_path / "elsewhere")
    extra.write_bytes(extra.read_bytes() + b" ")  # one byte added (Open-AutoGLM #324)
    with pytest.raises(ChecksumMismatch, match=f"sha256 mismatch for .*{name}"):
        inspect_checkpoint(path, manifest="SHA256SUMS")
    extra.unlink()
    with pytest.raises(ChecksumMismatch, match=f"{name} is pinned .* but missing"):
        inspect_checkpoint(path, manifest="SHA256SUMS")


def test_a_mapping_pins_non_weight_files_too(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    config = path / "config.json"
    config.write_text("{}")
    pins = {"config.json": sha(config)}
    inspect_checkpoint(path, sha256=pins)
    config.write_text("{} ")
    with pytest.raises(ChecksumMismatch, match=r"sha256 mismatch for .*config\.json"):
        inspect_checkpoint(path, sha256=pins)


def test_a_relative_manifest_outside_the_model_folder_resolves_under_root(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path / "m", "sharded")
    shards = sorted(path.glob("*.safetensors"))
    (tmp_path / "PINS").write_text("".join(f"{sha(s)}  m/{path.name}/{s.name}\n" for s in shards))
    assert inspect_checkpoint(path, manifest="PINS", root=tmp_path)


def test_a_missing_manifest_says_how_to_fix_it(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path)
    with pytest.raises(ModelPathError) as excinfo:
        inspect_checkpoint(path, manifest=tmp_path / "SHA256SUMS")
    message = str(excinfo.value)
    assert message.startswith(f"sha256 manifest not found: {tmp_path / 'SHA256SUMS'}\n")
    assert "fix: point manifest= at the file" in message
    assert "sha256sum <files> > SHA256SUMS" in message


def test_manifest_that_misses_a_weight_file_names_it(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    shard = sorted(path.glob("*.safetensors"))[0]
    manifest = tmp_path / "SHA256SUMS"
    manifest.write_text(f"{sha(shard)}  sharded_model/{shard.name}\n")
    with pytest.raises(ChecksumMismatch, match=r"has no sha256 for model-00002-of-00002"):
        inspect_checkpoint(path, manifest=manifest)


def test_mapping_pins_one_shard_by_name(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    name = "model-00002-of-00002.safetensors"
    with pytest.raises(ChecksumMismatch, match=name):
        load_checkpoint(path, sha256={name: "f" * 64})


@pytest.mark.parametrize(
    ("pin", "phrase"),
    [("abc", "invalid sha256 pin 'abc'"), ({"x": "g" * 64}, "expected 64 hex digits")],
)
def test_bad_pins_are_usage_errors(tmp_path: Path, pin: object, phrase: str) -> None:
    path = write_checkpoint(tmp_path)
    with pytest.raises(ModelUsageError, match=phrase):
        inspect_checkpoint(path, sha256=pin)  # type: ignore[arg-type]


def test_one_digest_for_many_files_is_a_usage_error(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path, "sharded")
    with pytest.raises(ModelUsageError, match="has 2 weight files"):
        inspect_checkpoint(path, sha256="a" * 64)


def test_malformed_manifest_line_is_named(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path)
    manifest = tmp_path / "SHA256SUMS"
    manifest.write_text("# pins\nnot a digest line\n")
    with pytest.raises(
        ModelUsageError, match=r"SHA256SUMS:2: expected '<64 hex digits>  <file name>'"
    ):
        inspect_checkpoint(path, manifest=manifest)


def test_marker_pins_through_the_fixture(pytester: pytest.Pytester) -> None:
    pytest.importorskip("safetensors")
    path = write_checkpoint(pytester.path)
    digest = sha(path)
    (pytester.path / "SHA256SUMS").write_text(f"{digest}  model.safetensors\n")
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.autoglm_model(sha256="{digest}")
        def test_good(autoglm_model):
            assert "0.weight" in autoglm_model

        @pytest.mark.autoglm_model(manifest="SHA256SUMS")
        def test_manifest(autoglm_model):
            pass

        @pytest.mark.autoglm_model(sha256="{"0" * 64}")
        def test_bad(autoglm_model):
            pass
        """
    )
    result = pytester.runpytest("--autoglm-model-path=model.safetensors")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [f"*expected: {'0' * 64} (from sha256 argument)", f"*found:    {digest}"]
    )


BAD_MARKERS = {
    'sha256="nothex"': "sha256 pin 'nothex': expected 64 hex digits",
    "trust_pickel=True": "unknown argument 'trust_pickel' (did you mean 'trust_pickle'?)",
    'trust_pickle="yes"': "trust_pickle='yes': expected True or False",
    "path=3": "path=3: expected a path string",
    '"a", "b"': "takes 1 positional argument(s) but 2 were given",
    "sha256=3": "sha256=3: expected a hex digest or a mapping of file to digest",
}


def test_bad_marker_arguments_are_collection_errors(pytester: pytest.Pytester) -> None:
    tests = "\n".join(
        f"@pytest.mark.autoglm_model({marker})\ndef test_{n}(autoglm_model): pass\n"
        for n, marker in enumerate(BAD_MARKERS)
    )
    pytester.makepyfile("import pytest\n" + tests)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)  # one collection error for the module, naming each test
    for n, phrase in enumerate(BAD_MARKERS.values()):
        result.stdout.fnmatch_lines([f"*::test_{n}: @pytest.mark.autoglm_model: {phrase}*"])
