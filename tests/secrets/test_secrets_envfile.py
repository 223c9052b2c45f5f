"""Reading env files: python-dotenv's grammar, merged files, no-override, restore, errors."""

from __future__ import annotations

import os
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm.secrets import EnvFileError, load_env_files, looks_secret
from pytest_autoglm.secrets._envfile import malformed_reason, parse_secret_names, read_env_files


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_values_quotes_comments_and_export(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ".env",
        "# comment\n"
        "export A=1\n"
        "B='single # not a comment'\n"
        'C="double\\nline"\n'
        "D=unquoted # trailing comment\n"
        "BARE\n",
    )
    values = read_env_files([path], {}, override=False)
    assert values == {"A": "1", "B": "single # not a comment", "C": "double\nline", "D": "unquoted"}


def test_later_files_win_and_expansion_sees_earlier_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.env", "HOST=one\nURL=http://${HOST}/v1\n")
    second = write(tmp_path, "b.env", "HOST=two\nFULL=${URL}?h=${HOST}\n")
    values = read_env_files([first, second], {}, override=False)
    assert values == {"HOST": "two", "URL": "http://one/v1", "FULL": "http://one/v1?h=two"}


@pytest.mark.parametrize(
    ("override", "expected"),
    [(False, "http://env/v1"), (True, "http://file/v1")],
    ids=["environment-wins", "override"],
)
def test_expansion_uses_the_value_that_will_be_in_effect(
    tmp_path: Path, override: bool, expected: str
) -> None:
    path = write(tmp_path, ".env", "HOST=file\nURL=http://${HOST}/v1\n")
    assert read_env_files([path], {"HOST": "env"}, override=override)["URL"] == expected


def test_load_keeps_existing_variables_and_restore_undoes_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, ".env", "NEW=file\nOLD=file\n")
    environ = {"OLD": "env"}
    load = load_env_files([path], environ, override=False)
    assert environ == {"OLD": "env", "NEW": "file"}
    assert load.kept == ("OLD",)
    load.restore(environ)
    assert environ == {"OLD": "env"}


def test_override_replaces_and_restore_puts_the_old_value_back(tmp_path: Path) -> None:
    path = write(tmp_path, ".env", "OLD=file\n")
    environ = {"OLD": "env"}
    load = load_env_files([path], environ, override=True)
    assert environ == {"OLD": "file"}
    load.restore(environ)
    assert environ == {"OLD": "env"}


def test_restore_leaves_variables_changed_since_alone(tmp_path: Path) -> None:
    path = write(tmp_path, ".env", "NEW=file\n")
    environ: dict[str, str] = {}
    load = load_env_files([path], environ, override=False)
    environ["NEW"] = "changed by a test"
    load.restore(environ)
    assert environ == {"NEW": "changed by a test"}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("=sk-secret-value", "no variable name before '='"),
        ("'NAME=1", "unterminated quoted variable name"),
        ("FOO BAR=2", "expected '=' after the variable name"),
        ('API_KEY="sk-secret-value', 'unterminated "-quoted value (add the closing ")'),
        ("API_KEY='sk-secret-value", "unterminated '-quoted value"),
        ('API_KEY="sk-secret" trailing', 'unexpected text after the closing "'),
        ("sk-secret-pasted-alone xyzzy-notes", "expected '=' after the variable name"),
        ("export sk-secret-pasted =", "expected NAME=value"),
    ],
    ids=[
        "no-name",
        "open-quoted-name",
        "space-in-name",
        "open-double",
        "open-single",
        "junk",
        "pasted-key-then-text",
        "pasted-key-exported",
    ],
)
def test_malformed_line_reasons(line: str, reason: str) -> None:
    text = malformed_reason(line)
    assert reason in text
    tokens = re.findall(r"[^\s='\"]{5,}", line.replace("export", ""))
    assert not [token for token in tokens if token in text]  # no token of the line is echoed


def test_malformed_lines_are_all_reported_as_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, ".env", "GOOD=1\n=nokey\nGOOD2=2\nFOO BAR=3\n")
    with pytest.raises(EnvFileError) as excinfo:
        read_env_files([path], {}, override=False)
    message = str(excinfo.value)
    assert f"{path}:2: no variable name" in message
    assert f"{path}:4: expected '='" in message


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        ("missing", "env file not found"),
        ("directory", "env file is a directory"),
        ("latin-1", "x.env:1: not UTF-8 (byte 5); save it as UTF-8"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, kind: str, fragment: str) -> None:
    path = tmp_path / "x.env"
    if kind == "directory":
        path.mkdir()
    elif kind == "latin-1":
        path.write_bytes(b"A=caf\xe9\n")
    with pytest.raises(EnvFileError, match=re.escape(fragment)) as excinfo:
        read_env_files([path], {}, override=False)
    assert str(path) in str(excinfo.value)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("OPENAI_API_KEY", True),
        ("github_token", True),
        ("CLIENT_SECRET", True),
        ("DB_PASSWORD", True),
        ("PHONE_AGENT_BASE_URL", False),
        ("PHONE_AGENT_MODEL", False),
    ],
)
def test_secret_names_by_pattern(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_extra_secret_names_and_patterns() -> None:
    assert looks_secret("DB_DSN", ["DB_DSN"])
    assert looks_secret("AWS_CREDENTIALS", ["*_CREDENTIALS"])
    assert parse_secret_names("A, B\n*_C") == ("A", "B", "*_C")
    with pytest.raises(ValueError, match="'A=B' is not a variable name"):
        parse_secret_names("A=B")


_names = st.text(string.ascii_uppercase + "_", min_size=1, max_size=12)
_values = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="'\\$"), max_size=30
)


@given(pairs=st.dictionaries(_names, _values, max_size=6))
def test_single_quoted_values_round_trip(pairs: dict[str, str]) -> None:
    from pytest_autoglm.secrets._envfile import parse_env_text

    text = "".join(f"{name}='{value}'\n" for name, value in pairs.items())
    bindings, errors = parse_env_text(text, Path(".env"))
    assert errors == []
    assert dict(bindings) == pairs


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"A=1\nB=x\x00y\n", "x.env:2: a NUL byte"),
        (b"A=1\n" * 100_000, "has 100001 lines (at most 10000)"),
        (b"A=" + b"v" * (2 * 1024 * 1024) + b"\n", "bytes (at most 1048576 are read)"),
    ],
    ids=["nul-byte", "100k-lines", "2-MiB"],
)
def test_bad_files_are_refused_fast_without_their_values(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "x.env"
    path.write_bytes(content)
    with pytest.raises(EnvFileError, match=re.escape(fragment)) as excinfo:
        read_env_files([path], {}, override=False)
    assert "x\0y" not in str(excinfo.value)
    assert "vvvv" not in str(excinfo.value)


def test_a_fifo_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    os.mkfifo(path)
    with pytest.raises(EnvFileError, match="is not a regular file"):
        read_env_files([path], {}, override=False)


def test_many_expanded_lines_stay_linear(tmp_path: Path) -> None:
    lines = "".join(f"V{i}=${{V{i - 1}:-x}}\n" for i in range(1, 5000))
    values = read_env_files([write(tmp_path, ".env", "V0=seed\n" + lines)], {}, override=False)
    assert values["V4999"] == "seed"
