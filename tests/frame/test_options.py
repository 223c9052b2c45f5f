"""Declared options: one name gives flag, ini key and environment variable, resolved by precedence."""

from __future__ import annotations

import pytest

from pytest_autoglm._options import Option, parse_bool, parse_list
from pytest_autoglm._sizes import ACCEPTED_SIZES, parse_size

CONFTEST = """
from pytest_autoglm._options import Option, parse_bool, parse_list
from pytest_autoglm._sizes import parse_size, ACCEPTED_SIZES

SIZE = Option("demo-size", "A demo size.", parse_size, 0, accepted=ACCEPTED_SIZES)
FLAG = Option("demo-flag", "A demo flag.", parse_bool, False, kind="flag")
PATHS = Option("demo-path", "Demo paths.", parse_list, (), kind="list", ini_name="autoglm_demo_paths")
MODE = Option("demo-mode", "A demo mode.", str, "off", const="warn")

def pytest_addoption(parser):
    group = parser.getgroup("autoglm")
    for option in (SIZE, FLAG, PATHS, MODE):
        option.register(group, parser)

def pytest_configure(config):
    for option in (SIZE, FLAG, PATHS, MODE):
        source, value = option.resolve(config)
        print(f"RESOLVED {option.name} {source} {value!r}")
"""


@pytest.fixture
def demo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile("def test_ok(): pass")
    return pytester


def test_defaults_when_nothing_is_set(demo: pytest.Pytester) -> None:
    result = demo.runpytest("-s")
    result.stdout.fnmatch_lines(
        [
            "RESOLVED demo-size default 0",
            "RESOLVED demo-flag default False",
            "RESOLVED demo-path default ()",
            "RESOLVED demo-mode default 'off'",
        ]
    )


def test_precedence_command_line_over_environment_over_ini(
    demo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.makeini("[pytest]\nautoglm_demo_size = 1 KiB\nautoglm_demo_mode = ini\n")
    monkeypatch.setenv("AUTOGLM_DEMO_SIZE", "2 KiB")
    result = demo.runpytest("-s", "--autoglm-demo-size=3 KiB")
    result.stdout.fnmatch_lines(
        ["RESOLVED demo-size command line 3072", "RESOLVED demo-mode ini 'ini'"]
    )
    result = demo.runpytest("-s")
    result.stdout.fnmatch_lines(["RESOLVED demo-size environment 2048"])
    monkeypatch.delenv("AUTOGLM_DEMO_SIZE")
    result = demo.runpytest("-s")
    result.stdout.fnmatch_lines(["RESOLVED demo-size ini 1024"])


def test_an_unset_flag_does_not_hide_the_ini_value(demo: pytest.Pytester) -> None:
    demo.makeini("[pytest]\nautoglm_demo_flag = true\n")
    demo.runpytest("-s").stdout.fnmatch_lines(["RESOLVED demo-flag ini True"])


def test_environment_flag_and_list(demo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGLM_DEMO_FLAG", "yes")
    monkeypatch.setenv("AUTOGLM_DEMO_PATH", "a.env:b.env")
    result = demo.runpytest("-s")
    result.stdout.fnmatch_lines(
        ["RESOLVED demo-flag environment True", "RESOLVED demo-path environment ('a.env', 'b.env')"]
    )


def test_repeatable_option_and_ini_linelist(demo: pytest.Pytester) -> None:
    demo.makeini("[pytest]\nautoglm_demo_paths =\n    x.env\n    y.env\n")
    demo.runpytest("-s").stdout.fnmatch_lines(["RESOLVED demo-path ini ('x.env', 'y.env')"])
    result = demo.runpytest("-s", "--autoglm-demo-path=p", "--autoglm-demo-path=q")
    result.stdout.fnmatch_lines(["RESOLVED demo-path command line ('p', 'q')"])


def test_bare_flag_takes_its_constant(demo: pytest.Pytester) -> None:
    result = demo.runpytest("-s", "--autoglm-demo-mode")
    result.stdout.fnmatch_lines(["RESOLVED demo-mode command line 'warn'"])


@pytest.mark.parametrize(
    ("args", "env", "ini", "expected"),
    [
        pytest.param(
            ["--autoglm-demo-size=lots"], None, None,
            "*--autoglm-demo-size: invalid value 'lots': invalid size 'lots'*", id="flag",
        ),
        pytest.param(
            [], "lots", None,
            "*AUTOGLM_DEMO_SIZE (environment): invalid value 'lots'*", id="env",
        ),
        pytest.param(
            [], None, "lots", "*autoglm_demo_size (ini file): invalid value 'lots'*", id="ini"
        ),
    ],
)  # fmt: skip
def test_bad_value_is_a_usage_error_naming_option_value_and_forms(
    demo: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: str | None,
    ini: str | None,
    expected: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("AUTOGLM_DEMO_SIZE", env)
    if ini is not None:
        demo.makeini(f"[pytest]\nautoglm_demo_size = {ini}\n")
    result = demo.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])
    assert ACCEPTED_SIZES in result.stderr.str()


def test_bad_boolean_in_environment(demo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGLM_DEMO_FLAG", "maybe")
    result = demo.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*AUTOGLM_DEMO_FLAG (environment): invalid value 'maybe'*true*"])


def test_names_derive_from_one_stem() -> None:
    option = Option("require-gpu", "help", parse_bool, False, kind="flag")
    assert (option.flag, option.ini, option.env) == (
        "--autoglm-require-gpu",
        "autoglm_require_gpu",
        "AUTOGLM_REQUIRE_GPU",
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("1", True), ("ON", True), (" no ", False), ("false", False)]
)
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


def test_parse_list_drops_empty_items() -> None:
    assert parse_list("a::b:") == ("a", "b")


def test_size_option_parses_sizes() -> None:
    assert parse_size("1.5GiB") == 1610612736
