"""The fixtures, marker, options, header and summary, run the way users run them (pytester)."""

from __future__ import annotations

import sys

import pytest

from pytest_autoglm.models import CORRUPTIONS, WRITE_FORMATS, write_checkpoint

pytest.importorskip("torch")
pytest.importorskip("safetensors")


def test_without_a_model_the_fixtures_skip_with_the_fix(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_path(autoglm_model_path): pass
        def test_model(autoglm_model): pass
        """
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] *.py:1: no model configured (pass --autoglm-model-path or set AUTOGLM_MODEL_PATH)",
            "SKIPPED [[]1[]] *.py:2: no model configured (pass --autoglm-model-path or set AUTOGLM_MODEL_PATH)",
        ]
    )


def test_require_model_turns_the_skip_into_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_model(autoglm_model): pass")
    result = pytester.runpytest("--autoglm-require-model")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*no model configured (pass --autoglm-model-path or set AUTOGLM_MODEL_PATH) [[]--autoglm-require-model[]]"
        ]
    )
    result.stdout.fnmatch_lines(["autoglm: *model: required, none configured*"])


@pytest.mark.parametrize("source", ["flag", "env", "ini"])
def test_model_path_from_flag_env_or_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    write_checkpoint(pytester.path, "state_dict")
    pytester.makepyfile(
        """
        def test_model(autoglm_model, autoglm_model_path):
            assert autoglm_model_path.name == "state_dict.pt"
            assert sorted(autoglm_model) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        """
    )
    args = []
    if source == "flag":
        args = ["--autoglm-model-path", "state_dict.pt"]
    elif source == "env":
        monkeypatch.setenv("AUTOGLM_MODEL_PATH", "state_dict.pt")
    else:
        pytester.makeini("[pytest]\nautoglm_model_path = state_dict.pt\n")
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["autoglm: *model: state_dict.pt -> *state_dict.pt (torch, 3.2 KiB)*"]
    )


def test_every_format_and_corruption_through_the_fixture(pytester: pytest.Pytester) -> None:
    """A user's pattern: override autoglm_model_path with checkpoints from the factory."""
    cases = [(f, None) for f in WRITE_FORMATS] + [
        (f, c) for f in WRITE_FORMATS for c in CORRUPTIONS if c != "missing_shard" or f == "sharded"
    ]
    pytester.makeconftest(
        f"""
        import pytest

        trusted = pytest.mark.autoglm_model(trust_pickle=True)

        @pytest.fixture(params=[
            pytest.param(case, id=f"{{case[0]}}-{{case[1]}}", marks=[trusted] if case[0] == "pt" else [])
            for case in {cases!r}
        ])
        def autoglm_model_path(request, autoglm_checkpoint):
            fmt, corrupt = request.param
            return autoglm_checkpoint(fmt, corrupt=corrupt)
        """
    )
    pytester.makepyfile(
        """
        def test_load(autoglm_model):
            assert autoglm_model is not None
        """
    )
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=len(WRITE_FORMATS), errors=len(cases) - len(WRITE_FORMATS))
    output = result.stdout.str()
    for fmt, corrupt in cases:
        if corrupt is not None:
            assert f"::test_load[{fmt}-{corrupt}]" in output
    result.stdout.fnmatch_lines(
        [
            "*bad safetensors file */model.safetensors: header is not valid JSON*",
            "*bad zip checkpoint */model.pt: File is not a zip file*truncated*",
            "*legacy.pt as torch_legacy failed (the file looks truncated*",
            "*bad ONNX file */model.onnx: a top-level field runs past the end*",
            "*missing shard(s) in */sharded_model: model-00002-of-00002.safetensors",
        ],
    )
    assert "Traceback" not in output


def test_unsafe_pickle_through_the_fixture_is_refused(pytester: pytest.Pytester) -> None:
    write_checkpoint(pytester.path, "pt")
    pytester.makepyfile(
        """
        import pytest

        def test_refused(autoglm_model):
            pass

        @pytest.mark.autoglm_model(trust_pickle=True)
        def test_trusted(autoglm_model):
            import torch
            assert isinstance(autoglm_model, torch.nn.Sequential)
        """
    )
    result = pytester.runpytest("--autoglm-model-path=model.pt")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*refused to load */model.pt: the pickle needs the global torch.nn.modules*"]
    )


def test_marker_path_overrides_the_option(pytester: pytest.Pytester) -> None:
    write_checkpoint(pytester.path, "onnx")
    write_checkpoint(pytester.path, "state_dict")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autoglm_model("model.onnx")
        def test_onnx(autoglm_model):
            assert type(autoglm_model).__name__ == "ModelProto"

        def test_default(autoglm_model):
            assert "0.bias" in autoglm_model
        """
    )
    pytester.runpytest("--autoglm-model-path=state_dict.pt").assert_outcomes(passed=2)


def test_gpu_saved_checkpoint_through_the_fixture(pytester: pytest.Pytester) -> None:
    write_checkpoint(pytester.path, "state_dict", saved_on="cuda:0")
    pytester.makepyfile(
        """
        def test_on_cpu(autoglm_model):
            assert {t.device.type for t in autoglm_model.values()} == {"cpu"}
        """
    )
    pytester.runpytest("--autoglm-model-path=state_dict.pt").assert_outcomes(passed=1)


def test_map_location_follows_the_tests_torch_device(pytester: pytest.Pytester) -> None:
    write_checkpoint(pytester.path, "state_dict")
    pytester.makeconftest(
        """
        import pytest, torch

        @pytest.fixture
        def autoglm_torch_device(request):
            return torch.device(request.param)  # stands in for the GPU capability's fixture
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("autoglm_torch_device", ["meta"], indirect=True)
        def test_on_the_tests_device(autoglm_model, autoglm_torch_device):
            assert autoglm_model["0.weight"].device.type == "meta"

        def test_cpu_otherwise(autoglm_model):
            assert autoglm_model["0.weight"].device.type == "cpu"
        """
    )
    result = pytester.runpytest("--autoglm-model-path=state_dict.pt")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["model cache: 2 load(s), 0 reuse(s)"])


def test_models_are_cached_by_path_mtime_and_device(pytester: pytest.Pytester) -> None:
    write_checkpoint(pytester.path, "safetensors")
    pytester.makepyfile(
        """
        import os
        seen = []

        def test_first(autoglm_model):
            seen.append(autoglm_model)

        def test_second_gets_the_same_object(autoglm_model):
            assert autoglm_model is seen[0]
            stat = os.stat("model.safetensors")
            os.utime("model.safetensors", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

        def test_third_reloads_a_changed_file(autoglm_model):
            assert autoglm_model is not seen[0]
        """
    )
    result = pytester.runpytest("--autoglm-model-path=model.safetensors", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*- autoglm -*",
            "model loaded: */model.safetensors (safetensors, 1.1 KiB) in * s",
            "model loaded: */model.safetensors (safetensors, 1.1 KiB) in * s",
            "model cache: 2 load(s), 1 reuse(s)",
        ]
    )


@pytest.mark.parametrize(("package", "fmt"), [("onnx", "onnx"), ("safetensors", "safetensors")])
def test_missing_optional_package_skips_with_the_install_command(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, package: str, fmt: str
) -> None:
    path = write_checkpoint(pytester.path, fmt)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, package, None)
    pytester.makepyfile("def test_model(autoglm_model): pass")
    result = pytester.runpytest(f"--autoglm-model-path={path.name}", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*install it with: pip install pytest-autoglm[[]{package}[]]"])
    strict = pytester.runpytest(f"--autoglm-model-path={path.name}", "--autoglm-require-model")
    strict.assert_outcomes(errors=1)


def test_factory_skips_when_torch_is_missing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        def test_torch_format(autoglm_checkpoint):
            autoglm_checkpoint("state_dict")

        def test_safetensors_needs_no_package(autoglm_checkpoint):
            assert autoglm_checkpoint("safetensors").stat().st_size > 0
        """
    )
    monkeypatch.setitem(sys.modules, "torch", None)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*writing a torch checkpoint needs * pip install pytest-autoglm[[]torch[]]"]
    )


def test_factory_writes_each_call_into_a_fresh_folder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_autoglm.models import ModelUsageError

        def test_two(autoglm_checkpoint, tmp_path):
            a, b = autoglm_checkpoint(), autoglm_checkpoint(seed=1)
            assert a != b and a.parent.parent == b.parent.parent == tmp_path
            with pytest.raises(ModelUsageError, match="unknown checkpoint format 'h5'"):
                autoglm_checkpoint("h5")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_header_names_a_broken_model_path(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--autoglm-model-path=nowhere.safetensors")
    result.assert_outcomes(passed=1)  # tests that do not use the model are unaffected
    result.stdout.fnmatch_lines(
        ["autoglm: *model: nowhere.safetensors (ModelPathError: see the failing tests)*"]
    )


def test_help_lists_the_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*--autoglm-model-path=PATH*", "*--autoglm-require-model*"], consecutive=False
    )
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(
        ["@pytest.mark.autoglm_model(path=None, *, sha256=None, *): Choose, pin*"]
    )


def test_entry_point_loading_in_a_subprocess(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One real subprocess run: the plugin loads from its entry point, the env var is read.

    ONNX keeps it quick: loading it needs onnx, not torch.
    """
    pytest.importorskip("onnx")
    write_checkpoint(pytester.path, "onnx")
    pytester.makepyfile(
        """
        def test_model(autoglm_model):
            assert [t.name for t in autoglm_model.graph.initializer] == [
                "0.bias", "0.weight", "2.bias", "2.weight"
            ]
        """
    )
    monkeypatch.setenv("AUTOGLM_MODEL_PATH", "model.onnx")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "autoglm: *model: model.onnx -> */model.onnx (onnx, 1.1 KiB)*",
            "model cache: 1 load(s), 0 reuse(s)",
        ]
    )


@pytest.mark.parametrize(
    ("where", "args", "named"),
    [
        ("marker", (), "@pytest.mark.autoglm_model(path='missing.safetensors')"),
        ("flag", ("--autoglm-model-path=missing.safetensors",), "--autoglm-model-path"),
    ],
)
def test_a_missing_path_names_the_setting_it_came_from(
    pytester: pytest.Pytester, where: str, args: tuple[str, ...], named: str
) -> None:
    marker = "@pytest.mark.autoglm_model(path='missing.safetensors')" if where == "marker" else ""
    pytester.makepyfile(
        f"""
        import pytest

        {marker}
        def test_model(autoglm_model): pass
        """
    )
    result = pytester.runpytest(*args)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"  fix: pass an existing file or directory ({named})"])


def test_a_bad_factory_argument_points_at_the_callers_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_format(autoglm_checkpoint):
            autoglm_checkpoint("gguf")

        def test_typo(autoglm_checkpoint):
            autoglm_checkpoint("safetensors", corupt="truncated")
        """
    )
    result = pytester.runpytest("--tb=short")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            '    autoglm_checkpoint("gguf")',
            "E   *ModelUsageError: unknown checkpoint format 'gguf'; accepted: *",
            '    autoglm_checkpoint("safetensors", corupt="truncated")',
            "E   TypeError: autoglm_checkpoint() got an unknown argument 'corupt' "
            "(did you mean 'corrupt'?)*",
        ]
    )
    assert "_write.py" not in result.stdout.str()
    assert "_plugins" not in result.stdout.str()


def test_the_factory_accepts_what_write_checkpoint_accepts() -> None:
    import inspect

    from pytest_autoglm.models._fixtures import CHECKPOINT_ARGUMENTS

    parameters = inspect.signature(write_checkpoint).parameters
    assert ("directory", "format", *CHECKPOINT_ARGUMENTS) == tuple(parameters)
