"""Bad input across the kit: each class gets a clear error that names the culprit and the fix.

One row per class of bad input found by a hostile review (sizes, simulated GPUs, model
paths, pickles, safetensors headers, checkpoint names, ini booleans, leak thresholds).
Each row runs the public entry point a user reaches and checks the error's type and text;
none may surface as an INTERNALERROR, a raw traceback from inside the kit, or a hang.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from pytest_autoglm._sizes import SizeError, parse_size
from pytest_autoglm.gpu._simulate import MAX_SIMULATED_GPUS, GpuSpecError, parse_simulation
from pytest_autoglm.leaks._thresholds import LeakOptions
from pytest_autoglm.models import ModelError, load_checkpoint, write_checkpoint
from pytest_autoglm.models._errors import ModelPathError, ModelUsageError


@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param("1e400", "expected", id="exponent-string"),
        pytest.param("9" * 400, "too long", id="400-digits"),
        pytest.param(float("inf"), "finite", id="float-inf"),
        pytest.param(float("nan"), "finite", id="float-nan"),
        pytest.param(10**400, "1 EiB", id="huge-int"),
        pytest.param("2000000 TiB", "1 EiB", id="huge-with-unit"),
    ],
)
def test_sizes_out_of_range_are_size_errors(value: object, says: str) -> None:
    with pytest.raises(SizeError, match=says) as info:
        parse_size(value)  # type: ignore[arg-type]
    assert len(str(info.value)) < 200, "the message must not echo a 400-digit value"


def test_sizes_stay_exact_for_decimal_fractions() -> None:
    assert parse_size("1.1 GiB") == int(1.1 * 1024**3)
    assert parse_size(".5 KiB") == 512


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        pytest.param("9" * 5000 + "x NVIDIA H100: memory=80GiB", "5000 digits", id="digits"),
        pytest.param("100000000x NVIDIA H100: memory=80GiB", "100000000 GPUs", id="count"),
        pytest.param(
            f"{MAX_SIMULATED_GPUS}x A: memory=1GiB; 1x B: memory=1GiB", "in all", id="sum"
        ),
    ],
)
def test_huge_simulated_gpu_counts_are_refused_at_once(spec: str, says: str) -> None:
    with pytest.raises(GpuSpecError, match=says):
        parse_simulation(spec)


def test_huge_simulated_gpu_count_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_a(): pass")
    result = pytester.runpytest("--autoglm-simulate-gpus=99999999x NVIDIA H100: memory=80GiB")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--autoglm-simulate-gpus*99999999 GPUs*at most 1024*"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_as_model_path_is_refused_without_opening_it(tmp_path: Path) -> None:
    # Opening a fifo for reading blocks until a writer comes: this would hang if the kit read it.
    os.mkfifo(tmp_path / "weights.safetensors")
    with pytest.raises(ModelPathError, match=r"named pipe \(fifo\), not a file or directory"):
        load_checkpoint("weights.safetensors", root=tmp_path)


def test_a_symlink_loop_is_named_as_a_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ModelPathError) as info:
        load_checkpoint("a", root=tmp_path)
    assert "symbolic link loop" in str(info.value)
    assert "did you mean" not in str(info.value)


def test_a_character_device_is_not_read_as_weights() -> None:
    with pytest.raises(ModelPathError, match="character device"):
        load_checkpoint(os.devnull)


def test_a_deeply_nested_safetensors_header_is_a_corrupt_file(tmp_path: Path) -> None:
    header = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    (tmp_path / "deep.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(ModelError, match="nested too deeply"):
        load_checkpoint(tmp_path / "deep.safetensors")


def test_a_tiny_pickle_cannot_allocate_a_huge_buffer(tmp_path: Path) -> None:
    # 30 bytes: bytearray(512 MiB) through the data-only unpickler's allowed constructors.
    evil = b"\x80\x02cbuiltins\nbytearray\nJ\x00\x00\x00\x20\x85R."
    (tmp_path / "evil.pkl").write_bytes(evil)
    with pytest.raises(ModelError, match=r"bytearray\(536870912\) would allocate"):
        load_checkpoint(tmp_path / "evil.pkl")


def test_protocol_2_bytes_still_load_through_the_data_only_reader(tmp_path: Path) -> None:
    import pickle

    data = {"w": bytearray(b"abc"), "b": b"xy"}
    (tmp_path / "ok.pkl").write_bytes(pickle.dumps(data, protocol=2))
    assert load_checkpoint(tmp_path / "ok.pkl") == data


@pytest.mark.parametrize("name", ["/etc/evil", "../evil", "..", "a/b", "a\\b", "", "x\0y"])
def test_checkpoint_names_cannot_leave_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelUsageError, match="not a plain file name"):
        write_checkpoint(tmp_path / "inside", name=name)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_checkpoint_fixture_name_error_shows_the_callers_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_escape(autoglm_checkpoint):
            autoglm_checkpoint(name="../../outside.safetensors")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ModelUsageError*not a plain file name*"])
    assert not (pytester.path.parent / "outside.safetensors").exists()


@pytest.mark.parametrize("value", ["2", "maybe", "tru"])
def test_bad_ini_booleans_name_the_key(pytester: pytest.Pytester, value: str) -> None:
    pytester.makeini(f"[pytest]\nautoglm_gpu = {value}\n")
    pytester.makepyfile("def test_a(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*autoglm_gpu (ini file): invalid value '{value}'*true*false*"])


def test_good_ini_booleans_still_work(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nautoglm_gpu = yes\n")
    pytester.makepyfile("def test_a(): pass")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["autoglm:*GPU tests on*"])


def test_a_leak_check_with_every_source_off_is_refused() -> None:
    with pytest.raises(ValueError, match="nothing would be checked"):
        LeakOptions(cpu=None, rss=None, gpu=None)
    assert not LeakOptions(enabled=False, cpu=None, rss=None, gpu=None).enabled


def test_a_leak_marker_with_every_source_off_is_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autoglm_no_leak(cpu=None, rss=None, gpu=None)
        def test_a():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*autoglm_no_leak*nothing would be checked*"])
