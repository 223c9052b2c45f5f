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


def test_a_suite_that_uses_no_capability_loads_no_checker(pytester: pytest.Pytester) -> None:
    """Per-test machinery (GPU gate, leak rounds) loads only when a test needs it."""
    pytester.makepyfile("def test_ok(): pass")
    pytester.makeconftest(
        "import sys\n"
        "def pytest_unconfigure(config):\n"
        "    print('LOADED', sorted(m for m in sys.modules if m in (\n"
        "        'pytest_autoglm.gpu._gate', 'pytest_autoglm.gpu._session',\n"
        "        'pytest_autoglm.leaks._marked', 'pytest_autoglm.leaks._check')))\n"
    )
    result = pytester.runpytest_subprocess("-q", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["LOADED []"])
