"""Loading the plugin stays cheap: no heavy package is imported at startup."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "torch", "docker", "pynvml", "hypothesis", "respx", "httpx", "httpx2",
    "onnx", "safetensors", "transformers", "openai", "PIL", "numpy",
)  # fmt: skip


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest_autoglm.plugin as p\n"
        "p.feature_modules()\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"heavy modules imported at plugin load: {out.stdout}"


def test_a_plain_suite_with_the_plugin_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    # hypothesis is loaded by its own pytest plugin; the rest must stay out of a plain run.
    pytester.makepyfile(
        f"""
        import sys
        def test_nothing_heavy():
            heavy = [m for m in {HEAVY!r} if m in sys.modules and m != "hypothesis"]
            assert heavy == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:respx", "-p", "no:anyio", "-p", "no:memray")
    result.assert_outcomes(passed=1)
