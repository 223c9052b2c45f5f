"""Every channel a hostile reviewer found, one run each: plant a key, grep every artifact.

Each scenario plants the key (and a password with characters that URL-encode) in ``.env``,
runs a suite that pushes them down one channel, and then looks for any 8-character piece of
either (raw or URL-encoded) in stdout, stderr and every file and folder name the run left
behind: junit xml, ``--report-log``, ``--debug`` log, ``.pytest_cache``, ``tmp_path``
folders. The control run, with the secrets plugin blocked, proves each scenario does
reach its channel, so a clean result means redaction, not a suite that never leaked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode

import pytest

KEY = "sk-planted-7f3a9c2e41d8b6f0"
PASSWORD = "p@ss w0rd+/=Planted#1"
FORMS = (KEY, PASSWORD, quote_plus(PASSWORD), quote(PASSWORD), urlencode({"p": PASSWORD})[2:])

COMMON = """\
import os
KEY = os.environ["AUTOGLM_API_KEY"]
PASSWORD = os.environ["DB_PASSWORD"]
"""


@dataclass(frozen=True)
class Channel:
    files: dict[str, str]
    args: tuple[str, ...] = ()
    subprocess: bool = False
    cache: bool = False  # let the run write .pytest_cache


CHANNELS = {
    "tee-sys": Channel(
        {"test_it.py": COMMON + "def test_prints():\n    print('tee', KEY, PASSWORD)\n"},
        ("--capture=tee-sys",),
        subprocess=True,
    ),
    "capsys-disabled": Channel(
        {
            "test_it.py": COMMON
            + "def test_prints(capsys):\n"
            + "    with capsys.disabled():\n"
            + "        print('disabled', KEY, PASSWORD)\n"
        },
        subprocess=True,
    ),
    "no-capture": Channel(
        {
            "test_it.py": COMMON
            + "import sys\n"
            + "def test_prints():\n"
            + "    print('plain', KEY)\n"
            + "    sys.stderr.write('err ' + PASSWORD + '\\n')\n"
        },
        ("-s",),
        subprocess=True,
    ),
    "test-ids": Channel(
        {
            "test_it.py": COMMON
            + "import pytest\n"
            + "@pytest.mark.parametrize('v', [KEY.encode()])\n"
            + "def test_bytes(v, tmp_path): assert not v\n"
            + "@pytest.mark.parametrize('v', [1], ids=[KEY])\n"
            + "def test_ids(v, tmp_path): assert not v\n"
            + "@pytest.mark.parametrize('v', [pytest.param(2, id='x-' + PASSWORD)])\n"
            + "def test_param_id(v, tmp_path): assert not v\n"
        },
        ("--basetemp=bt",),
        cache=True,
    ),
    "cut-url-and-skipped-diff": Channel(
        {
            "test_it.py": COMMON
            + "def test_url():\n"
            + "    url = 'https://api.' + 'x' * 200 + '/v1?key=' + KEY\n"
            + "    assert url == 'https://api.'\n"
            + "def test_diff():\n"
            + "    assert 'Authorization: Bearer ' + KEY + '-a' == 'Authorization: Bearer ' + KEY + '-b'\n"
        },
    ),
    "debug-log": Channel(
        {
            "test_it.py": COMMON
            + "import pytest\n"
            + "@pytest.mark.parametrize('v', [KEY])\n"
            + "def test_param(v): pass\n"
        },
        ("--debug=debug.log",),
    ),
    "record-property-and-urlencode": Channel(
        {
            "test_it.py": COMMON
            + "from urllib.parse import quote_plus, urlencode\n"
            + "def test_props(record_property):\n"
            + "    record_property('name-' + KEY, 1)\n"
            + "    print(urlencode({'p': PASSWORD}), quote_plus(PASSWORD))\n"
            + "    assert False\n"
        },
        ("-o", "junit_family=xunit1"),
    ),
    "internal-error": Channel(
        {"conftest.py": COMMON + "def pytest_runtestloop(session):\n    raise RuntimeError(KEY)\n"}
    ),
    "usage-error": Channel(
        {
            "conftest.py": COMMON
            + "import pytest\n"
            + "def pytest_configure(config):\n"
            + "    raise pytest.UsageError('bad ' + KEY)\n"
        },
        subprocess=True,
    ),
    "pytest-exit": Channel(
        {
            "test_it.py": COMMON
            + "import pytest\ndef test_exit():\n    pytest.exit('stop ' + KEY)\n"
        },
        subprocess=True,
    ),
    "conftest-import-error": Channel(
        {"conftest.py": COMMON + "raise RuntimeError('conftest saw ' + KEY)\n"},
        subprocess=True,
    ),
    "xdist-conftest-output": Channel(
        {
            "conftest.py": COMMON + "print('conftest import', KEY)\nimport sys\n"
            "sys.stderr.write('conftest err ' + PASSWORD + '\\n')\n",
            "test_it.py": "def test_ok(): pass\n",
        },
        ("-n", "2"),
        subprocess=True,
    ),
}

BASE_ARGS = (
    "-rA",
    "-p",
    "no:randomly",
    "--junitxml=junit.xml",
    "--report-log=report.jsonl",
    "-W",
    "default",
)


def pieces(size: int = 8) -> set[str]:
    return {form[i : i + size] for form in FORMS for i in range(len(form) - size + 1)}


def artifacts(pytester: pytest.Pytester, result: pytest.RunResult) -> dict[str, str]:
    """stdout, stderr, every file's text and every path name the run left (not the inputs)."""
    texts = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    for path in sorted(pytester.path.rglob("*")):
        name = str(path.relative_to(pytester.path))
        texts[f"name {name}"] = name
        if path.is_file() and path.name != ".env" and path.suffix not in (".pyc", ".py"):
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def leaks(texts: dict[str, str]) -> list[str]:
    found = pieces()
    return [
        f"{where}: ...{text[max(0, text.find(p) - 40) : text.find(p) + 40]!r}"
        for where, text in texts.items()
        for p in found
        if p in text
    ]


def run(pytester: pytest.Pytester, channel: Channel, *extra: str) -> pytest.RunResult:
    (pytester.path / ".env").write_text(
        f"AUTOGLM_API_KEY={KEY}\nDB_PASSWORD='{PASSWORD}'\n", encoding="utf-8"
    )
    for name, text in channel.files.items():
        (pytester.path / name).write_text(text, encoding="utf-8")
    no_cache = () if channel.cache else ("-p", "no:cacheprovider")
    args = [*BASE_ARGS, *no_cache, *channel.args, *extra]
    if channel.subprocess:
        return pytester.runpytest_subprocess(*args)
    return pytester.runpytest(*args)


@pytest.mark.parametrize("name", list(CHANNELS))
def test_no_piece_of_a_secret_in_any_artifact(pytester: pytest.Pytester, name: str) -> None:
    result = run(pytester, CHANNELS[name])
    found = leaks(artifacts(pytester, result))
    assert not found, f"{name}: secret pieces found:\n" + "\n".join(found[:20])


@pytest.mark.parametrize("name", list(CHANNELS))
def test_each_channel_leaks_without_the_secrets_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("AUTOGLM_API_KEY", KEY)  # nothing loads .env without the plugin
    monkeypatch.setenv("DB_PASSWORD", PASSWORD)
    result = run(pytester, CHANNELS[name], "-p", "no:autoglm.secrets")
    assert leaks(artifacts(pytester, result)), f"{name}: the control run leaked nothing"


def test_artifacts_are_where_the_scan_looks(pytester: pytest.Pytester) -> None:
    result = run(pytester, CHANNELS["test-ids"])
    names = set(artifacts(pytester, result))
    assert {"junit.xml", "report.jsonl", ".pytest_cache/v/cache/nodeids"} <= names
    assert any(n.startswith("name bt/") for n in names)
    assert Path(pytester.path / ".pytest_cache/v/cache/lastfailed").is_file()
