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


def _without_keys_or_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """No API key variable and no env file setting: the run registers no secret."""
    for name in ("AUTOGLM_API_KEY", "PHONE_AGENT_API_KEY", "AUTOGLM_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)


def _print_loaded_at_exit(pytester: pytest.Pytester, modules: tuple[str, ...]) -> None:
    """A conftest that prints ``LOADED [...]``: which of ``modules`` the run imported."""
    pytester.makeconftest(
        "import sys\n"
        "def pytest_unconfigure(config):\n"
        f"    print('LOADED', sorted(m for m in sys.modules if m in {modules!r}))\n"
    )


def test_a_suite_that_uses_no_capability_loads_no_checker(pytester: pytest.Pytester) -> None:
    """Per-test machinery (GPU gate, leak rounds) loads only when a test needs it."""
    pytester.makepyfile("def test_ok(): pass")
    checkers = ("pytest_autoglm.gpu._gate", "pytest_autoglm.gpu._session",
                "pytest_autoglm.leaks._marked", "pytest_autoglm.leaks._check")  # fmt: skip
    _print_loaded_at_exit(pytester, checkers)
    result = pytester.runpytest_subprocess("-q", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["LOADED []"])


#: the fixture bodies the plugin modules delegate to: loaded when a test asks for the fixture
FIXTURE_BODIES = (
    "pytest_autoglm.models._fixtures",
    "pytest_autoglm.phone._fixtures",
    "pytest_autoglm.realserver._fixture",
    "pytest_autoglm.secrets._redaction",
    "pytest_autoglm.server._fixture",
)
#: tests that ask for a fixture of each body (the model server skips: none is configured)
USES = (
    "def test_agent(autoglm_agent): pass",
    "def test_model_server(autoglm_model_server): pass",
    "def test_checkpoint(autoglm_checkpoint): pass",
    "def test_key(autoglm_api_key): pass",  # a registered secret: the redaction hooks
)


def test_a_suite_that_uses_no_fixture_loads_no_fixture_body(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugin modules hold thin fixture stubs; the bodies stay out of a plain run."""
    _without_keys_or_env_file(monkeypatch)
    pytester.makepyfile("def test_ok(): pass")
    _print_loaded_at_exit(pytester, FIXTURE_BODIES)
    result = pytester.runpytest_subprocess("-q", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["LOADED []"])
    # the check sees them: tests that ask for the fixtures load every body
    pytester.makepyfile("\n".join(USES))
    monkeypatch.setenv("AUTOGLM_API_KEY", "key-0123456789abcdef")
    result = pytester.runpytest_subprocess("-q", "-s")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines([f"LOADED {sorted(FIXTURE_BODIES)!r}"])


def test_each_plugin_module_lists_every_hook_and_fixture_in_dir() -> None:
    """pytest registers hooks and finds fixtures through ``dir()``; the plugin modules
    shorten it to those (``_plugins.plugin_dir``), so none may be left out."""
    from _pytest.fixtures import getfixturemarker

    import pytest_autoglm.plugin as entry

    for module in (entry, *entry.feature_modules()):
        offered = {
            name
            for name, value in vars(module).items()
            if name.startswith("pytest_") or getfixturemarker(value) is not None
        }
        assert offered, module.__name__
        assert set(dir(module)) == offered, module.__name__


def test_every_hook_of_a_plugin_module_is_registered(pytester: pytest.Pytester) -> None:
    from pytest_autoglm._features import FEATURES

    config = pytester.parseconfigure()
    manager = config.pluginmanager
    for name in ("autoglm", *(f"autoglm.{feature}" for feature in FEATURES)):
        module = manager.get_plugin(name)
        hooks = {n for n, v in vars(module).items() if n.startswith("pytest_") and callable(v)}
        registered = {caller.name for caller in manager.get_hookcallers(module) or ()}
        # pytest_addhooks ran before the specs of the kit's own hooks were added: all count
        assert registered == hooks, name


def test_a_plugin_module_hook_and_fixture_still_work_through_dir(pytester: pytest.Pytester) -> None:
    # a fixture (autoglm_clock) and a hook (the header) of modules whose dir() is shortened
    pytester.makepyfile("def test_clock(autoglm_clock):\n    assert autoglm_clock.slept == []\n")
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["autoglm: *fake server*"])


def test_a_run_without_env_files_or_secrets_loads_no_secret_reader(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The env file reader loads when there is a file; the matcher when there is a secret."""
    _without_keys_or_env_file(monkeypatch)
    pytester.makepyfile("def test_ok(): pass")
    _print_loaded_at_exit(
        pytester, ("pytest_autoglm.secrets._envfile", "pytest_autoglm.secrets._matcher")
    )
    result = pytester.runpytest_subprocess("-q", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["LOADED []"])
    # with a file and a secret in it, both load (and the secret is redacted)
    (pytester.path / ".env").write_text("DEMO_TOKEN=tok-0123456789abcdef\n")
    pytester.makepyfile("def test_ok():\n    print('tok-0123456789abcdef')\n    assert 0")
    result = pytester.runpytest_subprocess("-q", "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["LOADED *_envfile*_matcher*"])
    result.stdout.no_fnmatch_line("*tok-0123456789abcdef*")
